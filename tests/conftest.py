"""Shared test fixtures: a real database per worker (SQLite, or PostgreSQL when
CREDENCE_TEST_PG_URL is set), a rollback per test, real keys, a pinned project clock,
and hypothesis profiles without wall-clock deadlines."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from core import migrate
from core.clock import clock
from core.db import make_engine
from core.keyring import Keyring
from crypto.keys import EnvKeyProvider, KeyProvider, encode_env_keys
from crypto.suites import AES

PG_URL = os.environ.get("CREDENCE_TEST_PG_URL")
DB_FIXTURES = {"engine", "session", "fresh_url", "fresh_engine"}

# Wall-clock deadlines fail on a loaded machine and prove nothing: no hypothesis deadline.
# Each test keeps its own max_examples; `dev` only shortens a local run.
hypothesis_settings.register_profile("ci", deadline=None)
hypothesis_settings.register_profile("dev", deadline=None, max_examples=20)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The project clock of the whole run starts at one chosen instant, a working Monday at
# 10:00 in Beijing, inside the years the holiday calendar covers, and runs on from there at
# the wall clock's pace. So no test depends on today's date, and a server or command a test
# starts (tests/support/server.py hands it CREDENCE_CLOCK_AT) counts the same days.
PINNED_AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
_PINNED_OFFSET = PINNED_AT - datetime.now(UTC)


def pin_clock() -> None:
    """Put the project clock back on the run's pinned time line."""
    clock.reset()
    clock.advance(_PINNED_OFFSET)


# Session- and module-scoped fixtures (live servers, demo data) are set up before any
# test's own fixtures run: they must see the pinned clock too.
pin_clock()


def pytest_report_header() -> str:
    """Say which database this run uses, so the output shows both ran."""
    return f"credence database: {'PostgreSQL' if PG_URL else 'SQLite'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches a database, so the PostgreSQL pass can select them."""
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


class _Databases:
    """Creates fresh, empty databases of the backend under test and drops them after."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def new_url(self) -> str:
        name = f"credence_{secrets.token_hex(6)}"
        if PG_URL is None:
            return f"sqlite:///{self.tmp / (name + '.db')}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if PG_URL is None or not self.created:
            return
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    """The factory of fresh databases for this worker."""
    dbs = _Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def engine(databases: _Databases) -> Iterator[Engine]:
    """One migrated database per worker."""
    eng = make_engine(databases.new_url())
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back after the test (commits become savepoints)."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as sess:
            yield sess
        outer.rollback()


@pytest.fixture
def fresh_url(databases: _Databases) -> str:
    """The URL of a new, empty, unmigrated database (for tests that commit for real)."""
    return databases.new_url()


@pytest.fixture
def fresh_engine(fresh_url: str) -> Iterator[Engine]:
    """A new migrated database of its own, for tests that need real commits."""
    eng = make_engine(fresh_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


# CREDENCE_KEY_PROVIDER=pkcs11 (with a SoftHSM2 token, scripts/with-softhsm.sh) runs every
# test keyring, and every server a test starts, on master keys inside the token.
ON_HSM = os.environ.get("CREDENCE_KEY_PROVIDER") == "pkcs11"


def hsm_provider() -> KeyProvider:
    """A provider on the test token, under a label prefix of its own (no test shares keys)."""
    from core import runtime
    from core.settings import Settings

    return runtime.hsm_provider(Settings(pkcs11_label_prefix=hsm_prefix()))


def hsm_prefix() -> str:
    """A fresh key-label prefix on the test token."""
    return f"test-{secrets.token_hex(6)}-"


def make_keyring(suite: object = AES, versions: int = 1) -> Keyring:
    """A keyring over fresh random master keys (in the test token when ON_HSM)."""
    if ON_HSM:
        provider = hsm_provider()
        for version in range(1, versions + 1):
            provider.create(version)
        return Keyring(provider, suite)  # type: ignore[arg-type]
    value = encode_env_keys({v: secrets.token_bytes(32) for v in range(1, versions + 1)})
    return Keyring(EnvKeyProvider(value), suite)  # type: ignore[arg-type]


@pytest.fixture
def keyring() -> Keyring:
    """A keyring with real, random keys."""
    return make_keyring()


@pytest.fixture(autouse=True)
def _own_hsm_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the test token, every test's runtimes keep their keys under a prefix of its own."""
    if ON_HSM:
        monkeypatch.setenv("CREDENCE_PKCS11_LABEL_PREFIX", hsm_prefix())


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    """Every test starts and ends on the pinned clock; a test may freeze or move it."""
    pin_clock()
    yield
    pin_clock()


@pytest.fixture
def keyring_factory() -> Callable[..., Keyring]:
    """Build keyrings of a chosen suite and number of master versions."""
    return make_keyring
