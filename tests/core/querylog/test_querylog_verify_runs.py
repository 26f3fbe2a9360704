"""`verify_log` checks the log a run of leaves at a time: wherever a tamper lands — the first
or last leaf of a run, a node over several runs, a checkpoint on a run boundary — it names
exactly what the leaf-by-leaf audit names, and its quick canonical-body check agrees on every
body with the definition (JSON that `canonical_leaf` writes back byte for byte)."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from core.clock import clock
from core.errors import InvalidInput
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import CanonicalBodies, canonical_leaf
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import VerifyReport, verify_log, verify_log_leaf_by_leaf
from crypto.checkpoint import Checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import leaf_hash
from tests.support.progress import Recorded

ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"
RUN = 8  # VERIFY_CHUNK here: runs of 8 leaves, each run the perfect node (3, start // 8)
SIZE = 70
CHECKPOINTS = (5, 8, 16, 23, 37, 64, 70)


@pytest.fixture(autouse=True)
def _runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("core.querylog.verify.VERIFY_CHUNK", RUN)
    # The shared autouse fixture resets the clock after the test.
    clock.freeze(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log signer, its key file created under a temporary data dir."""
    return signer_for_data_dir(tmp_path / "data", origin=ORIGIN, name=NAME)


def body(i: int, *, agency: str = "agency-7") -> bytes:
    """A leaf body shaped like the query path's: pseudonyms and ids only."""
    return canonical_leaf(
        {
            "agency": agency,
            "basis": "legal",
            "entries": [f"e-{i}"] if i % 3 else [],
            "frozen": i % 5 == 0,
            "outcome": "answered",
            "seq": i,
            "subject": f"s:{i:064x}",
            "sealed_until": None,
        }
    )


@pytest.fixture
def log(session: Session, signer: LogSigner) -> Session:
    """70 leaves appended in small batches, checkpoints at 5, 8, 16, 23, 37, 64 and 70; the
    test's own transaction, rolled back after it."""
    n = 0
    for size in CHECKPOINTS:
        while n < size:
            step = min(size - n, 1 + n % 5)
            bodies = [body(i) for i in range(n, n + step)]
            append_leaves(session=session, bodies=bodies, now=clock.now())
            n += step
        make_checkpoint(session=session, signer=signer, now=clock.now())
    return session


def verify(session: Session, signer: LogSigner) -> VerifyReport:
    return verify_log(session=session, signer_public_key=signer.public_key, name=NAME)


def leaf_by_leaf(session: Session, signer: LogSigner) -> VerifyReport:
    """The reference: the leaf-by-leaf audit (which the run check hands a suspect run to)
    over the whole log from its first leaf."""
    return verify_log_leaf_by_leaf(session=session, signer_public_key=signer.public_key, name=NAME)


def sql(session: Session, statement: str, **params: Any) -> None:
    """Tamper the way an insider with database access would: raw SQL."""
    session.execute(text(statement), params)


def set_leaf(session: Session, idx: int, data: bytes, *, rehash: bool = True) -> None:
    if rehash:
        sql(
            session,
            "UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = :i",
            b=data,
            h=leaf_hash(data),
            i=idx,
        )
    else:
        sql(session, "UPDATE query_log_leaf SET body = :b WHERE idx = :i", b=data, i=idx)


def slip_in(session: Session, k: int) -> None:
    """A forged leaf (matching its hash) at index k, the rest moved up one."""
    sql(session, "UPDATE query_log_leaf SET idx = idx + 1000 WHERE idx >= :k", k=k)
    sql(session, "UPDATE query_log_leaf SET idx = idx - 999 WHERE idx >= 1000")
    forged = body(k, agency="x")
    sql(
        session,
        "INSERT INTO query_log_leaf (idx, leaf_hash, body, created_at) VALUES (:i, :h, :b, :t)",
        i=k,
        h=leaf_hash(forged),
        b=forged,
        t=clock.now(),
    )


def set_node(session: Session, level: int, index: int, digest: bytes) -> None:
    sql(
        session,
        'UPDATE query_log_node SET digest = :d WHERE level = :l AND "index" = :i',
        d=digest,
        l=level,
        i=index,
    )


def bad_signature(session: Session, size: int) -> None:
    """Flip one bit of the stored checkpoint's Ed25519 signature."""
    note = session.execute(
        text("SELECT note FROM query_log_checkpoint WHERE size = :s"), {"s": size}
    ).scalar_one()
    head, _, line = note.rstrip("\n").rpartition("\n")
    dash, name, sig = line.split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    forged = f"{head}\n{dash} {name} {base64.b64encode(bytes(raw)).decode()}\n"
    sql(session, "UPDATE query_log_checkpoint SET note = :n WHERE size = :s", n=forged, s=size)


Tamper = Callable[[Session, LogSigner], None]


def _changed_body(idx: int) -> Tamper:
    return lambda s, _: set_leaf(s, idx, body(idx, agency="x"), rehash=False)


def _rehashed_body(idx: int) -> Tamper:
    return lambda s, _: set_leaf(s, idx, body(idx, agency="x"))


def _non_canonical(idx: int) -> Tamper:
    # Spaces after the separators: the same fields, not the canonical bytes; hash matches.
    loose = json.dumps(json.loads(body(idx)), sort_keys=True).encode()
    return lambda s, _: set_leaf(s, idx, loose)


def _deleted(idx: int) -> Tamper:
    return lambda s, _: sql(s, "DELETE FROM query_log_leaf WHERE idx = :i", i=idx)


def _swapped(i: int, j: int) -> Tamper:
    def tamper(s: Session, _: LogSigner) -> None:
        set_leaf(s, i, body(j))
        set_leaf(s, j, body(i))

    return tamper


def _slipped_in(k: int) -> Tamper:
    return lambda s, _: slip_in(s, k)


def _node(level: int, index: int) -> Tamper:
    return lambda s, _: set_node(s, level, index, bytes(32))


def _node_deleted(level: int, index: int) -> Tamper:
    return lambda s, _: sql(
        s, 'DELETE FROM query_log_node WHERE level = :l AND "index" = :i', l=level, i=index
    )


def _signature(size: int) -> Tamper:
    return lambda s, _: bad_signature(s, size)


def _wrong_root(size: int) -> Tamper:
    def tamper(s: Session, signer: LogSigner) -> None:
        note = signer.sign(Checkpoint(origin=ORIGIN, size=size, root=bytes(32)))
        sql(
            s,
            "UPDATE query_log_checkpoint SET note = :n, root = :r WHERE size = :s",
            n=note,
            r=bytes(32),
            s=size,
        )

    return tamper


def _leaf_past_the_end(s: Session, _: LogSigner) -> None:
    extra = body(SIZE)
    sql(
        s,
        "INSERT INTO query_log_leaf (idx, leaf_hash, body, created_at) VALUES (:i, :h, :b, :t)",
        i=SIZE,
        h=leaf_hash(extra),
        b=extra,
        t=clock.now(),
    )


def _stray_node(s: Session, _: LogSigner) -> None:
    sql(s, 'INSERT INTO query_log_node (level, "index", digest) VALUES (1, 35, :d)', d=bytes(32))


# (tamper, the index or checkpoint size named): runs are [0, 8), [8, 16), ..., [64, 70).
CASES: dict[str, tuple[Tamper, int | None, int | None]] = {
    "body, first leaf of the log": (_changed_body(0), 0, None),
    "body, last leaf of a run": (_changed_body(7), 7, None),
    "body, first leaf of a run": (_changed_body(8), 8, None),
    "body, first leaf of the last run": (_changed_body(64), 64, None),
    "body, last leaf of the log": (_changed_body(69), 69, None),
    # The pair node (1, 2) over [4, 6) would name 4, but the checkpoint at 5 comes first.
    "body and hash, before a checkpoint": (_rehashed_body(4), None, 5),
    "body and hash, last leaf of a run": (_rehashed_body(15), 14, None),
    "body and hash, first leaf of a run": (_rehashed_body(16), 16, None),
    "body and hash, last leaf of the log": (_rehashed_body(69), 68, None),
    "not canonical, last leaf of a run": (_non_canonical(23), 23, None),
    "not canonical, first leaf of a run": (_non_canonical(24), 24, None),
    "deleted, first leaf of a run": (_deleted(16), 16, None),
    "deleted, last leaf of a run": (_deleted(31), 31, None),
    "deleted, last leaf of the log": (_deleted(69), None, 70),
    # Each row matches its hash: the pair node over [6, 8) is the first thing to break.
    "swapped across a run boundary": (_swapped(7, 8), 6, None),
    "swapped, first and last leaf": (_swapped(0, 69), 0, None),
    "slipped in, first leaf of a run": (_slipped_in(8), 8, None),
    "slipped in, last leaf of a run": (_slipped_in(15), 14, None),
    "leaf past the end": (_leaf_past_the_end, SIZE, None),
    "node inside a run": (_node(1, 4), 8, None),
    "node that is a whole run": (_node(3, 1), 8, None),
    "node over two runs": (_node(4, 1), 16, None),
    "node over four runs": (_node(5, 1), 32, None),
    "node over eight runs": (_node(6, 0), 0, None),
    "deleted node over two runs": (_node_deleted(4, 2), 32, None),
    "deleted node, a whole run": (_node_deleted(3, 7), 56, None),
    "stray node past the end": (_stray_node, SIZE, None),
    "signature, checkpoint inside a run": (_signature(5), None, 5),
    "signature, checkpoint on a run boundary": (_signature(16), None, 16),
    "signature, last leaf of a run": (_signature(23), None, 23),
    "signature, checkpoint of the whole log": (_signature(70), None, 70),
    "wrong root, on a run boundary": (_wrong_root(64), None, 64),
}


class TestRunsNameWhatTheLeafByLeafAuditNames:
    @pytest.mark.parametrize("chunk", [1, 2, 7, 8, 64, 128, 8192])
    def test_an_untouched_log_verifies_whatever_the_run_width(
        self, log: Session, signer: LogSigner, monkeypatch: pytest.MonkeyPatch, chunk: int
    ) -> None:
        monkeypatch.setattr("core.querylog.verify.VERIFY_CHUNK", chunk)
        reference = leaf_by_leaf(log, signer)

        def unexpected(*args: object, **kwargs: object) -> VerifyReport:
            raise AssertionError("a clean run was audited again leaf by leaf")

        # Clean runs pass on the run check alone: the leaf-by-leaf audit is for faults only.
        monkeypatch.setattr("core.querylog.verify._verify_from", unexpected)
        report = verify(log, signer)
        assert report == VerifyReport(ok=True, leaves=SIZE, checkpoints=len(CHECKPOINTS))
        assert report == reference

    @pytest.mark.parametrize("case", CASES)
    def test_a_tamper_is_named_as_leaf_by_leaf(
        self, log: Session, signer: LogSigner, case: str
    ) -> None:
        tamper, index, size = CASES[case]
        tamper(log, signer)
        report = verify(log, signer)
        assert (report.ok, report.bad_index, report.bad_checkpoint) == (False, index, size)
        # The whole report, down to the leaves and checkpoints counted before the fault.
        assert report == leaf_by_leaf(log, signer)

    @pytest.mark.parametrize("chunk", [1, 2, 4, 16, 64])
    @pytest.mark.parametrize("case", ["body and hash, last leaf of a run", "node over two runs"])
    def test_the_same_names_at_other_run_widths(
        self,
        log: Session,
        signer: LogSigner,
        monkeypatch: pytest.MonkeyPatch,
        chunk: int,
        case: str,
    ) -> None:
        monkeypatch.setattr("core.querylog.verify.VERIFY_CHUNK", chunk)
        tamper, index, size = CASES[case]
        tamper(log, signer)
        report = verify(log, signer)
        assert (report.bad_index, report.bad_checkpoint) == (index, size)
        assert report == leaf_by_leaf(log, signer)

    def test_a_log_of_exactly_whole_runs(self, session: Session, signer: LogSigner) -> None:
        # 64 leaves: the last run is full, and the run after it is empty.
        append_leaves(session=session, bodies=[body(i) for i in range(64)], now=clock.now())
        make_checkpoint(session=session, signer=signer, now=clock.now())
        assert verify(session, signer) == VerifyReport(ok=True, leaves=64, checkpoints=1)
        set_leaf(session, 63, body(63, agency="x"))
        report = verify(session, signer)
        assert (report.bad_index, report.problem) == (
            62,
            "cached node over leaves [62, 64) does not match them",
        )
        assert report == leaf_by_leaf(session, signer)

    def test_an_empty_log(self, session: Session, signer: LogSigner) -> None:
        assert verify(session, signer) == VerifyReport(ok=True, leaves=0, checkpoints=0)


def _reference(data: object) -> bool:
    """Canonical by definition: bytes that parse to fields `canonical_leaf` writes back as is."""
    if not isinstance(data, bytes):
        return False
    try:
        fields = json.loads(data.decode("utf-8"))
        return isinstance(fields, dict) and canonical_leaf(fields) == data
    except (UnicodeDecodeError, ValueError, RecursionError, InvalidInput):
        return False


CANONICAL = [
    b"{}",
    b'{"a":[]}',
    b'{"":""}',
    b'{"a":0,"b":-1,"c":123456789012345,"d":-123456789012345}',
    # 16 digits: past the quick check, and the largest integer RFC 8785 encodes exactly.
    b'{"a":9007199254740991,"b":-9007199254740991}',
    b'{"a":"\\"","b":"\\\\","c":"\\n\\t\\u001f\\u0000"}',
    '{"a":"é","b":"信用","c":"\U0001f600","d":"\u2028\x7f"}'.encode(),
    b'{" ":1,"!":2}',
    b'{"a":[null,true,false,0,-5,"x"],"b":null}',
    b'{"a,b":2,"a:b":1}',
    b'{"a":"}","b":"]","c":",\\":"}',
    b'{"A":1,"a":2,"\xc3\xa9":3}',
]
NOT_CANONICAL = [
    b"",
    b"[]",
    b'"a"',
    b"null",
    b"{ }",
    b'{"a":1 }',
    b'{"a": 1}',
    b'{"b":1,"a":2}',
    b'{"!":2," ":1}',
    b'{"a:b":1,"a,b":2}',
    b'{"a":1,"a":1}',
    b'{"a":1,"a":2}',
    b'{"a":1.5}',
    # Beyond what a double holds exactly: RFC 8785 has no canonical form for it.
    b'{"a":9007199254740992}',
    b'{"a":1234567890123456789}',
    b'{"a":1e3}',
    b'{"a":-0}',
    b'{"a":01}',
    b'{"a":+1}',
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":{"b":1}}',
    b'{"a":[[1]]}',
    b'{"a":[{"b":1}]}',
    b'{"a":"\\u0041"}',
    b'{"a":"\\/"}',
    b'{"a":"\\u001F"}',
    b'{"a":"\\b\\u0008"}',
    b'{"a":"\x01"}',
    b'{"a":"\\ud800"}',
    b'{"a":"\xed\xa0\x80"}',
    b'{"a":"\xff"}',
    b'\xef\xbb\xbf{"a":1}',
    b'{"a":1}\n',
    b'{"a":1}x',
    b'{"a":TRUE}',
    b'{"a":"x}',
    b'{"a":[1,]}',
    b'{"a":1,}',
    b'{,"a":1}',
    b'{"a"}',
    b'{"a":1' + b"9" * 5000 + b"}",
    b"[" * 5000 + b"]" * 5000,
]


class TestCanonicalBodies:
    @pytest.mark.parametrize("data", CANONICAL)
    def test_canonical_bodies_pass(self, data: bytes) -> None:
        assert _reference(data)
        assert CanonicalBodies()(data)

    @pytest.mark.parametrize("data", NOT_CANONICAL)
    def test_other_bodies_fail(self, data: bytes) -> None:
        assert not _reference(data)
        assert not CanonicalBodies()(data)

    def test_a_remembered_shape_refuses_what_it_must(self) -> None:
        check = CanonicalBodies()
        assert check(b'{"a":1,"b":"x"}')
        for bad in (b'{"a":1,"b":"x","b":"x"}', b'{"a":1.0,"b":"x"}', b'{"a":1,"b":{"c":1}}'):
            assert not check(bad)
        assert not check(memoryview(b'{"a":1,"b":"x"}'))  # type: ignore[arg-type]

    def test_the_same_verdict_on_mutated_bodies(self) -> None:
        # Not for security: reproducible mutations.
        rng = random.Random(20261123)  # noqa: S311
        alphabet = b'{}[]",:\\ 0123456789-+.eEtrufalsn\x00\x1f\x7f\xc3\xa9\xff' + b"ab"
        seeds = [body(i) for i in range(6)] + CANONICAL
        check = CanonicalBodies()
        for seed in seeds:  # the shapes the mutants will be tried against first
            assert check(seed)
        agreed = 0
        for _ in range(6000):
            data = bytearray(rng.choice(seeds))
            for _ in range(rng.randrange(1, 4)):
                at = rng.randrange(len(data) + 1)
                what = rng.randrange(3)
                if what == 0 and data:
                    del data[min(at, len(data) - 1)]
                elif what == 1:
                    data.insert(at, rng.choice(alphabet))
                elif data:
                    data[min(at, len(data) - 1)] = rng.choice(alphabet)
            mutant = bytes(data)
            assert check(mutant) == _reference(mutant), mutant
            agreed += _reference(mutant)
        assert agreed > 100  # some mutants are canonical, so both verdicts were exercised


class TestProgress:
    def test_told_the_log_size_then_each_run_up_to_every_leaf(
        self, log: Session, signer: LogSigner
    ) -> None:
        seen = Recorded()
        report = verify_log(
            session=log, signer_public_key=signer.public_key, name=NAME, progress=seen
        )
        assert report.ok
        assert seen.totals == [SIZE]
        assert seen.steps == [RUN] * (SIZE // RUN) + [SIZE % RUN]
        assert seen.done == SIZE
