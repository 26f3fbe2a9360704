"""Start-up: engine, migrations, the key provider and its checks — or a clear refusal.

Invariants: a missing local key file is only ever created for a database that
holds no encrypted data yet; the service never starts when the provider lacks a
key the database needs (it would serve garbage or fail on every read).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine, inspect
from sqlmodel import Session

from core import migrate
from core.audit.rules import AuditRules
from core.calendar.workdays import WorkCalendar
from core.db import make_engine, reader
from core.errors import KeysUnavailable
from core.keyring import Keyring
from core.ops.keys import has_key_checks, open_keyring
from core.querylog.checkpoints import Cadence
from core.querylog.witnesses import WitnessSet
from core.settings import Settings
from crypto.keys import EnvKeyProvider, KeyProvider, KeyProviderError, LocalFileKeyProvider
from crypto.suites import suite_by_name


@dataclass
class Runtime:
    """What a running process holds: settings, the engine and the keyring."""

    settings: Settings
    engine: Engine
    keyring: Keyring

    @cached_property
    def read_engine(self) -> Engine:
        """The engine for transactions that only read (no write lock on SQLite)."""
        return reader(self.engine)

    @property
    def audit_rules(self) -> AuditRules:
        """The audit rules' thresholds from the settings."""
        s = self.settings
        return AuditRules(
            bulk_queries=s.audit_bulk_queries,
            bulk_window=timedelta(minutes=s.audit_bulk_window_minutes),
            retry_window=timedelta(minutes=s.audit_retry_window_minutes),
            office_hours=s.audit_office_hours,
        )

    @cached_property
    def calendar(self) -> WorkCalendar:
        """The working-day calendar: the official holidays plus any overrides file."""
        return WorkCalendar.from_overrides_file(self.settings.holiday_overrides_file)

    @property
    def index_rotation_after(self) -> timedelta | None:
        """How long after an erasure the tick rotates the index key (PostgreSQL only:
        SQLite's secure delete and WAL truncation leave no remnant to outlive a key)."""
        if self.engine.dialect.name != "postgresql":
            return None
        return timedelta(hours=self.settings.erasure_index_rotation_hours)

    @property
    def case_grace(self) -> timedelta:
        """How long an erroneous listing's cases outlive it (then its person may go too)."""
        return timedelta(days=self.settings.erroneous_case_days)

    @property
    def cadence(self) -> Cadence:
        """How often the query log stores a checkpoint."""
        return Cadence(
            every_leaves=self.settings.checkpoint_every_leaves,
            every=timedelta(seconds=self.settings.checkpoint_every_seconds),
        )

    @cached_property
    def witnesses(self) -> WitnessSet:
        """The witnesses the log collects cosignatures from, and the quorum it publishes at."""
        s = self.settings
        return WitnessSet.parse(
            [(w.url, w.vkey) for w in s.witnesses],
            quorum=s.witness_quorum,
            timeout=s.witness_timeout_seconds,
        )


def _database_has_keys(engine: Engine) -> bool:
    if not inspect(engine).has_table("key_check"):
        return False
    with Session(engine) as session:
        return has_key_checks(session)


def hsm_provider(settings: Settings) -> KeyProvider:
    """The PKCS#11 provider the settings name; KeyProviderError when they are incomplete."""
    try:
        from crypto.pkcs11_provider import Pkcs11KeyProvider
    except ImportError:
        raise KeysUnavailable(
            "the pkcs11 key provider needs python-pkcs11: pip install 'credence[hsm]'"
        ) from None
    hsm = settings.pkcs11_login()
    return Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=hsm.label_prefix)


def _provider(settings: Settings, engine: Engine) -> KeyProvider:
    if settings.key_provider == "pkcs11":
        return hsm_provider(settings)
    if settings.key_provider == "env":
        if settings.master_keys is None:
            raise KeysUnavailable("CREDENCE_MASTER_KEYS is not set for the env key provider")
        return EnvKeyProvider(settings.master_keys.get_secret_value())
    path = settings.key_file
    if not path.exists() and _database_has_keys(engine):
        raise KeysUnavailable(
            f"the master key file {path} is missing but the database holds data encrypted "
            "under it; restore the file (a new key would make every record unreadable)"
        )
    return LocalFileKeyProvider(path, create=True)


def _keyring(settings: Settings, engine: Engine) -> Keyring:
    try:
        return open_keyring(
            engine, _provider(settings, engine), suite_by_name(settings.crypto_suite)
        )
    except KeyProviderError as exc:
        raise KeysUnavailable(str(exc)) from None


def open_runtime(settings: Settings, *, run_migrations: bool = True) -> Runtime:
    """Open the database, migrate, load and verify keys; raises KeysUnavailable on any key fault."""
    if settings.database_url is None:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(
        settings.database(),
        busy_seconds=settings.db_busy_seconds,
        synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
    )
    try:
        if run_migrations:
            migrate.upgrade(engine)
        keyring = _keyring(settings, engine)
    except BaseException:
        engine.dispose()
        raise
    if settings.database_url is None and settings.sqlite_path.exists():
        os.chmod(settings.sqlite_path, 0o600)
    return Runtime(settings=settings, engine=engine, keyring=keyring)
