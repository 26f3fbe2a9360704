"""Two requests creating one subject at once: one row, one key, and no constraint error that
would print the blind index in the database server's log (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.clock import clock
from core.entries import repository as record_repo
from core.entries import subjects
from core.keyring import Keyring
from core.models import DataKeyRow, Subject
from tests.conftest import PG_URL
from tests.factories import make_code

PG_LOG = os.environ.get("CREDENCE_TEST_PG_LOG")


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as db:
        subjects_n = db.scalar(select(func.count()).select_from(Subject))
        keys_n = db.scalar(
            select(func.count()).select_from(DataKeyRow).where(col(DataKeyRow.owner) == "subject")
        )
    return int(subjects_n or 0), int(keys_n or 0)


def _log_size() -> int:
    # On PostgreSQL the server log must be there: without it no DETAIL line could be caught.
    if PG_URL is not None:
        assert PG_LOG is not None
        assert Path(PG_LOG).is_file()
    return Path(PG_LOG).stat().st_size if PG_LOG else 0


def _log_since(offset: int) -> bytes:
    if not PG_LOG:
        return b""
    with open(PG_LOG, "rb") as log:
        log.seek(offset)
        return log.read()


class TestSubjectRace:
    def test_a_loser_that_missed_the_winner_takes_its_row_and_drops_its_key(
        self, fresh_engine, keyring: Keyring, monkeypatch
    ):
        code = make_code()
        with Session(fresh_engine) as db:
            winner = subjects.subject_for(session=db, keyring=keyring, code=code, now=clock.now())
            db.commit()
            winner_id = winner.id
        offset = _log_size()
        real_lookup = record_repo.subject_by_index
        calls = {"n": 0}

        def late_lookup(session, code_index):
            # The loser's first look happens before the winner committed: it sees nothing.
            calls["n"] += 1
            return None if calls["n"] == 1 else real_lookup(session, code_index)

        monkeypatch.setattr(record_repo, "subject_by_index", late_lookup)
        with Session(fresh_engine) as db:
            loser = subjects.subject_for(session=db, keyring=keyring, code=code, now=clock.now())
            db.commit()
            assert loser.id == winner_id
        assert calls["n"] == 2
        assert _counts(fresh_engine) == (1, 1)
        index = keyring.blind_index(code).hex()
        logged = _log_since(offset)
        assert index.encode() not in logged
        assert b"duplicate key" not in logged

    def test_threads_racing_for_one_code_make_one_subject(self, fresh_engine, keyring: Keyring):
        code = make_code()
        offset = _log_size()
        barrier = threading.Barrier(6)
        found: list[object] = []
        errors: list[BaseException] = []

        def create() -> None:
            try:
                with Session(fresh_engine) as db:
                    barrier.wait()
                    subject = subjects.subject_for(
                        session=db, keyring=keyring, code=code, now=clock.now()
                    )
                    db.commit()
                    found.append(subject.id)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=create) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(found) == 6
        assert len(set(found)) == 1
        assert _counts(fresh_engine) == (1, 1)
        logged = _log_since(offset)
        assert keyring.blind_index(code).hex().encode() not in logged
        assert b"duplicate key" not in logged
