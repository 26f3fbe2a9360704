"""Tampering with the stored query log is caught: `verify_log` names the first place it shows,
and a receipt holder catches even a complete, self-consistent rewrite of history."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.clock import clock
from core.querylog import proofs
from core.querylog.appends import append_leaves, current_frontier
from core.querylog.checkpoints import latest_checkpoint_note, make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import VerifyReport, verify_log
from crypto.checkpoint import Checkpoint, open_checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import (
    CompactRange,
    ProofError,
    leaf_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from crypto.receipt import verify_receipt

ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"
SIZE = 37
CHECKPOINTS = (5, 16, 30, 37)


@pytest.fixture(autouse=True)
def _frozen() -> None:
    # The shared autouse fixture resets the clock after the test.
    clock.freeze(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log signer, its key file created under a temporary data dir."""
    return signer_for_data_dir(tmp_path / "data", origin=ORIGIN, name=NAME)


def body(i: int, *, agency: str = "agency-7") -> bytes:
    """A leaf body shaped like a real one: pseudonyms and ids only."""
    return canonical_leaf(
        {
            "agency": agency,
            "basis": "legal",
            "entries": [f"e-{i}"],
            "outcome": "answered",
            "purpose": "licensing",
            "seq": i,
            "subject": f"s:{i:064x}",
        }
    )


def append(engine: Engine, bodies: Sequence[bytes]) -> None:
    with Session(engine) as s:
        append_leaves(session=s, bodies=bodies, now=clock.now())
        s.commit()


def checkpoint(engine: Engine, signer: LogSigner) -> None:
    with Session(engine) as s:
        make_checkpoint(session=s, signer=signer, now=clock.now())
        s.commit()
    clock.advance(timedelta(minutes=1))


def grow(engine: Engine, signer: LogSigner, sizes: Sequence[int], *, start: int = 0) -> list[bytes]:
    """Append up to each size in turn (a few batches each), signing a checkpoint at every one."""
    bodies: list[bytes] = []
    n = start
    for size in sizes:
        while n < size:
            step = min(size - n, 1 + n % 4)
            chunk = [body(i) for i in range(n, n + step)]
            append(engine, chunk)
            bodies.extend(chunk)
            n += step
        checkpoint(engine, signer)
    return bodies


def sql(engine: Engine, statement: str, **params: Any) -> None:
    """Tamper the way an insider with database access would: raw SQL, committed."""
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def verify(engine: Engine, signer: LogSigner) -> VerifyReport:
    with Session(engine) as s:
        return verify_log(session=s, signer_public_key=signer.public_key, name=NAME)


def proof_of(receipt: dict[str, object]) -> list[bytes]:
    """The inclusion proof a receipt carries (stored there as base64)."""
    proof = receipt["inclusion_proof"]
    assert isinstance(proof, list)
    return [base64.b64decode(h) for h in proof]


def leaf_of(receipt: dict[str, object]) -> bytes:
    """The leaf hash a receipt carries."""
    value = receipt["leaf_hash"]
    assert isinstance(value, str)
    return base64.b64decode(value)


def named(report: VerifyReport) -> tuple[bool, int | None, int | None]:
    return report.ok, report.bad_index, report.bad_checkpoint


@pytest.fixture
def built(fresh_engine: Engine, signer: LogSigner) -> Engine:
    """A committed log of 37 leaves with checkpoints at 5, 16, 30 and 37."""
    grow(fresh_engine, signer, CHECKPOINTS)
    return fresh_engine


@pytest.fixture
def unsealed(fresh_engine: Engine, signer: LogSigner) -> Engine:
    """The same 37 leaves, but the last seven appended after the newest checkpoint (30)."""
    grow(fresh_engine, signer, CHECKPOINTS[:-1])
    append(fresh_engine, [body(i) for i in range(30, SIZE)])
    return fresh_engine


class TestUntouchedLog:
    def test_verifies(self, built: Engine, signer: LogSigner) -> None:
        assert verify(built, signer) == VerifyReport(ok=True, leaves=SIZE, checkpoints=4)

    def test_verifies_with_leaves_past_the_newest_checkpoint(
        self, unsealed: Engine, signer: LogSigner
    ) -> None:
        assert verify(unsealed, signer) == VerifyReport(ok=True, leaves=SIZE, checkpoints=3)


class TestAlteredLeaf:
    def test_changed_body_names_its_index(self, built: Engine, signer: LogSigner) -> None:
        sql(built, "UPDATE query_log_leaf SET body = :b WHERE idx = 21", b=body(21, agency="x"))
        report = verify(built, signer)
        assert named(report) == (False, 21, None)
        assert report.problem == "leaf hash does not match its body"

    @pytest.mark.parametrize("k", [0, 20, 34])
    def test_changed_body_and_hash_names_its_index(
        self, built: Engine, signer: LogSigner, k: int
    ) -> None:
        # The leaf now matches its own hash; the cached pair node above it does not. An even
        # index is the first leaf of that pair, so the node names exactly the altered leaf.
        forged = body(k, agency="x")
        sql(
            built,
            "UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = :i",
            b=forged,
            h=leaf_hash(forged),
            i=k,
        )
        report = verify(built, signer)
        assert named(report) == (False, k, None)
        assert report.problem == f"cached node over leaves [{k}, {k + 2}) does not match them"

    def test_changed_body_and_hash_of_the_newest_leaf_names_the_checkpoint(
        self, built: Engine, signer: LogSigner
    ) -> None:
        # Leaf 36 completes no cached node; the checkpoint signed over it is what breaks.
        forged = body(36, agency="x")
        sql(
            built,
            "UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = 36",
            b=forged,
            h=leaf_hash(forged),
        )
        report = verify(built, signer)
        assert named(report) == (False, None, 37)
        assert report.problem == "checkpoint root differs from the tree rebuilt from the leaves"


class TestDeletedRow:
    def test_a_row_in_the_middle(self, built: Engine, signer: LogSigner) -> None:
        sql(built, "DELETE FROM query_log_leaf WHERE idx = 23")
        report = verify(built, signer)
        assert named(report) == (False, 23, None)
        assert report.problem == "leaf missing"

    def test_the_last_row_under_a_checkpoint(self, built: Engine, signer: LogSigner) -> None:
        sql(built, "DELETE FROM query_log_leaf WHERE idx = 36")
        report = verify(built, signer)
        assert named(report) == (False, None, 37)
        assert report.problem == "checkpoint is larger than the log"

    def test_the_last_row_past_every_checkpoint(self, unsealed: Engine, signer: LogSigner) -> None:
        sql(unsealed, "DELETE FROM query_log_leaf WHERE idx = 36")
        report = verify(unsealed, signer)
        assert named(report) == (False, 36, None)
        assert report.problem == "state size differs from leaves"


class TestReorderedRows:
    @pytest.mark.parametrize(("i", "j"), [(24, 10), (22, 23), (0, 36)])
    def test_swapped_rows_name_the_first(
        self, built: Engine, signer: LogSigner, i: int, j: int
    ) -> None:
        # Each row keeps a matching body and hash; only their order changes.
        for idx, other in ((i, j), (j, i)):
            sql(
                built,
                "UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = :i",
                b=body(other),
                h=leaf_hash(body(other)),
                i=idx,
            )
        report = verify(built, signer)
        assert named(report) == (False, min(i, j), None)


class TestInsertedRow:
    @pytest.mark.parametrize(
        "size",
        [
            36,
            SIZE,
        ],
    )
    def test_a_leaf_past_the_end(self, fresh_engine: Engine, signer: LogSigner, size: int) -> None:
        grow(fresh_engine, signer, (5, 16, 30, size))
        extra = body(size)
        sql(
            fresh_engine,
            "INSERT INTO query_log_leaf (idx, leaf_hash, body, created_at) VALUES (:i, :h, :b, :t)",
            i=size,
            h=leaf_hash(extra),
            b=extra,
            t=clock.now(),
        )
        report = verify(fresh_engine, signer)
        assert named(report) == (False, size, None)

    @pytest.mark.parametrize("k", [0, 12, 36])
    def test_a_leaf_slipped_in_shifting_the_rest(
        self, built: Engine, signer: LogSigner, k: int
    ) -> None:
        # Two steps, so no statement ever holds two rows with one index.
        sql(built, "UPDATE query_log_leaf SET idx = idx + 1000 WHERE idx >= :k", k=k)
        sql(built, "UPDATE query_log_leaf SET idx = idx - 999 WHERE idx >= 1000")
        forged = body(k, agency="x")
        sql(
            built,
            "INSERT INTO query_log_leaf (idx, leaf_hash, body, created_at) VALUES (:i, :h, :b, :t)",
            i=k,
            h=leaf_hash(forged),
            b=forged,
            t=clock.now(),
        )
        report = verify(built, signer)
        if k == 36:
            # Leaf 36 completes no node; the checkpoint signed over it breaks first.
            assert named(report) == (False, None, 37)
        else:
            assert named(report) == (False, k, None)


class TestAlteredCache:
    def test_a_cached_node_names_its_first_leaf(self, built: Engine, signer: LogSigner) -> None:
        # Node (level 2, index 3) is the hash of leaves [12, 16).
        sql(
            built,
            'UPDATE query_log_node SET digest = :d WHERE level = 2 AND "index" = 3',
            d=bytes(32),
        )
        report = verify(built, signer)
        assert named(report) == (False, 12, None)
        assert report.problem == "cached node over leaves [12, 16) does not match them"

    def test_a_missing_cached_node_names_its_first_leaf(
        self, built: Engine, signer: LogSigner
    ) -> None:
        sql(built, 'DELETE FROM query_log_node WHERE level = 3 AND "index" = 2')
        report = verify(built, signer)
        assert named(report) == (False, 16, None)

    def test_a_stray_node_beyond_the_tree(self, built: Engine, signer: LogSigner) -> None:
        # Node (level 1, index 18) would be completed by the next append, over leaves [36, 38).
        sql(
            built,
            'INSERT INTO query_log_node (level, "index", digest) VALUES (1, 18, :d)',
            d=bytes(32),
        )
        report = verify(built, signer)
        assert named(report) == (False, 36, None)
        assert "beyond the log" in (report.problem or "")


class TestAlteredState:
    def _frontier(self, engine: Engine) -> CompactRange:
        with Session(engine) as s:
            return current_frontier(session=s)

    def test_a_frontier_hash(self, built: Engine, signer: LogSigner) -> None:
        stored = self._frontier(built)
        # 37 = 32 + 4 + 1: replace the hash of the subtree [32, 36).
        big, _, last = stored.hashes
        forged = CompactRange.from_hashes(SIZE, [big, bytes(32), last])
        sql(built, "UPDATE query_log_state SET frontier = :f WHERE id = 1", f=forged.to_bytes())
        report = verify(built, signer)
        assert named(report) == (False, SIZE, None)
        assert report.problem == "state frontier differs from the rebuilt tree"

    def test_a_frontier_rolled_back_to_an_earlier_size(
        self, built: Engine, signer: LogSigner
    ) -> None:
        # A self-consistent state of 30 leaves: the next append would overwrite leaf 30.
        hashes = [leaf_hash(body(i)) for i in range(30)]
        earlier = CompactRange()
        earlier.extend(hashes)
        sql(
            built,
            "UPDATE query_log_state SET size = 30, frontier = :f WHERE id = 1",
            f=earlier.to_bytes(),
        )
        report = verify(built, signer)
        assert named(report) == (False, 30, None)
        assert report.problem == "state size differs from leaves"

    def test_a_size_that_disagrees_with_its_frontier(
        self, built: Engine, signer: LogSigner
    ) -> None:
        sql(built, "UPDATE query_log_state SET size = 36 WHERE id = 1")
        report = verify(built, signer)
        assert not report.ok
        assert report.problem == "state size differs from leaves"


N1 = 20
N2 = 45
ALTERED = 7


class TestRewrittenHistory:
    """An insider rewrites the log completely and consistently with the service's own code:
    the rewrite verifies on its own, but not against a receipt handed out before it."""

    @pytest.fixture
    def receipts(
        self, fresh_engine: Engine, signer: LogSigner
    ) -> tuple[list[bytes], dict[int, dict[str, object]]]:
        bodies = grow(fresh_engine, signer, (5, N1))
        with Session(fresh_engine) as s:
            # The citizen's receipts: the altered leaf itself, and an untouched neighbour
            # whose proof passes through the altered leaf's subtree.
            held = {i: proofs.receipt(session=s, index=i) for i in (ALTERED, 13)}
        bodies += grow(fresh_engine, signer, (30, SIZE), start=N1)
        return bodies, held

    def _rewrite(self, engine: Engine, signer: LogSigner, bodies: Sequence[bytes]) -> None:
        for table in ("query_log_leaf", "query_log_node", "query_log_state"):
            sql(engine, f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        # Old checkpoints would betray the rewrite to `verify_log`; the insider drops them,
        # but the notes already handed out in receipts cannot be recalled.
        sql(engine, "DELETE FROM query_log_checkpoint")
        for start in range(0, len(bodies), 10):
            append(engine, bodies[start : start + 10])
        checkpoint(engine, signer)

    def _continue(self, engine: Engine, signer: LogSigner) -> None:
        append(engine, [body(i) for i in range(SIZE, N2)])
        checkpoint(engine, signer)

    def _new_checkpoint(self, engine: Engine, signer: LogSigner) -> Checkpoint:
        with Session(engine) as s:
            latest = latest_checkpoint_note(session=s)
        # The new checkpoint carries a valid signature by the real key.
        return open_checkpoint(latest, NAME, signer.public_key, origin=ORIGIN)

    def _old_checkpoint(self, held: dict[int, dict[str, object]], signer: LogSigner) -> Checkpoint:
        """The checkpoint the citizen's receipts are anchored to; they still verify offline."""
        (cp,) = {verify_receipt(receipt, signer.verifier_key()) for receipt in held.values()}
        assert cp.size == N1
        return cp

    def test_without_tampering_the_receipts_stay_provable(
        self,
        fresh_engine: Engine,
        signer: LogSigner,
        receipts: tuple[list[bytes], dict[int, dict[str, object]]],
    ) -> None:
        bodies, held = receipts
        # Even a full rewrite, if it changes nothing, is indistinguishable from the original.
        self._rewrite(fresh_engine, signer, bodies)
        self._continue(fresh_engine, signer)
        new = self._new_checkpoint(fresh_engine, signer)
        assert new.size == N2
        old = self._old_checkpoint(held, signer)
        with Session(fresh_engine) as s:
            verify_consistency(
                N1, N2, proofs.consistency(session=s, size1=N1, size2=N2), old.root, new.root
            )
            for index, receipt in held.items():
                served = leaf_of(proofs.receipt(session=s, index=index))
                again = proofs.inclusion(session=s, index=index, size=N1)
                assert (served, again) == (leaf_of(receipt), proof_of(receipt))
                verify_inclusion(served, index, N1, again, old.root)
        assert verify(fresh_engine, signer).ok

    def test_a_rewritten_leaf_breaks_consistency_with_old_receipts(
        self,
        fresh_engine: Engine,
        signer: LogSigner,
        receipts: tuple[list[bytes], dict[int, dict[str, object]]],
    ) -> None:
        bodies, held = receipts
        altered = list(bodies)
        altered[ALTERED] = body(ALTERED, agency="someone-else")
        self._rewrite(fresh_engine, signer, altered)
        self._continue(fresh_engine, signer)

        # The rewrite is complete and consistent: on its own it verifies, signature and all.
        assert verify(fresh_engine, signer) == VerifyReport(ok=True, leaves=N2, checkpoints=2)
        new = self._new_checkpoint(fresh_engine, signer)
        rewritten = altered + [body(i) for i in range(SIZE, N2)]
        assert (new.size, new.root) == (N2, subtree_root([leaf_hash(b) for b in rewritten]))

        old = self._old_checkpoint(held, signer)
        with Session(fresh_engine) as s:
            # No consistency proof the service can serve joins the old root to the new one.
            proof = proofs.consistency(session=s, size1=N1, size2=N2)
            with pytest.raises(ProofError):
                verify_consistency(N1, N2, proof, old.root, new.root)
            for index, receipt in held.items():
                # Nor can the receipt be re-derived: what the rewritten tree holds at this
                # index, with its proof at the old size, does not lead to the old root.
                served = leaf_of(proofs.receipt(session=s, index=index))
                again = proofs.inclusion(session=s, index=index, size=N1)
                assert (served, again) != (leaf_of(receipt), proof_of(receipt))
                with pytest.raises(ProofError):
                    verify_inclusion(served, index, N1, again, old.root)
            # The altered entry the citizen holds is no longer in the tree the log now signs.
            held_leaf = leaf_of(held[ALTERED])
            assert held_leaf == leaf_hash(bodies[ALTERED])
            with pytest.raises(ProofError):
                verify_inclusion(
                    held_leaf,
                    ALTERED,
                    N2,
                    proofs.inclusion(session=s, index=ALTERED, size=N2),
                    new.root,
                )
