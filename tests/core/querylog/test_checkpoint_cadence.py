"""Stored checkpoints follow the cadence; every answer still gets a receipt signed for its size."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from core.clock import clock
from core.models import LogCheckpoint
from core.ops.maintenance import run_maintenance
from core.querylog.appends import append_leaf, append_leaves
from core.querylog.checkpoints import (
    Cadence,
    checkpoint_if_count_due,
    make_checkpoint,
    maybe_checkpoint,
)
from core.querylog.leaves import canonical_leaf
from core.querylog.proofs import consistency, fresh_receipt, inclusion, receipt_for
from core.querylog.signing_key import signer_for_data_dir
from crypto.checkpoint import open_checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import verify_consistency
from crypto.receipt import verify_receipt

ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"
CADENCE = Cadence(every_leaves=5, every=timedelta(seconds=10))


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log signer, its key file under a temporary data dir."""
    return signer_for_data_dir(tmp_path / "data", origin=ORIGIN, name=NAME)


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def _append_one(engine: Engine, signer: LogSigner, n: int) -> tuple[dict[str, object], int]:
    """Append as the query path does: one leaf, maybe a checkpoint, a fresh receipt."""
    with Session(engine) as s:
        (index,) = append_leaves(session=s, bodies=[canonical_leaf({"n": n})], now=clock.now())
        maybe_checkpoint(session=s, signer=signer, cadence=CADENCE, now=clock.now(), by_time=False)
        receipt = fresh_receipt(session=s, signer=signer, index=index)
        s.commit()
    return receipt, index


def _stored_sizes(engine: Engine) -> list[int]:
    with Session(engine) as s:
        return list(s.scalars(select(LogCheckpoint.size).order_by(LogCheckpoint.size)))


class TestCadence:
    def test_stored_every_n_leaves_or_after_the_interval(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> None:
        for n in range(12):
            _append_one(fresh_engine, signer, n)
        # The first leaf finds no checkpoint at all; then one per five leaves.
        assert _stored_sizes(fresh_engine) == [1, 6, 11]
        clock.advance(CADENCE.every)
        _append_one(fresh_engine, signer, 12)
        # The request path never signs for the interval's sake; the maintenance tick does.
        assert _stored_sizes(fresh_engine)[-1] == 11
        report = run_maintenance(
            engine=fresh_engine, signer=signer, cadence=CADENCE, now=clock.now()
        )
        assert report.checkpoint_size == 13
        again = run_maintenance(
            engine=fresh_engine, signer=signer, cadence=CADENCE, now=clock.now()
        )
        assert again.checkpoint_size is None
        with Session(fresh_engine) as s:
            assert s.execute(select(func.count()).select_from(LogCheckpoint)).scalar_one() == 4

    def test_every_receipt_verifies_and_is_consistent_with_later_checkpoints(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> None:
        receipts = [_append_one(fresh_engine, signer, n)[0] for n in range(9)]
        with Session(fresh_engine) as s:
            latest = make_checkpoint(session=s, signer=signer, now=clock.now())
            s.commit()
            later = open_checkpoint(latest.note, NAME, signer.public_key)
            for receipt in receipts:
                anchored = verify_receipt(receipt, signer.verifier_key())
                assert anchored.size == int(str(receipt["index"])) + 1
                proof = consistency(session=s, size1=anchored.size, size2=later.size)
                verify_consistency(anchored.size, later.size, proof, anchored.root, later.root)

    def test_a_receipt_is_not_stored_unless_the_cadence_says_so(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> None:
        _append_one(fresh_engine, signer, 0)
        receipt, _ = _append_one(fresh_engine, signer, 1)
        assert receipt["tree_size"] == 2
        assert _stored_sizes(fresh_engine) == [1]
        decoded = base64.b64decode(str(receipt["leaf_hash"]))
        assert len(decoded) == 32


class TestAppendLeaf:
    def test_the_proof_from_the_frontier_equals_the_stored_tree_s(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> None:
        with Session(fresh_engine) as s:
            for n in range(70):
                appended = append_leaf(session=s, body=canonical_leaf({"n": n}), now=clock.now())
                assert appended.index == n
                assert appended.frontier.size == n + 1
                stored = inclusion(session=s, index=n, size=n + 1)
                assert appended.proof == stored
                receipt = receipt_for(signer=signer, appended=appended)
                assert verify_receipt(receipt, signer.verifier_key()).size == n + 1
            s.commit()

    def test_count_due_checkpoints_use_the_tree_in_hand(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> None:
        with Session(fresh_engine) as s:
            for n in range(12):
                appended = append_leaf(session=s, body=canonical_leaf({"n": n}), now=clock.now())
                checkpoint_if_count_due(
                    session=s,
                    signer=signer,
                    cadence=CADENCE,
                    tree=appended.frontier,
                    now=clock.now(),
                )
            s.commit()
        assert _stored_sizes(fresh_engine) == [1, 6, 11]
