"""Erasure that holds up to forensics (SQLite and PostgreSQL): after an erroneous entry is
shredded and the maintenance tick reports its erasure complete, whoever holds every file of
the data directory and the master key file recovers neither its facts nor its person."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.clock import clock
from core.context import Context
from core.entries import lifecycle
from core.entries.service import read_entry
from core.keyring import Keyring
from core.models import DataKeyRow, Entry, Subject
from core.ops import keys_repository as key_repo
from core.ops.keys import SPLIT_GRACE, open_keyring
from core.ops.maintenance import finish_erasures
from core.runtime import hsm_provider
from core.settings import Settings
from crypto.envelope import unwrap, wrapped_version
from crypto.keys import KeyProvider, KeyProviderError, LocalFileKeyProvider
from crypto.suites import AES
from tests.conftest import ON_HSM, hsm_prefix
from tests.factories import commit_entry, make_code

PG_DATA = os.environ.get("CREDENCE_TEST_PG_DATA")
FACTS = "法院判决书（2026）京01民初第7777号确认拒不履行"


@dataclass
class Victim:
    """What an attacker would look for: the wrapped keys and the person's traces."""

    entry_id: uuid.UUID
    entry_key_id: uuid.UUID
    entry_wrapped: bytes
    subject_key_id: uuid.UUID
    subject_wrapped: bytes
    code_index: bytes
    code_ct: bytes
    master_material: bytes | None  # None: the master key never left its HSM


def _snapshot(engine: Engine, key_file: Path, entry_id: uuid.UUID) -> Victim:
    with Session(engine) as db:
        entry = db.get(Entry, entry_id)
        subject = db.get(Subject, entry.subject_id)
        entry_key = db.get(DataKeyRow, entry.data_key_id)
        subject_key = db.get(DataKeyRow, subject.data_key_id)
        material = (
            json.loads(key_file.read_text())["keys"]["1"].encode() if key_file.exists() else None
        )
        return Victim(
            entry_id=entry.id,
            entry_key_id=entry_key.id,
            entry_wrapped=entry_key.wrapped,
            subject_key_id=subject_key.id,
            subject_wrapped=subject_key.wrapped,
            code_index=subject.code_index,
            code_ct=subject.code_ct,
            master_material=material,
        )


def _shred_as_erroneous(engine: Engine, keyring: Keyring, entry_id: uuid.UUID) -> None:
    with Session(engine) as db:
        entry = db.get(Entry, entry_id)
        for event in ("objection_opened", "objection_upheld"):
            lifecycle.apply(
                session=db, entry=entry, event=event, actor="officer-1", now=clock.now()
            )
        lifecycle.finish_exit(
            session=db, keyring=keyring, entry=entry, actor="officer-1", now=clock.now()
        )
        db.commit()


def _files(engine: Engine, key_file: Path) -> list[Path]:
    """Every file an attacker holding the data directory holds."""
    if engine.dialect.name == "postgresql":
        assert PG_DATA is not None, "the PostgreSQL data directory must be known"
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))  # old row versions and WAL reach the disk
        root = Path(PG_DATA)
        found = [p for p in root.rglob("*") if p.is_file()]
    else:
        db = Path(engine.url.database or "")
        found = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    return [*found, *key_file.parent.iterdir()]


def _occurrences(files: list[Path], needle: bytes) -> list[tuple[Path, int]]:
    hits = []
    for path in files:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):
            continue
        start = data.find(needle)
        while start != -1:
            hits.append((path, start))
            start = data.find(needle, start + 1)
    return hits


def _tick_until_erased(engine: Engine, keyring: Keyring) -> None:
    for _ in range(4):
        finish_erasures(engine=engine, keyring=keyring, now=clock.now())
        with Session(engine) as db:
            if not key_repo.has_pending_erasures(db):
                return
        clock.advance(SPLIT_GRACE + timedelta(seconds=1))
    pytest.fail("the erasure did not complete within four ticks")


def _providers(kind: str, key_file: Path) -> tuple[KeyProvider, Callable[[], KeyProvider]]:
    """The service's provider, and how an attacker holding its key store opens it again."""
    if kind == "file":
        return LocalFileKeyProvider(key_file, create=True), lambda: LocalFileKeyProvider(key_file)
    prefix = hsm_prefix()
    settings = Settings(pkcs11_label_prefix=prefix)
    key_file.parent.mkdir(parents=True)  # stays empty: the keys are in the token
    return hsm_provider(settings), lambda: hsm_provider(settings)


PROVIDERS = ["file", "pkcs11"] if ON_HSM else ["file"]


class TestForensicErasure:
    @pytest.mark.parametrize("kind", PROVIDERS)
    def test_nothing_of_an_erased_entry_or_its_person_can_be_recovered(
        self, fresh_engine, tmp_path, kind
    ):
        key_file = tmp_path / "keys" / "master.key"
        provider, reopen = _providers(kind, key_file)
        keyring = open_keyring(fresh_engine, provider, AES)
        victim_code, bystander_code = make_code(), make_code()
        victim_entry = commit_entry(
            fresh_engine, keyring, actor="recorder-1", subject_code=victim_code, facts=FACTS
        )
        bystander_entry = commit_entry(
            fresh_engine, keyring, actor="recorder-1", subject_code=bystander_code, facts=FACTS
        )
        if fresh_engine.dialect.name == "postgresql":
            with fresh_engine.connect() as conn:
                # Statistics taken while the key is live must not keep it either.
                conn.execute(text("ANALYZE"))
                conn.commit()
        victim = _snapshot(fresh_engine, key_file, victim_entry)
        # Before: the secrets are in the files, so the scan below can see them.
        assert _occurrences(_files(fresh_engine, key_file), victim.entry_wrapped)

        _shred_as_erroneous(fresh_engine, keyring, victim_entry)
        _tick_until_erased(fresh_engine, keyring)

        files = _files(fresh_engine, key_file)
        attacker = reopen()
        for key_id, wrapped in (
            (victim.entry_key_id, victim.entry_wrapped),
            (victim.subject_key_id, victim.subject_wrapped),
        ):
            # Whatever copy survives (a WAL, a dead row version), its master version is gone.
            with pytest.raises(KeyProviderError):
                unwrap(key_id, wrapped, attacker)
            assert wrapped_version(wrapped) not in attacker.versions()
            if fresh_engine.dialect.name == "sqlite":
                assert _occurrences(files, wrapped) == []
        if victim.master_material is not None:
            assert _occurrences(files, victim.master_material) == []
        if fresh_engine.dialect.name == "sqlite":
            assert _occurrences(files, victim.code_index) == []
            assert _occurrences(files, victim.code_ct) == []
        with Session(fresh_engine) as db:
            assert db.get(DataKeyRow, victim.entry_key_id).erased_at is not None
            subject = db.get(Subject, db.get(Entry, victim.entry_id).subject_id)
            assert (subject.code_index, subject.code_ct) == (None, None)
            assert db.get(DataKeyRow, victim.subject_key_id).erased_at is not None
        # Everyone else is still there, for a new process that knows only the key file.
        reopened = open_keyring(fresh_engine, reopen(), AES)
        with Session(fresh_engine) as db:
            view = read_entry(Context(db, reopened), department="dept-a", entry_id=bystander_entry)
            assert view.facts == FACTS
            assert view.subject_code == bystander_code

    def test_secret_columns_never_feed_the_planner_statistics(self, fresh_engine, tmp_path):
        if fresh_engine.dialect.name != "postgresql":
            pytest.skip("planner statistics are PostgreSQL's")
        keyring = open_keyring(
            fresh_engine, LocalFileKeyProvider(tmp_path / "master.key", create=True), AES
        )
        for _ in range(30):
            commit_entry(
                fresh_engine, keyring, actor="recorder-1", subject_code=make_code(), facts=FACTS
            )
        with fresh_engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            rows = conn.execute(
                text(
                    "SELECT tablename, attname FROM pg_stats WHERE schemaname = current_schema() "
                    "AND (tablename, attname) IN (('data_key', 'wrapped'), "
                    "('subject', 'code_index'), ('subject', 'code_ct'), ('entry', 'facts_ct'))"
                )
            ).all()
        assert rows == []
