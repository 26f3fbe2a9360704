"""The list rules of §5 through the records service, on the project clock.

Every refusal is checked to change nothing: no entry, subject, event or notice is left behind.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from core.clock import clock
from core.codes import org_check_char
from core.context import Context
from core.entries import lifecycle
from core.entries.display import add_months
from core.entries.list_rules import on_warning_list
from core.entries.schemas import EntryView
from core.entries.service import my_record, read_entry, record_of, withdraw_entry
from core.errors import Conflict, InvalidInput, Shredded
from core.keyring import Keyring
from core.models import (
    AgencyNotice,
    DataKeyRow,
    Entry,
    EntryEvent,
    EntryNotice,
    ExitAnnouncement,
    Subject,
)
from core.queries.schemas import QueryRequest
from core.queries.service import run_query
from core.querylog.signing_key import signer_for_data_dir
from crypto.log_signer import LogSigner
from tests.factories import make_code, make_entry_view, make_payload

# Monday 29 September 2025, 10:00 in Beijing: the National Day holiday (1–8 October) and
# its make-up working days (Sunday 28 September, Saturday 11 October) lie just ahead.
T0 = datetime(2025, 9, 29, 2, 0, tzinfo=UTC)
DEPT = "dept-a"
_org_seq = itertools.count(1)


def org_code() -> str:
    """A valid, unique unified social credit code (GB 32100-2015, MOD 31 check)."""
    body = f"91110105MA{next(_org_seq):07d}"
    return body + org_check_char(body)


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    return signer_for_data_dir(tmp_path, origin="credence.test/log", name="credence.test-log")


def _watch(session: Session, keyring: Keyring, code: str, **overrides: object) -> EntryView:
    """A general watch entry of `code`, displayed for six months from today."""
    fields: dict[str, object] = {
        "subject_code": code,
        "list_kind": "watch",
        "severity": "general",
        "decided_on": clock.today(),
        "display_until": add_months(clock.today(), 6),
        "valid_until": add_months(clock.today(), 12),
        "repairable": False,
        "repair_ways": [],
    }
    fields.update(overrides)
    return make_entry_view(session, keyring, actor="recorder-1", **fields)


def _red(session: Session, keyring: Keyring, code: str) -> EntryView:
    return make_entry_view(
        session,
        keyring,
        actor="recorder-1",
        subject_code=code,
        list_kind="red",
        severity="general",
        repairable=False,
        repair_ways=[],
    )


def _read(session: Session, keyring: Keyring, entry_id: uuid.UUID) -> EntryView:
    return read_entry(Context(session, keyring), department=DEPT, entry_id=entry_id)


def _withdraw(
    session: Session, keyring: Keyring, entry_id: uuid.UUID, kind: str = "withdrawn"
) -> EntryView:
    return withdraw_entry(
        Context(session, keyring),
        department=DEPT,
        entry_id=entry_id,
        reason="the decision was revoked on review",
        kind=kind,
        actor="recorder-1",
    )


def _counts(session: Session) -> dict[str, int]:
    """Rows of every table a list rule may write."""
    tables = {
        "entries": Entry,
        "subjects": Subject,
        "events": EntryEvent,
        "announcements": ExitAnnouncement,
        "entry_notices": EntryNotice,
        "agency_notices": AgencyNotice,
    }
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in tables.items()
    }


def _events(session: Session, entry_id: uuid.UUID) -> list[str]:
    stmt = select(col(EntryEvent.event)).where(col(EntryEvent.entry_id) == entry_id)
    return sorted(session.scalars(stmt))


def _announcements(session: Session, entry_id: uuid.UUID) -> list[ExitAnnouncement]:
    stmt = select(ExitAnnouncement).where(col(ExitAnnouncement.entry_id) == entry_id)
    return list(session.scalars(stmt))


def _entries_of(session: Session, code: str, keyring: Keyring) -> list[Entry]:
    subject = session.scalars(
        select(Subject).where(col(Subject.code_index) == keyring.blind_index(code))
    ).one()
    stmt = select(Entry).where(col(Entry.subject_id) == subject.id).order_by(col(Entry.created_at))
    return list(session.scalars(stmt))


class TestPriorNoticeForAPerson:
    def test_the_notice_runs_five_working_days_across_the_national_day_holiday(
        self, session, keyring
    ):
        made = make_entry_view(session, keyring, actor="recorder-1")
        # Working days after Monday 29 September: Tue 30 September, (1–8 October off),
        # Thu 9, Fri 10, Sat 11 (make-up day) and Mon 13 October; effective Tue 14 October.
        assert made.notice_until == date(2025, 10, 14)
        assert made.state == "pending_notice"
        assert session.get(Entry, made.id).status == "pending_notice"
        assert [v.audience for v in made.visible_to] == ["you", "recording_department"]

    def test_it_takes_effect_the_day_after_the_fifth_working_day(self, session, keyring):
        made = make_entry_view(session, keyring, actor="recorder-1")
        clock.freeze(datetime(2025, 10, 13, 15, 59, tzinfo=UTC))  # 23:59 on 13 October, CST
        assert _read(session, keyring, made.id).state == "pending_notice"
        clock.advance(timedelta(minutes=1))  # midnight in Beijing: 14 October
        shown = _read(session, keyring, made.id)
        assert shown.state == "displayed"
        assert {v.audience for v in shown.visible_to} >= {"agencies", "public"}

    def test_an_open_objection_holds_it_past_the_notice_end(self, session, keyring):
        made = make_entry_view(session, keyring, actor="recorder-1")
        entry = session.get(Entry, made.id)
        lifecycle.apply(
            session=session, entry=entry, event="objection_opened", actor="citizen", now=T0
        )
        clock.freeze(datetime(2025, 11, 3, 2, 0, tzinfo=UTC))
        assert _read(session, keyring, made.id).state == "pending_notice"

    def test_a_refused_black_entry_leaves_nothing_behind(self, session, keyring):
        payload = make_payload()
        before = _counts(session)
        with pytest.raises(InvalidInput) as info:
            make_entry_view(
                session,
                keyring,
                actor="recorder-1",
                decided_on=payload.decided_on,
                display_until=payload.decided_on + timedelta(days=90),  # under a year
            )
        assert info.value.rule == "display_period_bounds"
        assert _counts(session) == before

    def test_a_notice_into_an_uncovered_year_is_provisional_and_stored(self, session, keyring):
        clock.freeze(datetime(2026, 12, 28, 2, 0, tzinfo=UTC))  # its notice runs into 2027
        made = make_entry_view(session, keyring, actor="recorder-1")
        # Dec 29, 30, 31 (2026, official); 2027-01-01 元旦 off; Jan 4, 5 (provisional).
        assert made.notice_until == date(2027, 1, 6)
        assert made.notice_until_provisional
        assert session.get(Entry, made.id).notice_provisional_days == 5

    def test_a_notice_inside_the_official_data_is_not_provisional(self, session, keyring):
        clock.freeze(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
        made = make_entry_view(session, keyring, actor="recorder-1")
        assert made.notice_until == date(2026, 12, 9)
        assert not made.notice_until_provisional
        assert session.get(Entry, made.id).notice_provisional_days is None


class TestAnOrganisationIsNotNoticed:
    def test_its_black_entry_is_displayed_at_once(self, session, keyring):
        made = make_entry_view(
            session,
            keyring,
            actor="recorder-1",
            subject_code=org_code(),
            subject_name="某某科技有限公司",
        )
        assert made.notice_until is None
        assert made.state == "displayed"
        assert session.get(Entry, made.id).status == "displayed"
        assert session.get(Subject, session.get(Entry, made.id).subject_id).code_kind == "org"
        assert {v.audience for v in made.visible_to} == {
            "agencies",
            "public",
            "you",
            "recording_department",
        }


class TestRedPublicNotice:
    def test_a_red_entry_is_noticed_for_ten_calendar_days(self, session, keyring):
        made = _red(session, keyring, make_code())
        # Holidays are not skipped: ten days after 29 September run to 9 October inclusive.
        assert made.notice_until == date(2025, 10, 10)
        assert made.state == "pending_notice"
        clock.freeze(datetime(2025, 10, 9, 15, 59, tzinfo=UTC))
        assert _read(session, keyring, made.id).state == "pending_notice"
        clock.advance(timedelta(minutes=1))
        assert _read(session, keyring, made.id).state == "displayed"

    def test_an_organisation_is_publicly_noticed_too(self, session, keyring):
        made = _red(session, keyring, org_code())
        assert (made.state, made.notice_until) == ("pending_notice", date(2025, 10, 10))


class TestRedWhileBlack:
    @pytest.mark.parametrize("code_of", [make_code, org_code], ids=["person", "org"])
    def test_a_red_entry_is_refused_and_nothing_changes(self, session, keyring, code_of):
        code = code_of()
        make_entry_view(session, keyring, actor="recorder-1", subject_code=code)
        before = _counts(session)
        with pytest.raises(Conflict) as info:
            _red(session, keyring, code)
        assert info.value.rule == "red_while_black"
        assert _counts(session) == before

    def test_a_black_entry_still_in_its_prior_notice_counts(self, session, keyring):
        code = make_code()
        assert (
            make_entry_view(session, keyring, actor="recorder-1", subject_code=code).state
            == "pending_notice"
        )
        with pytest.raises(Conflict, match="black"):
            _red(session, keyring, code)

    def test_once_the_black_display_has_ended_a_red_entry_is_allowed(self, session, keyring):
        code = make_code()
        black = make_entry_view(session, keyring, actor="recorder-1", subject_code=code)
        clock.freeze(datetime.combine(black.display_until, datetime.min.time(), tzinfo=UTC))
        assert _read(session, keyring, black.id).state == "expired"
        assert _red(session, keyring, code).state == "pending_notice"


class TestBlackRemovesRed:
    def test_the_red_entry_exits_with_one_announcement(self, session, keyring):
        code = make_code()
        red = _red(session, keyring, code)
        clock.advance(timedelta(days=12))  # the red entry's public notice is over
        assert _read(session, keyring, red.id).state == "displayed"
        black = make_entry_view(session, keyring, actor="recorder-1", subject_code=code)

        row = session.get(Entry, red.id)
        assert (row.status, row.exit_reason) == ("retained", "removed_by_black")
        assert row.exited_on == clock.today()
        assert _events(session, red.id) == sorted(["recorded", "removed_by_black", "retained"])
        (announcement,) = _announcements(session, red.id)
        assert (announcement.reason, announcement.list_kind) == ("removed_by_black", "red")
        assert announcement.public_ref == red.public_ref
        notices = session.scalars(select(EntryNotice).where(col(EntryNotice.entry_id) == red.id))
        assert [n.kind for n in notices] == ["removed_by_black"]
        shown = _read(session, keyring, red.id)
        assert (shown.state, shown.exit_reason) == ("exited", "removed_by_black")
        assert {v.audience for v in shown.visible_to} == {"you", "recording_department"}
        # Removing a red entry puts nobody on watch; only the black entry is new.
        kinds = sorted(e.list_kind for e in _entries_of(session, code, keyring))
        assert kinds == ["black", "red"]
        assert _read(session, keyring, black.id).state == "pending_notice"

    def test_a_red_entry_still_in_its_public_notice_is_removed_too(self, session, keyring):
        code = make_code()
        red = _red(session, keyring, code)
        make_entry_view(session, keyring, actor="recorder-1", subject_code=code)
        assert session.get(Entry, red.id).exit_reason == "removed_by_black"
        assert len(_announcements(session, red.id)) == 1

    def test_an_expired_red_entry_is_left_alone(self, session, keyring):
        code = make_code()
        red = make_entry_view(
            session,
            keyring,
            actor="recorder-1",
            subject_code=code,
            list_kind="red",
            severity="general",
            repairable=False,
            repair_ways=[],
            decided_on=clock.today() - timedelta(days=60),
            display_until=clock.today() - timedelta(days=1),
        )
        make_entry_view(session, keyring, actor="recorder-1", subject_code=code)
        assert session.get(Entry, red.id).exit_reason is None
        assert _announcements(session, red.id) == []

    def test_a_refused_black_entry_removes_nothing(self, session, keyring):
        code = make_code()
        red = _red(session, keyring, code)
        before = _counts(session)
        with pytest.raises(InvalidInput) as info:
            make_entry_view(
                session,
                keyring,
                actor="recorder-1",
                subject_code=code,
                valid_until=clock.today() + timedelta(days=30),  # before the display ends
            )
        assert info.value.rule == "display_beyond_validity"
        assert _counts(session) == before
        assert session.get(Entry, red.id).status == "pending_notice"


class TestWatchAfterBlackExit:
    @pytest.mark.parametrize("kind", ["withdrawn", "criteria_changed"])
    def test_a_withdrawn_black_entry_puts_the_subject_on_watch(self, session, keyring, kind):
        code = make_code()
        black = make_entry_view(
            session, keyring, actor="recorder-1", subject_code=code, watch_months=4
        )
        clock.advance(timedelta(days=20))
        today = clock.today()
        before = _counts(session)
        view = _withdraw(session, keyring, black.id, kind=kind)

        assert (view.state, view.exit_reason) == ("exited", kind)
        row = session.get(Entry, black.id)
        assert (row.status, row.exited_on) == ("retained", today)
        (watch,) = [e for e in _entries_of(session, code, keyring) if e.list_kind == "watch"]
        assert watch.display_until == add_months(today, 4) == date(2026, 2, 19)
        assert (watch.decided_on, watch.status, watch.department) == (today, "displayed", DEPT)
        assert (watch.domain, watch.severity) == (row.domain, row.severity)
        assert _events(session, watch.id) == ["watch_after_black_exit"]
        watch_view = _read(session, keyring, watch.id)
        assert watch_view.state == "displayed"
        assert watch_view.facts == "逾期未缴税款一百二十万元"
        (announcement,) = _announcements(session, black.id)
        assert announcement.reason == kind
        after = _counts(session)
        assert after["entries"] == before["entries"] + 1
        assert after["announcements"] == before["announcements"] + 1

    def test_an_erroneous_listing_ends_shredded_and_nobody_is_watched(self, session, keyring):
        code = make_code()
        black = make_entry_view(session, keyring, actor="recorder-1", subject_code=code)
        entry = session.get(Entry, black.id)
        for event in ("objection_opened", "objection_upheld"):
            lifecycle.apply(
                session=session, entry=entry, event=event, actor="officer-1", now=clock.now()
            )
        assert (entry.status, entry.under_objection) == ("exited", False)
        lifecycle.finish_exit(
            session=session, keyring=keyring, entry=entry, actor="officer-1", now=clock.now()
        )

        # No case and no other entry remains: the person went with the listing.
        subject = session.get(Subject, entry.subject_id)
        assert (subject.code_index, subject.code_ct) == (None, None)
        assert subject.erased_at is not None
        kinds_left = session.scalars(
            select(col(Entry.list_kind)).where(col(Entry.subject_id) == entry.subject_id)
        )
        assert list(kinds_left) == ["black"]
        assert session.get(Entry, black.id).status == "shredded"
        assert session.get(DataKeyRow, entry.data_key_id).wrapped is None
        assert _events(session, black.id) == sorted(
            ["recorded", "objection_opened", "objection_upheld", "shredded"]
        )
        kinds = session.scalars(
            select(col(EntryNotice.kind)).where(col(EntryNotice.entry_id) == black.id)
        )
        # Told of it in its prior notice (1798号 §7), then of the upheld objection and erasure.
        assert sorted(kinds) == ["objection_upheld", "prior_notice", "shredded"]
        with pytest.raises(Shredded):
            _read(session, keyring, black.id)
        index = keyring.blind_index(code)
        assert record_of(Context(session, keyring), code_index=index) == []


class TestWarningList:
    """Watch entries shown in three or more domains put the subject on the derived warning
    list (§5.5): the owner's record and every legal-basis answer say so."""

    def _flags(self, session: Session, keyring: Keyring, signer, code: str) -> tuple[bool, bool]:
        """(the owner's record says warning, an agency's answer says warning)."""
        mine = my_record(Context(session, keyring), code_index=keyring.blind_index(code))
        answer = run_query(
            session=session,
            keyring=keyring,
            signer=signer,
            agency="bank-1",
            payload=QueryRequest(
                subject_code=code, purpose="licensing", legal_basis="court_enforcement"
            ),
            now=clock.now(),
        )
        domains = [
            v.domain for v in mine.entries if v.list_kind == "watch" and v.state == "displayed"
        ]
        # The pure rule agrees with the services.
        assert on_warning_list(domains) == mine.warning_list
        return mine.warning_list, answer.warning_list

    def test_watch_entries_in_three_domains_warn(self, session, keyring, signer):
        code = make_code()
        for domain in ("traffic", "finance", "ecommerce"):
            _watch(session, keyring, code, domain=domain)
        assert self._flags(session, keyring, signer, code) == (True, True)

    def test_two_domains_or_repeats_do_not(self, session, keyring, signer):
        code = make_code()
        for domain in ("traffic", "finance", "finance"):
            _watch(session, keyring, code, domain=domain)
        assert self._flags(session, keyring, signer, code) == (False, False)

    def test_other_lists_in_a_third_domain_do_not(self, session, keyring, signer):
        code = make_code()
        _watch(session, keyring, code, domain="traffic")
        _watch(session, keyring, code, domain="finance")
        make_entry_view(
            session, keyring, actor="recorder-1", subject_code=code, domain="ecommerce"
        )  # black
        assert self._flags(session, keyring, signer, code) == (False, False)

    def test_an_expired_watch_entry_no_longer_counts(self, session, keyring, signer):
        code = make_code()
        _watch(session, keyring, code, domain="traffic")
        _watch(session, keyring, code, domain="finance")
        _watch(session, keyring, code, domain="ecommerce", display_until=add_months(T0.date(), 3))
        assert self._flags(session, keyring, signer, code) == (True, True)
        clock.advance(timedelta(days=100))
        assert self._flags(session, keyring, signer, code) == (False, False)

    def test_a_withdrawn_watch_entry_no_longer_counts(self, session, keyring, signer):
        code = make_code()
        _watch(session, keyring, code, domain="traffic")
        _watch(session, keyring, code, domain="finance")
        third = _watch(session, keyring, code, domain="ecommerce")
        _withdraw(session, keyring, third.id)
        assert self._flags(session, keyring, signer, code) == (False, False)


class TestSeriousViolationOnWatch:
    def _serious_watch(self, session: Session, keyring: Keyring, code: str) -> EntryView:
        return _watch(
            session,
            keyring,
            code,
            domain="finance",
            severity="serious",
            display_until=add_months(clock.today(), 18),
            valid_until=add_months(clock.today(), 24),
        )

    def test_is_recorded_black_with_a_prior_notice(self, session, keyring):
        code = make_code()
        _watch(session, keyring, code)
        made = self._serious_watch(session, keyring, code)
        assert made.list_kind == "black"
        assert (made.state, made.notice_until) == ("pending_notice", date(2025, 10, 14))
        assert _events(session, made.id) == ["recorded_escalated_from_watch"]

    def test_a_general_violation_on_watch_stays_watch(self, session, keyring):
        code = make_code()
        _watch(session, keyring, code)
        made = _watch(session, keyring, code, domain="finance")
        assert (made.list_kind, made.state) == ("watch", "displayed")

    def test_a_serious_violation_off_watch_stays_watch(self, session, keyring):
        code = make_code()
        _watch(session, keyring, code, display_until=add_months(T0.date(), 3))
        clock.advance(timedelta(days=100))  # that watch entry has expired
        made = self._serious_watch(session, keyring, code)
        assert made.list_kind == "watch"
        assert _events(session, made.id) == ["recorded"]

    def test_a_refused_escalation_changes_nothing(self, session, keyring):
        code = make_code()
        _watch(session, keyring, code)
        before = _counts(session)
        with pytest.raises(InvalidInput) as info:
            _watch(
                session,
                keyring,
                code,
                severity="serious",
                display_until=add_months(clock.today(), 6),  # under a serious entry's year
            )
        assert info.value.rule == "display_period_bounds"
        assert _counts(session) == before


class TestDisplayLimits:
    @pytest.mark.parametrize(
        ("list_kind", "severity", "months"),
        [
            ("black", "general", 2),
            ("black", "general", 13),
            ("black", "serious", 11),
            ("black", "serious", 37),
            ("watch", "general", 2),
            ("watch", "serious", 37),
        ],
    )
    def test_a_display_end_outside_the_severity_bounds_is_refused(
        self, session, keyring, list_kind, severity, months
    ):
        decided = clock.today() - timedelta(days=3)
        before = _counts(session)
        with pytest.raises(InvalidInput) as info:
            make_entry_view(
                session,
                keyring,
                actor="recorder-1",
                list_kind=list_kind,
                severity=severity,
                decided_on=decided,
                display_until=add_months(decided, months),
                valid_until=add_months(decided, 40),
            )
        assert info.value.rule == "display_period_bounds"
        assert _counts(session) == before

    def test_the_bounds_themselves_are_allowed(self, session, keyring):
        decided = clock.today() - timedelta(days=3)
        for months in (3, 12):
            made = make_entry_view(
                session,
                keyring,
                actor="recorder-1",
                severity="general",
                decided_on=decided,
                display_until=add_months(decided, months),
                valid_until=add_months(decided, 40),
            )
            assert made.display_until == add_months(decided, months)

    @pytest.mark.parametrize("list_kind", ["black", "red"])
    def test_a_display_beyond_validity_is_refused(self, session, keyring, list_kind):
        decided = clock.today() - timedelta(days=3)
        before = _counts(session)
        with pytest.raises(InvalidInput) as info:
            make_entry_view(
                session,
                keyring,
                actor="recorder-1",
                list_kind=list_kind,
                severity="general" if list_kind == "red" else "serious",
                decided_on=decided,
                display_until=add_months(decided, 14),
                valid_until=add_months(decided, 13),
            )
        assert info.value.rule == "display_beyond_validity"
        assert _counts(session) == before


class TestWithdrawTwice:
    @pytest.mark.parametrize("second", ["withdrawn", "criteria_changed"])
    def test_the_second_withdrawal_is_a_conflict_and_writes_nothing(self, session, keyring, second):
        black = make_entry_view(session, keyring, actor="recorder-1")
        _withdraw(session, keyring, black.id)
        before = _counts(session)
        with pytest.raises(Conflict) as info:
            _withdraw(session, keyring, black.id, kind=second)
        assert info.value.rule == "illegal_transition"
        assert _counts(session) == before
        assert _events(session, black.id) == sorted(["recorded", "withdrawn", "retained"])
        # Withdrawn during its prior notice: it never was public, so no announcement.
        assert len(_announcements(session, black.id)) == 0
        assert session.get(Entry, black.id).exit_reason == "withdrawn"
