"""Master versions kept by the database: a fleet follows a rotation within the re-read
interval, retirement is refused while anything needs a version, and completing an erasure
destroys what it must while reads and new writes go on."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import clock
from core.context import Context
from core.db import reader
from core.entries.service import read_entry
from core.errors import InvalidInput
from core.keyring import CURRENT_TTL, Keyring
from core.models import DataKeyRow, Entry, MasterKeyRow
from core.ops import keys_repository as key_repo
from core.ops.keys import (
    SPLIT_GRACE,
    _new_version,
    complete_erasures,
    key_status,
    open_keyring,
    retire_version,
    rewrap_stale,
    rotate_master_key,
)
from crypto.envelope import wrapped_version
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES
from tests.factories import commit_entry


def _two_workers(engine, key_file: Path) -> tuple[Keyring, Keyring]:
    first = open_keyring(engine, LocalFileKeyProvider(key_file, create=True), AES)
    return first, open_keyring(engine, LocalFileKeyProvider(key_file), AES)


def _versions_of(engine) -> set[int]:
    """The master versions live data keys are wrapped under."""
    with Session(reader(engine)) as db:
        rows = db.scalars(select(DataKeyRow).where(col(DataKeyRow.wrapped).is_not(None)))
        return {wrapped_version(r.wrapped) for r in rows}


def _states(engine) -> dict[int, str]:
    with Session(reader(engine)) as db:
        return {r.version: r.state for r in db.scalars(select(MasterKeyRow))}


class TestFleetFollowsRotation:
    def test_another_worker_wraps_under_the_new_version_within_the_interval(
        self, fresh_engine, tmp_path
    ):
        clock.freeze(clock.now())
        mine, theirs = _two_workers(fresh_engine, tmp_path / "master.key")
        assert theirs.current_version() == 1
        with Session(fresh_engine) as db:
            rotate_master_key(session=db, keyring=mine)
        assert mine.current_version() == 2  # the rotating process knows at once
        # The other worker may go on under 1 only until its re-read is due.
        clock.advance(CURRENT_TTL - timedelta(milliseconds=1))
        assert theirs.current_version() == 1
        clock.advance(timedelta(milliseconds=1))
        assert theirs.current_version() == 2
        entry = commit_entry(fresh_engine, theirs, department="d", actor="t")
        with Session(fresh_engine) as db:
            row = db.get(DataKeyRow, _entry_key(db, entry))
            assert wrapped_version(row.wrapped) == 2


class TestRetire:
    def test_refused_while_current_in_use_unknown_or_destroyed(self, fresh_engine, tmp_path):
        keyring = open_keyring(
            fresh_engine, LocalFileKeyProvider(tmp_path / "master.key", create=True), AES
        )
        commit_entry(fresh_engine, keyring, department="d", actor="t")
        with Session(fresh_engine) as db:
            for version, rule in ((1, "version_current"), (7, "unknown_version")):
                with pytest.raises(InvalidInput) as refused:
                    retire_version(session=db, keyring=keyring, version=version)
                assert refused.value.rule == rule
            # A rotation stopped before its re-wrap: version 2 current, 1 still in use.
            _new_version(db, keyring, current=True)
            with pytest.raises(InvalidInput) as in_use:
                retire_version(session=db, keyring=keyring, version=1)
            assert in_use.value.rule == "version_in_use"
            assert keyring.provider.versions() == [1, 2]
            assert _states(fresh_engine) == {1: "active", 2: "current"}
            rewrap_stale(session=db, keyring=keyring)
            retire_version(session=db, keyring=keyring, version=1)
            assert keyring.provider.versions() == [2]
            with pytest.raises(InvalidInput) as again:
                retire_version(session=db, keyring=keyring, version=1)
            assert again.value.rule == "already_destroyed"
            status = key_status(session=db, keyring=keyring)
        assert (status.current, status.held, status.destroyed) == (2, [2], [1])
        assert status.live_keys_by_version == {2: 2}


class TestCompleteErasure:
    def test_reads_never_fail_and_nothing_new_lands_under_a_destroyed_version(
        self, fresh_engine, tmp_path
    ):
        clock.freeze(clock.now())
        mine, theirs = _two_workers(fresh_engine, tmp_path / "master.key")
        ids = [commit_entry(fresh_engine, mine, department="d", actor="t") for _ in range(12)]
        with Session(fresh_engine) as db:
            key_repo.shred_data_key(db, key_id=_entry_key(db, ids[0]), now=clock.now())
            db.commit()
        failures: list[BaseException] = []
        reads = 0
        stop = threading.Event()

        def read_loop() -> None:
            nonlocal reads
            while not stop.is_set():
                with Session(fresh_engine) as db:
                    for entry_id in ids[1:]:
                        try:
                            read_entry(Context(db, theirs), department="d", entry_id=entry_id)
                            reads += 1
                        except BaseException as exc:
                            failures.append(exc)

        reader = threading.Thread(target=read_loop)
        reader.start()
        try:
            with Session(fresh_engine) as db:
                first = complete_erasures(session=db, keyring=mine)
            # Version 1 was current: demoted, a fresh current took over, nothing destroyed.
            assert (first.completed, first.pending, first.destroyed_versions) == (0, 1, [])
            assert _states(fresh_engine) == {1: "active", 2: "current"}
            # Within the grace the other worker may still wrap under 1: it is kept.
            clock.advance(SPLIT_GRACE - timedelta(seconds=1))
            with Session(fresh_engine) as db:
                assert complete_erasures(session=db, keyring=mine).destroyed_versions == []
            late = commit_entry(fresh_engine, theirs, department="d", actor="t")
            clock.advance(timedelta(seconds=1))
            with Session(fresh_engine) as db:
                second = complete_erasures(session=db, keyring=mine)
            assert (second.completed, second.pending, second.destroyed_versions) == (1, 0, [1])
            newer = commit_entry(fresh_engine, theirs, department="d", actor="t")
        finally:
            stop.set()
            reader.join()
        assert failures == []
        assert reads > 0
        assert _states(fresh_engine)[1] == "destroyed"
        assert 1 not in mine.provider.versions()
        assert 1 not in _versions_of(fresh_engine)
        with Session(fresh_engine) as db:
            erased = db.get(DataKeyRow, _entry_key(db, ids[0]))
            assert erased.erased_at == clock.now()
            for entry_id in [*ids[1:], late, newer]:
                read_entry(Context(db, theirs), department="d", entry_id=entry_id)


def _entry_key(db: Session, entry_id: uuid.UUID) -> uuid.UUID:
    return db.get_one(Entry, entry_id).data_key_id
