"""Master-key rotation re-wraps every data key while reads keep working."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from core.context import Context
from core.entries.service import read_entry
from core.keyring import Keyring
from core.models import DataKeyRow, Entry
from core.ops.keys import key_status, rotate_master_key, verify_keys
from crypto.envelope import wrapped_version
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES
from tests.factories import make_entry


def _seed(engine, keyring: Keyring, n: int) -> list:
    with Session(engine) as session:
        verify_keys(session=session, keyring=keyring)
        ids = [make_entry(session, keyring, department="d", actor="t") for _ in range(n)]
        session.commit()
    return ids


class TestRotation:
    def test_rotation_rewraps_all_and_reads_never_fail_meanwhile(self, fresh_engine, tmp_path):
        key_file = tmp_path / "master.key"
        writer = Keyring(LocalFileKeyProvider(key_file, create=True), AES)
        ids = _seed(fresh_engine, writer, 40)
        # A second worker with its own provider over the same file, as another process would be.
        reader = Keyring(LocalFileKeyProvider(key_file), AES)
        failures: list[BaseException] = []
        reads = 0
        stop = threading.Event()

        def read_loop() -> None:
            nonlocal reads
            with Session(fresh_engine) as session:
                while not stop.is_set():
                    for entry_id in ids:
                        try:
                            read_entry(Context(session, reader), department="d", entry_id=entry_id)
                            reads += 1
                        except BaseException as exc:
                            failures.append(exc)
                        session.rollback()

        threads = [threading.Thread(target=read_loop) for _ in range(2)]
        for t in threads:
            t.start()
        with Session(fresh_engine) as session:
            done = rotate_master_key(session=session, keyring=writer, batch=7)
        stop.set()
        for t in threads:
            t.join()

        assert failures == []
        assert reads > 0
        assert done == 80  # 40 entry keys + 40 subject keys
        with Session(fresh_engine) as session:
            versions = {wrapped_version(r.wrapped) for r in session.scalars(select(DataKeyRow))}
            assert versions == {2}
            assert key_status(session=session, keyring=writer).live_keys_by_version == {2: 80}
            # A fresh process that only knows the file reads everything after rotation.
            fresh = Keyring(LocalFileKeyProvider(key_file), AES)
            for entry_id in ids:
                read_entry(Context(session, fresh), department="d", entry_id=entry_id)

    def test_rotation_does_not_revive_a_shredded_key(self, fresh_engine, tmp_path: Path):
        keyring = Keyring(LocalFileKeyProvider(tmp_path / "k", create=True), AES)
        ids = _seed(fresh_engine, keyring, 3)
        with Session(fresh_engine) as session:
            from core.entries.service import shred_entry, withdraw_entry

            withdraw_entry(
                Context(session, keyring),
                department="d",
                entry_id=ids[0],
                reason="recorded in error",
                kind="withdrawn",
                actor="t",
            )
            shred_entry(Context(session, keyring), department="d", entry_id=ids[0], actor="t")
            session.commit()
            rotate_master_key(session=session, keyring=keyring)
            entry = session.get(Entry, ids[0])
            assert session.get(DataKeyRow, entry.data_key_id).wrapped is None
