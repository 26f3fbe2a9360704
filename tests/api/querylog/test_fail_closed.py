"""A corrupt query log halts the server: no checkpoint signed, 503 for agency queries and
`/readyz`, the alert metric at 1, until a halt cleared after the log verifies again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from api.app import create_app
from api.ops.maintenance import _tick
from api.state import state_of
from core.clock import clock
from core.models import LogCheckpoint, LogHalt
from core.ops.maintenance import run_maintenance
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import Cadence, make_checkpoint, maybe_checkpoint
from core.querylog.failclosed import clear_halt
from core.querylog.integrity import LogHalted, LogIntegrityFailure
from core.querylog.leaves import canonical_leaf
from core.runtime import Runtime
from tests.factories import bearer, make_code

SIGNED, SIZE = 6, 12  # a checkpoint at 6 (the SQL below names it); leaves 6..11 since


def _body(n: int) -> bytes:
    return canonical_leaf({"agency": "bank-9", "n": n, "outcome": "answered"})


@pytest.fixture
def logged(client: TestClient, app: FastAPI, runtime: Runtime) -> Engine:
    """The app's log: 12 leaves, the last checkpoint at 6 (start-up signed one at 0)."""
    signer = state_of(app).log_signer
    with Session(runtime.engine) as session:
        append_leaves(session=session, bodies=[_body(n) for n in range(SIGNED)], now=clock.now())
        make_checkpoint(session=session, signer=signer, now=clock.now())
        append_leaves(
            session=session, bodies=[_body(n) for n in range(SIGNED, SIZE)], now=clock.now()
        )
        session.commit()
    return runtime.engine


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@dataclass(frozen=True)
class Tamper:
    """One byte of one stored table, changed and put back, by raw SQL."""

    table: str
    read: str
    write: str
    at: int  # which byte (negative: from the end)

    def _swap(self, engine: Engine, change: Callable[[bytes], bytes]) -> None:
        with engine.begin() as conn:
            value = conn.execute(text(self.read)).scalar_one()
            raw = value.encode() if isinstance(value, str) else bytes(value)
            new = change(raw)
            conn.execute(text(self.write), {"v": new.decode() if isinstance(value, str) else new})

    def apply(self, engine: Engine) -> None:
        """Change the byte."""
        self._swap(engine, lambda raw: _flip(raw, self.at % len(raw)))

    def repair(self, engine: Engine) -> None:
        """Put it back (flipping the same bit again)."""
        self.apply(engine)


_NOTE_SIGNATURE_BYTE = -6  # inside the base64 signature, before its trailing newline
TAMPERS = {
    "leaf body": Tamper(
        "query_log_leaf",
        "SELECT body FROM query_log_leaf WHERE idx = 8",
        "UPDATE query_log_leaf SET body = :v WHERE idx = 8",
        at=3,
    ),
    "leaf hash": Tamper(
        "query_log_leaf",
        "SELECT leaf_hash FROM query_log_leaf WHERE idx = 9",
        "UPDATE query_log_leaf SET leaf_hash = :v WHERE idx = 9",
        at=0,
    ),
    "node digest": Tamper(
        "query_log_node",
        'SELECT digest FROM query_log_node WHERE level = 1 AND "index" = 4',
        'UPDATE query_log_node SET digest = :v WHERE level = 1 AND "index" = 4',
        at=17,
    ),
    "signed node": Tamper(
        "query_log_node",
        'SELECT digest FROM query_log_node WHERE level = 2 AND "index" = 0',
        'UPDATE query_log_node SET digest = :v WHERE level = 2 AND "index" = 0',
        at=5,
    ),
    "checkpoint root": Tamper(
        "query_log_checkpoint",
        "SELECT root FROM query_log_checkpoint WHERE size = 6",
        "UPDATE query_log_checkpoint SET root = :v WHERE size = 6",
        at=31,
    ),
    "checkpoint note": Tamper(
        "query_log_checkpoint",
        "SELECT note FROM query_log_checkpoint WHERE size = 6",
        "UPDATE query_log_checkpoint SET note = :v WHERE size = 6",
        at=_NOTE_SIGNATURE_BYTE,
    ),
    "state frontier": Tamper(
        "query_log_state",
        "SELECT frontier FROM query_log_state WHERE id = 1",
        "UPDATE query_log_state SET frontier = :v WHERE id = 1",
        at=8 + 20,  # a byte of the first hash, after the 8-byte size
    ),
}


def _checkpoints(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return list(session.scalars(select(LogCheckpoint.size).order_by(LogCheckpoint.size)))


def _size(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(text("SELECT COUNT(*) FROM query_log_leaf")).scalar_one())


def _open_halts(engine: Engine) -> list[LogHalt]:
    with Session(engine) as session:
        stmt = select(LogHalt).where(LogHalt.cleared_at.is_(None))  # type: ignore[union-attr]
        return list(session.scalars(stmt))


def _agency_query(client: TestClient, mint: Callable[..., str]) -> object:
    bank = bearer(mint("agency", agency="bank-1"))
    body = {"subject_code": make_code(), "purpose": "credit_loan"}
    return client.post("/api/v1/queries", headers=bank, json=body)


def _metric(client: TestClient) -> str:
    lines = client.get("/metrics").text.splitlines()
    return next(line for line in lines if line.startswith("credence_log_integrity_failed "))


def _assert_halted(client: TestClient, mint: Callable[..., str]) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["type"].endswith("/log-integrity-failure")
    res = _agency_query(client, mint)
    assert res.status_code == 503  # type: ignore[attr-defined]
    assert res.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert int(res.headers["retry-after"]) > 0  # type: ignore[attr-defined]
    assert res.json()["type"].endswith("/log-integrity-failure")  # type: ignore[attr-defined]
    assert _metric(client) == "credence_log_integrity_failed 1"
    # Refused before its body is read: a malformed query is not logged either.
    bank = bearer(mint("agency", agency="bank-1"))
    malformed = client.post("/api/v1/queries", headers=bank, json={"subject_code": "x"})
    assert malformed.status_code == 503


class TestTheHealthyLogIsServed:
    def test_queries_are_logged_and_checkpoints_signed(self, client, mint, logged, app):
        assert client.get("/readyz").status_code == 200
        assert _metric(client) == "credence_log_integrity_failed 0"
        res = _agency_query(client, mint)
        assert res.status_code not in (500, 503)  # answered or refused, and logged
        with Session(logged) as session:
            made = make_checkpoint(
                session=session, signer=state_of(app).log_signer, now=clock.now()
            )
            assert made.size == SIZE + 1
            session.commit()
        assert _open_halts(logged) == []


@pytest.mark.parametrize("name", list(TAMPERS))
class TestOneChangedByteHaltsTheServer:
    def test_refuses_to_sign_halts_and_clears_only_after_repair(
        self, name, client, mint, logged, app, runtime
    ):
        tamper = TAMPERS[name]
        signer = state_of(app).log_signer
        before = _checkpoints(logged)
        tamper.apply(logged)

        with Session(logged) as session, pytest.raises(LogIntegrityFailure):
            make_checkpoint(session=session, signer=signer, now=clock.now())
        assert _checkpoints(logged) == before

        _tick(app)  # the maintenance tick: the check before a checkpoint halts the log
        (halt,) = _open_halts(logged)
        assert halt.found_by == "signing"
        assert _checkpoints(logged) == before
        size = _size(logged)
        _assert_halted(client, mint)
        assert _size(logged) == size  # nothing appended for the refused queries

        # Signing stays stopped, whatever the cadence says, and the log grows no further.
        clock.advance(timedelta(minutes=5))
        report = run_maintenance(
            engine=logged, signer=signer, cadence=Cadence(every_leaves=1), now=clock.now()
        )
        assert report.checkpoint_size is None
        with Session(logged) as session, pytest.raises(LogHalted):
            maybe_checkpoint(session=session, signer=signer, cadence=Cadence(1), now=clock.now())
        assert _checkpoints(logged) == before

        refused = clear_halt(engine=logged, signer=signer, reason="not yet", now=clock.now())
        assert refused.cleared == 0
        assert refused.report is not None
        assert not refused.report.ok
        _assert_halted(client, mint)

        tamper.repair(logged)
        cleared = clear_halt(
            engine=logged, signer=signer, reason="restored from backup", now=clock.now()
        )
        assert cleared.cleared == 1
        assert _open_halts(logged) == []
        assert client.get("/readyz").status_code == 200
        assert _metric(client) == "credence_log_integrity_failed 0"
        # Another process cleared it: this one sees so within the recheck interval.
        clock.advance(timedelta(seconds=runtime.settings.log_halt_recheck_seconds))
        assert _agency_query(client, mint).status_code not in (500, 503)
        _tick(app)
        assert _checkpoints(logged)[-1] == SIZE + 1


class TestFoundOnTheRequestPath:
    def test_a_query_whose_checkpoint_falls_due_on_a_corrupt_log_is_not_answered(
        self, client, mint, logged, app, runtime
    ):
        # Every query is due a checkpoint: the check runs inside the query's transaction.
        object.__setattr__(runtime.settings, "checkpoint_every_leaves", 1)
        TAMPERS["leaf body"].apply(logged)
        res = _agency_query(client, mint)
        assert res.status_code == 503
        assert "retry-after" in res.headers
        assert _size(logged) == SIZE  # the query's leaf was rolled back with it
        (halt,) = _open_halts(logged)
        assert (halt.found_by, halt.bad_index) == ("signing", 8)
        _assert_halted(client, mint)


class TestTheFullCheckOnItsCadence:
    def test_an_old_leaf_changed_is_found_by_the_full_check(
        self, client, mint, logged, app, runtime
    ):
        # Leaf 2 lies under the latest checkpoint: only the full check rehashes it.
        old = Tamper(
            "query_log_leaf",
            "SELECT body FROM query_log_leaf WHERE idx = 2",
            "UPDATE query_log_leaf SET body = :v WHERE idx = 2",
            at=4,
        )
        signer = state_of(app).log_signer
        every = timedelta(hours=runtime.settings.log_full_check_hours)
        report = run_maintenance(
            engine=logged,
            signer=signer,
            cadence=runtime.cadence,
            now=clock.now(),
            full_check_every=every,
        )
        assert report.full_check is not None
        assert report.full_check.ok
        old.apply(logged)
        # Not due yet: the tick's own check (since the latest checkpoint) passes.
        clock.advance(every / 2)
        report = run_maintenance(
            engine=logged,
            signer=signer,
            cadence=Cadence(every_leaves=10**6),
            now=clock.now(),
            full_check_every=every,
        )
        assert report.full_check is None
        assert _open_halts(logged) == []
        clock.advance(every / 2)
        _tick(app)
        (halt,) = _open_halts(logged)
        assert (halt.found_by, halt.bad_index) == ("full-check", 2)
        _assert_halted(client, mint)


class TestStartUpOnACorruptLog:
    @pytest.mark.parametrize("name", ["leaf body", "checkpoint note", "state frontier"])
    def test_comes_up_halted_not_crashed(self, name, logged, runtime, mint, app):
        TAMPERS[name].apply(logged)
        # A second app over the same database: a restart.
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as second:
            assert second.get("/healthz").status_code == 200
            (halt,) = _open_halts(logged)
            assert halt.found_by == "start-up"
            assert second.get("/readyz").status_code == 503
            bank = bearer(mint("agency", agency="bank-1"))
            body = {"subject_code": make_code(), "purpose": "credit_loan"}
            res = second.post("/api/v1/queries", headers=bank, json=body)
            assert res.status_code == 503
            assert "retry-after" in res.headers


class TestTheHaltSurvivesARestart:
    def test_a_restarted_server_stays_halted_until_cleared(self, logged, runtime, app, mint):
        TAMPERS["leaf hash"].apply(logged)
        _tick(app)
        TAMPERS["leaf hash"].repair(logged)  # repaired, but nobody cleared the halt
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as second:
            assert second.get("/readyz").status_code == 503
            assert _checkpoints(logged)[-1] == SIGNED  # start-up signed nothing
