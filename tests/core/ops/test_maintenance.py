"""The background tick escalates overdue cases once, and /metrics counts them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases.objections import service as objections
from core.clock import CST, clock
from core.models import Entry
from core.ops.maintenance import run_maintenance
from core.ops.metrics import render
from core.querylog.checkpoints import Cadence
from core.querylog.signing_key import signer_for_data_dir
from core.settings import Settings
from tests.factories import make_code, make_entry, make_entry_view, object_to

CALENDAR = WorkCalendar()


class TestEscalation:
    def test_an_overdue_objection_is_escalated_once_and_counted(
        self, fresh_engine: Engine, keyring, tmp_path: Path
    ) -> None:
        clock.freeze(datetime(2026, 9, 30, 10, 0, tzinfo=CST))
        code = make_code()
        signer = signer_for_data_dir(tmp_path, origin="t/log", name="t/log")
        with Session(fresh_engine) as s:
            entry_id = make_entry(s, keyring, actor="t", subject_code=code)
            object_to(
                s,
                keyring,
                code,
                entry_id,
                reasons="该处罚已撤销",
                settings=Settings(data_dir=tmp_path),
                calendar=CALENDAR,
            )
            s.commit()

        def tick() -> int:
            return run_maintenance(
                engine=fresh_engine,
                signer=signer,
                cadence=Cadence(),
                now=clock.now(),
                calendar=CALENDAR,
            ).escalated

        def overdue_line() -> str:
            with Session(fresh_engine) as s:
                text = render(
                    session=s,
                    today=clock.today(),
                    overdue=[("objection", objections.count_overdue)],
                )
            (line,) = [ln for ln in text.splitlines() if ln.startswith("credence_cases_overdue")]
            return line

        # Two working days run past the National Day week: due 9 October.
        clock.freeze(datetime(2026, 10, 9, 18, 0, tzinfo=CST))
        assert tick() == 0
        assert overdue_line() == 'credence_cases_overdue{kind="objection"} 0'
        clock.advance(timedelta(days=1))
        assert tick() == 1
        assert tick() == 0
        assert overdue_line() == 'credence_cases_overdue{kind="objection"} 1'


class TestSettlingBeforeTheSweep:
    def test_a_notice_the_official_schedule_lengthens_is_not_ended_on_the_old_date(
        self, fresh_engine: Engine, keyring, tmp_path: Path
    ) -> None:
        clock.freeze(datetime(2027, 4, 26, 10, 0, tzinfo=CST))
        signer = signer_for_data_dir(tmp_path, origin="t/log", name="t/log")
        with Session(fresh_engine) as s:
            made = make_entry_view(s, keyring, actor="t", subject_code=make_code())
            s.commit()
        # Provisionally: Apr 27–30, (May 1–4 off), May 5 → in effect from May 6.
        assert made.notice_until is not None
        assert made.notice_until.isoformat() == "2027-05-06"
        path = tmp_path / "holidays.json"
        path.write_text(
            '{"years": [2027], "days": {"2027-05-03": false, "2027-05-04": false, '
            '"2027-05-05": false}}',
            "utf-8",
        )
        official = WorkCalendar.from_overrides_file(path)

        clock.freeze(datetime(2027, 5, 6, 9, 0, tzinfo=CST))
        report = run_maintenance(
            engine=fresh_engine,
            signer=signer,
            cadence=Cadence(),
            now=clock.now(),
            keyring=keyring,
            calendar=official,
        )
        assert report.settled is not None
        assert report.settled.entries == 1
        with Session(fresh_engine) as s:
            entry = s.get(Entry, made.id)
            assert entry is not None
            # Officially the notice runs through May 6: still pending, ending May 7.
            assert entry.status == "pending_notice"
            assert entry.notice_until is not None
            assert entry.notice_until.isoformat() == "2027-05-07"
            assert entry.notice_provisional_days is None
        # The process's calendar has settled what it covers: later ticks do not scan again.
        again = run_maintenance(
            engine=fresh_engine,
            signer=signer,
            cadence=Cadence(),
            now=clock.now(),
            calendar=official,
        )
        assert again.settled is None
