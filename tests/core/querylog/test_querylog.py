"""The query log: roots, proofs, receipts, checkpoints, audit, concurrency, the signing key."""

from __future__ import annotations

import itertools
import os
import stat
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from core.clock import clock
from core.errors import InvalidInput, NotFound
from core.models import querylog as ql
from core.querylog import proofs
from core.querylog.appends import append_leaves, current_frontier, log_size
from core.querylog.checkpoints import checkpoint_due, make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import KEY_FILE_NAME, LogKeyError, signer_for_data_dir
from core.querylog.verify import VerifyReport, verify_log
from crypto.checkpoint import Checkpoint, open_checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import (
    CompactRange,
    leaf_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from crypto.receipt import verify_receipt

ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"


@pytest.fixture
def log_engine(fresh_engine: Engine) -> Engine:
    """A fresh migrated database of its own (these tests commit for real)."""
    return fresh_engine


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log signer, its key file created under a temporary data dir."""
    return signer_for_data_dir(tmp_path / "data", origin=ORIGIN, name=NAME)


@pytest.fixture(autouse=True)
def _frozen() -> None:
    # The shared autouse fixture resets the clock after the test.
    clock.freeze(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


def body(i: int) -> bytes:
    """A leaf body shaped like a real one: pseudonyms and ids only."""
    return canonical_leaf(
        {
            "agency": "agency-7",
            "basis": "authorization",
            "authorization": f"auth-{i}",
            "entries": [f"e-{i}", f"e-{i + 1}"],
            "purpose": "P01",
            "seq": i,
            "subject": f"ps-{i:08x}",
            "answered": i % 3 != 0,
            "note": None,
        }
    )


def append(engine: Engine, bodies: Sequence[bytes]) -> list[int]:
    with Session(engine) as s:
        out = append_leaves(session=s, bodies=bodies, now=clock.now())
        s.commit()
    return out


def grow(engine: Engine, batches: Sequence[int], start: int = 0) -> list[bytes]:
    all_bodies: list[bytes] = []
    n = start
    for k in batches:
        chunk = [body(i) for i in range(n, n + k)]
        append(engine, chunk)
        all_bodies.extend(chunk)
        n += k
    return all_bodies


def state_blob(engine: Engine) -> bytes:
    with Session(engine) as s:
        state = s.get(ql.LogState, 1)
        assert state is not None
        return state.frontier


class TestCanonicalLeaf:
    def test_sorted_compact_utf8(self) -> None:
        assert canonical_leaf({"b": 1, "a": ["x", None, True], "c": "é"}) == (
            '{"a":["x",null,true],"b":1,"c":"é"}'.encode()
        )

    @pytest.mark.parametrize(
        "value", [{"nested": 1}, 1.5, [1, [2]], [{"a": 1}], b"raw", (1, 2), float("nan")]
    )
    def test_refuses_nested_and_floats(self, value: object) -> None:
        with pytest.raises(InvalidInput):
            canonical_leaf({"field": value})

    def test_refuses_non_text_keys(self) -> None:
        with pytest.raises(InvalidInput):
            canonical_leaf({1: "x"})  # type: ignore[dict-item]

    def test_append_refuses_non_canonical_bodies(self, log_engine: Engine) -> None:
        for bad in (b'{"b":1, "a":2}', b"[1]", b"not json", b'{"x":1.5}'):
            with Session(log_engine) as s, pytest.raises(InvalidInput):
                append_leaves(session=s, bodies=[bad], now=clock.now())


class TestAppend:
    @pytest.mark.parametrize(
        "batches",
        [[1] * 70, [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 2], [64, 6], [70]],
        ids=["ones", "pi", "64+6", "one-batch"],
    )
    def test_roots_match_reference(self, log_engine: Engine, batches: list[int]) -> None:
        with Session(log_engine) as s:
            assert current_frontier(session=s).root() == subtree_root([])
        bodies: list[bytes] = []
        n = 0
        for k in batches:
            chunk = [body(i) for i in range(n, n + k)]
            assert append(log_engine, chunk) == list(range(n, n + k))
            bodies.extend(chunk)
            n += k
            with Session(log_engine) as s:
                frontier = current_frontier(session=s)
            assert frontier.size == n
            assert frontier.root() == subtree_root([leaf_hash(b) for b in bodies])
            # The persisted frontier holds one hash per set bit of the size, never more.
            assert len(state_blob(log_engine)) == 8 + 32 * n.bit_count()
        assert n == 70

    def test_empty_batch_writes_nothing(self, log_engine: Engine) -> None:
        assert append(log_engine, []) == []
        with Session(log_engine) as s:
            assert s.get(ql.LogState, 1) is None

    def test_caches_every_interior_node(self, log_engine: Engine) -> None:
        grow(log_engine, [5, 11, 16])
        with Session(log_engine) as s:
            count = s.execute(select(func.count()).select_from(ql.LogNode)).scalar_one()
        # A tree of n leaves has sum(n >> l for l >= 1) complete interior nodes.
        assert count == sum(32 >> lv for lv in range(1, 6))

    def test_append_never_commits(self, log_engine: Engine) -> None:
        with Session(log_engine) as s:
            append_leaves(session=s, bodies=[body(0)], now=clock.now())
            s.rollback()
        with Session(log_engine) as s:
            assert log_size(session=s) == 0


class TestProofs:
    SIZES = (1, 2, 3, 7, 8, 13, 32, 33, 50, 64, 70)

    @pytest.fixture
    def grown(self, log_engine: Engine, signer: LogSigner) -> list[bytes]:
        bodies: list[bytes] = []
        prev = 0
        for size in self.SIZES:
            bodies.extend(grow(log_engine, [size - prev], start=prev))
            prev = size
            with Session(log_engine) as s:
                make_checkpoint(session=s, signer=signer, now=clock.now())
                s.commit()
            clock.advance(timedelta(minutes=1))
        return bodies

    def test_every_inclusion_proof_verifies(self, log_engine: Engine, grown: list[bytes]) -> None:
        hashes = [leaf_hash(b) for b in grown]
        with Session(log_engine) as s:
            for size in self.SIZES:
                root = subtree_root(hashes, 0, size)
                for index in range(size):
                    proof = proofs.inclusion(session=s, index=index, size=size)
                    verify_inclusion(hashes[index], index, size, proof, root)

    def test_consistency_between_every_pair_of_checkpoints(
        self, log_engine: Engine, grown: list[bytes], signer: LogSigner
    ) -> None:
        with Session(log_engine) as s:
            cps = [
                open_checkpoint(cp.note, NAME, signer.public_key, origin=ORIGIN)
                for cp in s.execute(select(ql.LogCheckpoint)).scalars()
            ]
            assert sorted(cp.size for cp in cps) == list(self.SIZES)
            for a, b in itertools.combinations_with_replacement(cps, 2):
                lo, hi = sorted((a, b), key=lambda c: c.size)
                proof = proofs.consistency(session=s, size1=lo.size, size2=hi.size)
                verify_consistency(lo.size, hi.size, proof, lo.root, hi.root)

    def test_receipts_verify_offline(
        self, log_engine: Engine, grown: list[bytes], signer: LogSigner
    ) -> None:
        vkey = signer.verifier_key()
        with Session(log_engine) as s:
            for index in range(70):
                receipt = proofs.receipt(session=s, index=index)
                cp = verify_receipt(receipt, vkey)
                assert cp.size == 70
                assert receipt["leaf_hash"] is not None
            older = s.get(ql.LogCheckpoint, 13)
            assert older is not None
            for index in range(13):
                assert verify_receipt(
                    proofs.receipt(session=s, index=index, checkpoint=older), vkey
                )
            with pytest.raises(InvalidInput):
                proofs.receipt(session=s, index=13, checkpoint=older)
            with pytest.raises(NotFound):
                proofs.receipt(session=s, index=70)

    def test_proofs_refuse_sizes_beyond_the_log(
        self, log_engine: Engine, grown: list[bytes]
    ) -> None:
        with Session(log_engine) as s, pytest.raises(InvalidInput):
            proofs.inclusion(session=s, index=0, size=71)


class TestCheckpoints:
    def test_note_opens_and_matches_the_root(self, log_engine: Engine, signer: LogSigner) -> None:
        bodies = grow(log_engine, [9])
        with Session(log_engine) as s:
            cp = make_checkpoint(session=s, signer=signer, now=clock.now())
            s.commit()
            opened = open_checkpoint(cp.note, NAME, signer.public_key, origin=ORIGIN)
        assert (opened.size, opened.root) == (9, subtree_root([leaf_hash(b) for b in bodies]))
        assert cp.root == opened.root

    def test_same_size_is_not_signed_twice(self, log_engine: Engine, signer: LogSigner) -> None:
        grow(log_engine, [4])
        with Session(log_engine) as s:
            first = make_checkpoint(session=s, signer=signer, now=clock.now())
            second = make_checkpoint(session=s, signer=signer, now=clock.now())
            s.commit()
            assert first.note == second.note
            assert s.execute(select(func.count()).select_from(ql.LogCheckpoint)).scalar_one() == 1

    def test_due_by_count_or_age(self, log_engine: Engine, signer: LogSigner) -> None:
        def due() -> bool:
            with Session(log_engine) as s:
                return checkpoint_due(
                    session=s, every_n=10, every=timedelta(minutes=5), now=clock.now()
                )

        assert not due()
        grow(log_engine, [3])
        assert due()
        with Session(log_engine) as s:
            make_checkpoint(session=s, signer=signer, now=clock.now())
            s.commit()
        assert not due()
        grow(log_engine, [2], start=3)
        assert not due()
        clock.advance(timedelta(minutes=5))
        assert due()
        clock.advance(timedelta(minutes=-5))
        grow(log_engine, [8], start=5)
        assert due()


class TestVerifyLog:
    @pytest.fixture
    def built(self, log_engine: Engine, signer: LogSigner) -> Engine:
        prev = 0
        for size in (10, 40, 57):
            grow(log_engine, [size - prev], start=prev)
            prev = size
            with Session(log_engine) as s:
                make_checkpoint(session=s, signer=signer, now=clock.now())
                s.commit()
        return log_engine

    def _verify(self, engine: Engine, signer: LogSigner) -> VerifyReport:
        with Session(engine) as s:
            return verify_log(session=s, signer_public_key=signer.public_key, name=NAME)

    def test_ok(self, built: Engine, signer: LogSigner, monkeypatch: pytest.MonkeyPatch) -> None:
        # Small chunks make the streaming paths (several fetches per level) run.
        monkeypatch.setattr("core.querylog.verify.VERIFY_CHUNK", 4)
        report = self._verify(built, signer)
        assert report == VerifyReport(ok=True, leaves=57, checkpoints=3)

    def test_names_the_first_tampered_body(
        self, built: Engine, signer: LogSigner, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("core.querylog.verify.VERIFY_CHUNK", 7)
        with built.begin() as conn:
            for idx in (44, 23):
                conn.execute(
                    text("UPDATE query_log_leaf SET body = :b WHERE idx = :i"),
                    {"b": body(1000 + idx), "i": idx},
                )
        report = self._verify(built, signer)
        assert (report.ok, report.bad_index, report.bad_checkpoint) == (False, 23, None)

    def test_rehashed_tamper_is_caught_by_the_tree(self, built: Engine, signer: LogSigner) -> None:
        forged = body(9999)
        with built.begin() as conn:
            conn.execute(
                text("UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = 30"),
                {"b": forged, "h": leaf_hash(forged)},
            )
        report = self._verify(built, signer)
        assert not report.ok
        assert report.bad_index == 30

    def test_names_an_altered_checkpoint(self, built: Engine, signer: LogSigner) -> None:
        with Session(built) as s:
            cp = s.get(ql.LogCheckpoint, 40)
            assert cp is not None
            altered = cp.note.replace("\n40\n", "\n39\n", 1)
        assert altered != cp.note
        with built.begin() as conn:
            conn.execute(
                text("UPDATE query_log_checkpoint SET note = :n WHERE size = 40"), {"n": altered}
            )
        report = self._verify(built, signer)
        assert (report.ok, report.bad_index, report.bad_checkpoint) == (False, None, 40)

    def test_names_a_checkpoint_with_a_wrong_root(self, built: Engine, signer: LogSigner) -> None:
        # A note validly signed over a root the leaves do not produce.
        note = signer.sign(Checkpoint(origin=ORIGIN, size=10, root=bytes(32)))
        with built.begin() as conn:
            conn.execute(
                text("UPDATE query_log_checkpoint SET note = :n, root = :r WHERE size = 10"),
                {"n": note, "r": bytes(32)},
            )
        report = self._verify(built, signer)
        assert (report.ok, report.bad_checkpoint) == (False, 10)

    def test_names_a_deleted_leaf(self, built: Engine, signer: LogSigner) -> None:
        with built.begin() as conn:
            conn.execute(text("DELETE FROM query_log_leaf WHERE idx = 12"))
        report = self._verify(built, signer)
        assert (report.ok, report.bad_index) == (False, 12)


class TestConcurrentAppends:
    THREADS = 2
    ROUNDS = 15

    def test_no_lost_or_duplicated_index(self, log_engine: Engine) -> None:
        results: dict[int, list[int]] = {t: [] for t in range(self.THREADS)}
        errors: list[BaseException] = []
        barrier = threading.Barrier(self.THREADS)

        def worker(t: int) -> None:
            try:
                barrier.wait()
                for r in range(self.ROUNDS):
                    bodies = [body(10_000 * t + 100 * r + j) for j in range(1 + (r + t) % 3)]
                    results[t].extend(self._append_retrying(log_engine, bodies))
            except BaseException as exc:  # reported by the main thread, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(self.THREADS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert not errors, errors
        assert not any(th.is_alive() for th in threads)

        got = sorted(results[0] + results[1])
        assert got == list(range(len(got)))
        with Session(log_engine) as s:
            rows = s.execute(select(ql.LogLeaf).order_by(col(ql.LogLeaf.idx))).scalars().all()
            assert [r.idx for r in rows] == got
            frontier = current_frontier(session=s)
            assert frontier.root() == subtree_root([leaf_hash(r.body) for r in rows])
            # No checkpoints were made, so any key will do for the leaf and node audit.
            unused = Ed25519PrivateKey.generate().public_key()
            assert verify_log(session=s, signer_public_key=unused, name=NAME).ok

    @staticmethod
    def _append_retrying(engine: Engine, bodies: list[bytes]) -> list[int]:
        # The state-row lock serialises appenders; SQLite may still report a busy database.
        for attempt in range(20):
            try:
                return append(engine, bodies)
            except OperationalError as exc:
                if "database is locked" not in str(exc) or attempt == 19:
                    raise
        raise AssertionError("unreachable")


class TestLogSigner:
    def test_key_file_is_private_and_stable(self, tmp_path: Path) -> None:
        data = tmp_path / "data"
        first = signer_for_data_dir(data, origin=ORIGIN, name=NAME)
        path = data / KEY_FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        again = signer_for_data_dir(data, origin=ORIGIN, name=NAME)
        assert again.verifier_key() == first.verifier_key()
        assert first.verifier_key().startswith(NAME + "+")
        assert "private" not in repr(first)

    def test_group_readable_key_is_refused(self, tmp_path: Path) -> None:
        signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)
        os.chmod(tmp_path / KEY_FILE_NAME, 0o640)
        with pytest.raises(LogKeyError, match="accessible to others"):
            signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)

    def test_other_origin_is_refused(self, tmp_path: Path) -> None:
        signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)
        with pytest.raises(LogKeyError):
            signer_for_data_dir(tmp_path, origin="other.example/log", name=NAME)

    def test_malformed_key_file_is_refused_without_echo(self, tmp_path: Path) -> None:
        path = tmp_path / KEY_FILE_NAME
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b'{"version": 1, "ed25519_private": "c2VjcmV0"}')
        os.close(fd)
        with pytest.raises(LogKeyError) as info:
            signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)
        assert "c2VjcmV0" not in str(info.value)


def test_frontier_round_trips_through_the_state_row(log_engine: Engine) -> None:
    grow(log_engine, [21])
    stored = CompactRange.from_bytes(state_blob(log_engine))
    assert stored.size == 21
    assert stored.root() == subtree_root([leaf_hash(body(i)) for i in range(21)])
