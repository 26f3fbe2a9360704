"""The blind-index rotation the maintenance tick runs after people are erased: once it is
done the key that indexed an erased person is destroyed, so the index that survives in a
dead row version or a WAL names nobody, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.clock import clock
from core.codes import normalise_code
from core.keyring import Keyring
from core.models import DataKeyRow, Subject
from core.ops import index_repository as index_repo
from core.ops import keys_repository as key_repo
from core.ops.index_after_erasure import advance_index_rotation, index_remnants
from core.ops.index_rotation import GRACE, rotate_index
from core.ops.keys import SPLIT_GRACE, open_keyring
from core.ops.maintenance import finish_erasures, run_maintenance
from core.querylog.checkpoints import Cadence
from core.querylog.signing_key import signer_for_data_dir
from crypto.blind_index import BlindIndexer
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES
from tests.conftest import ON_HSM
from tests.core.ops.test_erasure_forensics import (
    FACTS,
    _files,
    _occurrences,
    _providers,
    _shred_as_erroneous,
)
from tests.factories import commit_entry, make_code

AFTER = timedelta(hours=24)


def _found(engine: Engine, keyring: Keyring, code: str) -> bool:
    """Whether a lookup by code finds a subject, as a request would."""
    value = keyring.blind_index(normalise_code(code))
    with Session(engine) as db:
        stmt = select(Subject.id).where(
            (col(Subject.code_index) == bytes(value))
            | (col(Subject.code_index_next) == (value.next or bytes(value)))
        )
        return db.execute(stmt).first() is not None


def _tick(engine: Engine, keyring: Keyring) -> str | None:
    """What the server's tick does for erasures: the rotation first, then the erasures."""
    state = advance_index_rotation(engine=engine, keyring=keyring, now=clock.now(), after=AFTER)
    finish_erasures(engine=engine, keyring=keyring, now=clock.now())
    return state


def _settled(engine: Engine) -> bool:
    with Session(engine) as db:
        return index_repo.rotation(db) is None and not key_repo.has_pending_erasures(db)


def _tick_until_settled(engine: Engine, keyring: Keyring, ticks: int = 12) -> list[str | None]:
    states = []
    for _ in range(ticks):
        states.append(_tick(engine, keyring))
        if _settled(engine):
            return states
        clock.advance(max(GRACE, SPLIT_GRACE) + timedelta(seconds=1))
    pytest.fail(f"the rotation and erasures did not settle within {ticks} ticks: {states}")


def _victim_erased(engine: Engine, keyring: Keyring) -> tuple[str, str, bytes]:
    """A victim whose only entry is erased as erroneous, and a bystander who stays."""
    victim, bystander = make_code(), make_code()
    entry = commit_entry(engine, keyring, actor="recorder-1", subject_code=victim, facts=FACTS)
    commit_entry(engine, keyring, actor="recorder-1", subject_code=bystander, facts=FACTS)
    old_index = bytes(keyring.blind_index(normalise_code(victim)))
    _shred_as_erroneous(engine, keyring, entry)
    return victim, bystander, old_index


class TestIndexRotationAfterErasure:
    @pytest.mark.parametrize("kind", ["file", "pkcs11"])
    def test_the_key_that_indexed_an_erased_person_is_destroyed(self, fresh_engine, tmp_path, kind):
        if kind == "pkcs11" and not ON_HSM:
            pytest.skip("the PKCS#11 provider runs on the SoftHSM2 token (PostgreSQL pass)")
        key_file = tmp_path / "keys" / "master.key"
        provider, reopen = _providers(kind, key_file)
        keyring = open_keyring(fresh_engine, provider, AES)
        victim, bystander, old_index = _victim_erased(fresh_engine, keyring)
        old_key = keyring.indexer.key
        # The erasure of the keys completes first; no rotation starts before the day is out.
        assert set(_tick_until_settled(fresh_engine, keyring)) == {None}
        with Session(fresh_engine) as db:
            versions_before = {
                v.version for v in key_repo.master_versions(db) if v.state != "destroyed"
            }
            assert versions_before
            assert index_remnants(db) == 1
        clock.advance(AFTER)
        states = _tick_until_settled(fresh_engine, keyring)
        assert states[0] == "backfill"
        assert states[-1] in {"finished", None}

        attacker = reopen()
        # Every version that ever wrapped the old index key is gone from the key store.
        assert versions_before.isdisjoint(attacker.versions())
        with Session(fresh_engine) as db:
            retired = db.execute(
                select(DataKeyRow).where(col(DataKeyRow.owner) == "retired-secret")
            ).scalar_one()
            assert retired.erased_at is not None
            assert index_remnants(db) == 0
        fresh = open_keyring(fresh_engine, reopen(), AES)
        assert fresh.indexer.key != old_key
        assert _found(fresh_engine, fresh, bystander)
        assert not _found(fresh_engine, fresh, victim)
        # The victim's index under the key now in service was never written anywhere, and
        # the old key itself never was: what survives is under a destroyed key.
        files = _files(fresh_engine, key_file)
        new_index = BlindIndexer(fresh.suite, fresh.indexer.key).index(normalise_code(victim))
        assert _occurrences(files, new_index) == []
        assert _occurrences(files, old_key) == []
        if fresh_engine.dialect.name == "sqlite":
            assert _occurrences(files, old_index) == []
        # No more rotations until someone else is erased.
        clock.advance(AFTER * 2)
        assert _tick(fresh_engine, fresh) is None

    def test_a_person_erased_during_a_rotation_waits_for_the_next(self, fresh_engine, tmp_path):
        keyring = open_keyring(
            fresh_engine, LocalFileKeyProvider(tmp_path / "master.key", create=True), AES
        )
        _victim_erased(fresh_engine, keyring)
        clock.advance(AFTER)
        assert _tick(fresh_engine, keyring) == "backfill"
        # Erased while the next key is being filled in: that key saw this person too.
        late, _, _ = _victim_erased(fresh_engine, keyring)
        _tick_until_settled(fresh_engine, keyring)
        with Session(fresh_engine) as db:
            assert index_remnants(db) == 1
        first_rotation_key = keyring.indexer.key
        clock.advance(AFTER)
        _tick_until_settled(fresh_engine, keyring)
        assert keyring.indexer.key != first_rotation_key
        with Session(fresh_engine) as db:
            assert index_remnants(db) == 0
        assert not _found(fresh_engine, keyring, late)

    def test_two_processes_ticking_at_once_leave_one_rotation(self, fresh_engine, tmp_path):
        key_file = tmp_path / "master.key"
        first = open_keyring(fresh_engine, LocalFileKeyProvider(key_file, create=True), AES)
        second = open_keyring(fresh_engine, LocalFileKeyProvider(key_file), AES)
        _, bystander, _ = _victim_erased(fresh_engine, first)
        clock.advance(AFTER)
        clock.freeze(clock.now())
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def tick(keyring: Keyring) -> None:
            barrier.wait()
            try:
                advance_index_rotation(
                    engine=fresh_engine, keyring=keyring, now=clock.now(), after=AFTER
                )
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=tick, args=(k,)) for k in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with Session(fresh_engine) as db:
            secrets = index_repo.secrets_named(db, ["blind-index-next"])
            assert len(secrets) == 1
        for keyring in (first, second):
            keyring.index_changed()
            assert _found(fresh_engine, keyring, bystander)
        _tick_until_settled(fresh_engine, first)
        second.index_changed()
        assert first.indexer.key == second.indexer.key
        assert _found(fresh_engine, second, bystander)

    def test_the_tick_runs_it_only_when_told_to(self, fresh_engine, tmp_path):
        keyring = open_keyring(
            fresh_engine, LocalFileKeyProvider(tmp_path / "master.key", create=True), AES
        )
        _victim_erased(fresh_engine, keyring)
        clock.advance(AFTER)
        signer = signer_for_data_dir(tmp_path, origin="t/log", name="t/log")

        def tick(after: timedelta | None) -> str | None:
            return run_maintenance(
                engine=fresh_engine,
                signer=signer,
                cadence=Cadence(),
                now=clock.now(),
                keyring=keyring,
                index_rotation_after=after,
            ).index_rotation

        assert tick(None) is None
        assert tick(AFTER) == "backfill"

    def test_a_version_made_by_a_process_a_rotation_behind_still_checks(
        self, fresh_engine, tmp_path
    ):
        key_file = tmp_path / "master.key"
        behind = open_keyring(fresh_engine, LocalFileKeyProvider(key_file, create=True), AES)
        _victim_erased(fresh_engine, behind)
        clock.advance(AFTER)
        clock.freeze(clock.now())
        # Holds the index key it read before the rotation, for its whole TTL.
        assert behind.index_keys().primary.key
        rotating = open_keyring(fresh_engine, LocalFileKeyProvider(key_file), AES)
        with Session(fresh_engine) as db:
            rotate_index(session=db, keyring=rotating, wait=lambda _d: None)
        assert rotating.indexer.key != behind.index_keys().primary.key
        # The stale process demotes the current version for the queued erasure.
        finish_erasures(engine=fresh_engine, keyring=behind, now=clock.now())
        # A process started afterwards accepts every version's check value.
        open_keyring(fresh_engine, LocalFileKeyProvider(key_file), AES)
