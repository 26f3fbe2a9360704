"""Blind-index key rotation, online: every subject is found by the new key afterwards and
not by the old, an interrupted rotation resumes, lookups by another process never fail at
any step (checked at every step and from a thread), a subject created mid-rotation is
found afterwards, the old key is gone and the CSRF key is unchanged."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.calendar.workdays import WorkCalendar
from core.cases.objections import service as objections
from core.clock import clock
from core.context import Context
from core.entries import repository as record_repo
from core.entries.subjects import subject_for
from core.errors import InvalidInput
from core.identity.web_sessions import csrf_key
from core.keyring import Keyring
from core.models import IndexRotation, Objection, StoredSecret, Subject
from core.ops.index_rotation import rotate_index
from core.ops.keys import open_keyring
from core.settings import Settings
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES
from tests.factories import make_code, make_entry, object_to

CALENDAR = WorkCalendar()


class Interrupted(Exception):
    pass


def _keyrings(engine: Engine, tmp_path: Path) -> tuple[Keyring, Keyring]:
    key_file = tmp_path / "master.key"
    first = open_keyring(engine, LocalFileKeyProvider(key_file, create=True), AES)
    return first, open_keyring(engine, LocalFileKeyProvider(key_file), AES)


def _people(engine: Engine, keyring: Keyring, n: int, tmp_path: Path) -> list[str]:
    """n listed subjects; each objects to its own entry."""
    codes = []
    with Session(engine) as db:
        for _ in range(n):
            code = make_code()
            entry_id = make_entry(db, keyring, department="d", actor="t", subject_code=code)
            object_to(
                db,
                keyring,
                code,
                entry_id,
                reasons="该处罚已撤销",
                settings=Settings(data_dir=tmp_path),
                calendar=CALENDAR,
            )
            codes.append(code)
        db.commit()
    return codes


def _found(engine: Engine, keyring: Keyring, code: str) -> bool:
    """A lookup as a request does it: the subject, its query view and its objections."""
    index = keyring.blind_index(code)
    with Session(engine) as db:
        subject = record_repo.subject_by_index(db, index)
        queried, _ = record_repo.subject_for_query(db, index)
        mine = objections.my_objections(Context(db, keyring, CALENDAR), code_index=index)
    return subject is not None and queried is not None and len(mine) == 1


def _advance(delta: timedelta) -> None:
    clock.advance(delta)


def _index_columns(engine: Engine) -> list[tuple[bytes | None, bytes | None]]:
    with Session(engine) as db:
        rows = db.execute(select(col(Subject.code_index), col(Subject.code_index_next))).all()
    return [(a, b) for a, b in rows]


def test_after_rotation_everyone_is_found_by_the_new_key_only(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    rotating, other = _keyrings(fresh_engine, tmp_path)
    codes = _people(fresh_engine, rotating, 7, tmp_path)
    old = other.indexer
    old_csrf = csrf_key(other)
    with Session(fresh_engine) as db:
        report = rotate_index(session=db, keyring=rotating, wait=_advance, batch=3)
    assert report.subjects == 7
    assert report.objections == 7
    assert report.unlinked_objections == 0
    clock.advance(timedelta(seconds=6))
    assert other.indexer.key != old.key
    for code in codes:
        assert _found(fresh_engine, other, code)
        with Session(fresh_engine) as db:
            assert record_repo.subject_by_index(db, old.index(code)) is None
    # One column in use again; the old key is gone; the CSRF key did not move.
    assert all(a is not None and b is None for a, b in _index_columns(fresh_engine))
    with Session(fresh_engine) as db:
        names = set(db.execute(select(col(StoredSecret.name))).scalars())
        assert db.get(IndexRotation, 1) is None
        assert all(o.objector_index_next is None for o in db.execute(select(Objection)).scalars())
    assert names == {"blind-index", "csrf", "certificate-index"}
    assert csrf_key(other) == old_csrf == csrf_key(rotating)
    # A process starting now opens the database (the check values follow the new key).
    fresh = open_keyring(fresh_engine, LocalFileKeyProvider(tmp_path / "master.key"), AES)
    assert fresh.indexer.key == other.indexer.key
    assert csrf_key(fresh) == old_csrf
    assert all(_found(fresh_engine, fresh, code) for code in codes)


def test_lookups_never_fail_at_any_step_and_mid_rotation_subjects_survive(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    rotating, other = _keyrings(fresh_engine, tmp_path)
    codes = _people(fresh_engine, rotating, 6, tmp_path)
    failures: list[str] = []
    steps: list[str] = []
    late: list[str] = []

    def check(step: str, _count: int) -> None:
        steps.append(step)
        for code in codes + late:
            if not _found(fresh_engine, other, code):
                failures.append(f"{step}: {code}")
        if step in ("backfill-subjects", "switched", "move-subjects") and len(late) < 3:
            # Another process names a new person mid-rotation, and objects for them.
            late.extend(_people(fresh_engine, other, 1, tmp_path))

    stop = threading.Event()
    thread_failures: list[str] = []

    def lookups() -> None:
        while not stop.is_set():
            for code in codes:
                if not _found(fresh_engine, other, code):
                    thread_failures.append(code)

    worker = threading.Thread(target=lookups)
    worker.start()
    try:
        with Session(fresh_engine) as db:
            rotate_index(session=db, keyring=rotating, wait=_advance, batch=2, progress=check)
    finally:
        stop.set()
        worker.join()
    assert {"backfill-subjects", "switched", "move-subjects", "done", "finished"} <= set(steps)
    assert failures == []
    assert thread_failures == []
    assert len(late) == 3
    clock.advance(timedelta(seconds=6))
    for code in codes + late:
        assert _found(fresh_engine, other, code)
        assert _found(fresh_engine, rotating, code)
    # The late subjects are one row each: no duplicate made by a process behind the state.
    with Session(fresh_engine) as db:
        assert len(db.execute(select(Subject)).all()) == len(codes) + len(late)
        again = subject_for(session=db, keyring=other, code=late[0], now=clock.now())
        assert again.id == record_repo.subject_by_index(db, other.blind_index(late[0])).id
    assert all(a is not None and b is None for a, b in _index_columns(fresh_engine))


def test_an_interrupted_rotation_resumes(fresh_engine: Engine, tmp_path: Path) -> None:
    rotating, other = _keyrings(fresh_engine, tmp_path)
    codes = _people(fresh_engine, rotating, 5, tmp_path)
    chunks = 0

    def stop_after_one_chunk(step: str, _count: int) -> None:
        nonlocal chunks
        if step == "backfill-subjects":
            chunks += 1
            raise Interrupted

    with Session(fresh_engine) as db, pytest.raises(Interrupted):
        rotate_index(
            session=db, keyring=rotating, wait=_advance, batch=2, progress=stop_after_one_chunk
        )
    assert chunks == 1
    assert sum(b is not None for _, b in _index_columns(fresh_engine)) == 2
    assert all(_found(fresh_engine, other, code) for code in codes)
    with Session(fresh_engine) as db, pytest.raises(InvalidInput):
        rotate_index(session=db, keyring=rotating, wait=_advance)
    with Session(fresh_engine) as db:
        report = rotate_index(session=db, keyring=rotating, wait=_advance, batch=2, resume=True)
    assert report.subjects == 3
    clock.advance(timedelta(seconds=6))
    assert all(_found(fresh_engine, other, code) for code in codes)
    with Session(fresh_engine) as db, pytest.raises(InvalidInput):
        rotate_index(session=db, keyring=rotating, wait=_advance, resume=True)


def test_third_party_objector_links_are_cleared_and_a_second_rotation_works(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    rotating, other = _keyrings(fresh_engine, tmp_path)
    codes = _people(fresh_engine, rotating, 2, tmp_path)
    with Session(fresh_engine) as db:
        # An objection whose objector index no row can recompute (a third party).
        objection = db.execute(select(Objection)).scalars().first()
        assert objection is not None
        objection.objector_index = rotating.indexer.index(make_code())
        db.add(objection)
        db.commit()
    with Session(fresh_engine) as db:
        first = rotate_index(session=db, keyring=rotating, wait=_advance)
    assert first.unlinked_objections == 1
    with Session(fresh_engine) as db:
        second = rotate_index(session=db, keyring=rotating, wait=_advance)
    assert second.subjects == 2
    assert second.unlinked_objections == 0
    clock.advance(timedelta(seconds=6))
    with Session(fresh_engine) as db:
        subjects = [record_repo.subject_by_index(db, other.blind_index(c)) for c in codes]
    assert all(s is not None for s in subjects)
