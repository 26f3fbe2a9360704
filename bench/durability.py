"""Durable before answered, and fail closed (SPEC §6, §12): what they cost the query log.

Run: `python -m bench.durability` (about a minute), `--quick` (a few seconds), or
`--appends N --block B --log-size L --since K --dir PATH`.

What it does:
- **durability**: two SQLite databases made by the migrations in one directory on disk
  (default: a temporary directory under the current one, since /tmp may be memory), opened
  with `core.db.make_engine` as the server opens its own, one with `synchronous=NORMAL` and
  one with `synchronous=FULL` (the server's default). Leaves shaped like the query path's
  are appended one per transaction (`append_leaf` + commit: one agency query's log write),
  in alternating blocks of B on each database, so both meet the same disk and the same
  load. Reported: appends per second each, the ratio FULL / NORMAL over the totals, and the
  median of the block pairs' ratios (robust to bursts of load from other processes).
- **the check before signing**: on a log of L leaves whose latest checkpoint is K leaves
  behind, `check_before_signing` (rehash the K leaves, compare the nodes they complete, the
  state row, and the checkpoint against the stored nodes) timed against the Ed25519
  signature it guards, median of repeats; K = 1,000 is the default cadence's batch, and
  K = 10,000 the start-up check's.
Results and their analysis: bench/README-durability.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from core import migrate
from core.db import make_engine
from core.querylog import repository as repo
from core.querylog.appends import append_leaf, append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.integrity import check_before_signing
from core.querylog.leaves import canonical_leaf
from crypto.checkpoint import Checkpoint
from crypto.log_signer import LogSigner
from crypto.merkle import CompactRange

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _body(n: int) -> bytes:
    """A leaf shaped like an answered query's: ids and a pseudonym, no personal data."""
    return canonical_leaf(
        {
            "agency": f"bank-{n % 32}",
            "at": NOW.isoformat(),
            "authorization_id": f"{n:032x}",
            "basis": None,
            "entries": [f"{n * 7:032x}", f"{n * 11:032x}"],
            "frozen": False,
            "legal_basis": None,
            "outcome": "answered",
            "policy_version": 1,
            "purpose": "credit_loan",
            "sealed_until": None,
            "subject": f"{n * 13:064x}",
            "v": 2,
        }
    )


def _engine(path: Path, synchronous: str) -> Engine:
    engine = make_engine(f"sqlite:///{path}", synchronous=synchronous)
    migrate.upgrade(engine)
    return engine


def _append_block(engine: Engine, start: int, count: int) -> float:
    """Seconds to append `count` leaves, one per transaction."""
    began = time.perf_counter()
    for n in range(start, start + count):
        with Session(engine) as session:
            append_leaf(session=session, body=_body(n), now=NOW)
            session.commit()
    return time.perf_counter() - began


def durability(directory: Path, appends: int, block: int) -> None:
    """Appends per second with synchronous NORMAL and FULL, interleaved, and their ratio."""
    engines = {mode: _engine(directory / f"{mode.lower()}.db", mode) for mode in ("NORMAL", "FULL")}
    for engine in engines.values():  # warm-up, untimed
        _append_block(engine, 0, block)
    totals = dict.fromkeys(engines, 0.0)
    ratios: list[float] = []
    done = block
    while done < block + appends:
        took = {mode: _append_block(engine, done, block) for mode, engine in engines.items()}
        for mode, seconds in took.items():
            totals[mode] += seconds
        ratios.append(took["NORMAL"] / took["FULL"])  # rate FULL / rate NORMAL
        done += block
    count = done - block
    rate = {mode: count / seconds for mode, seconds in totals.items()}
    print(f"durability: {count:,} one-leaf transactions on each, blocks of {block}, alternating")
    for mode in engines:
        print(f"  synchronous={mode:<6}  {rate[mode]:8.0f} appends/s  {1e3 / rate[mode]:6.2f} ms")
    print(
        f"  ratio FULL / NORMAL: {rate['FULL'] / rate['NORMAL']:.2f} over the totals, "
        f"median over {len(ratios)} block pairs {statistics.median(ratios):.2f}"
    )
    for engine in engines.values():
        engine.dispose()


def _median_ms(fn: Callable[[], None], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e3


def signing_check(directory: Path, log_size: int, since: list[int], repeats: int) -> None:
    """The check before signing, with `since` leaves behind the latest checkpoint."""
    engine = _engine(directory / "check.db", "NORMAL")
    signer = LogSigner.load_or_create(
        directory / "log-key.json", origin="bench.example/log", name="bench.example/log"
    )
    written = 0
    last = max(since)
    began = time.perf_counter()
    while written < log_size - last:
        step = min(10_000, log_size - last - written)
        with Session(engine) as session:
            append_leaves(
                session=session, bodies=[_body(written + i) for i in range(step)], now=NOW
            )
            session.commit()
        written += step
    with Session(engine) as session:
        make_checkpoint(session=session, signer=signer, now=NOW)
        session.commit()
    with Session(engine) as session:
        append_leaves(session=session, bodies=[_body(written + i) for i in range(last)], now=NOW)
        session.commit()
    print(
        f"\nthe check before signing: a log of {log_size:,} leaves (built in "
        f"{time.perf_counter() - began:.1f} s, not part of any figure), median of {repeats}"
    )

    def sign() -> None:
        signer.sign(Checkpoint(origin=signer.origin, size=log_size, root=bytes(32)))

    signature = _median_ms(sign, repeats)
    print(f"  the Ed25519 signature alone: {signature:.3f} ms")
    for behind in sorted(since):
        with Session(engine) as session:
            # A checkpoint `behind` leaves back (rolled back after, the log as it was).
            size = log_size - behind
            root = _root_at(session, size)
            if repo.checkpoint_at(session, size) is None:
                repo.add_checkpoint(
                    session,
                    size=size,
                    root=root,
                    note=signer.sign(Checkpoint(origin=signer.origin, size=size, root=root)),
                    now=NOW,
                )

            def check(s: Session = session) -> None:
                check_before_signing(session=s, signer=signer, lock=True)

            ms = _median_ms(check, repeats)
            session.rollback()
        print(
            f"  {behind:>6,} leaves since the latest checkpoint: {ms:7.2f} ms "
            f"({ms * 1e3 / behind:.2f} µs a leaf; {ms / signature:.0f} signatures)"
        )
    engine.dispose()


def _root_at(session: Session, size: int) -> bytes:
    return CompactRange.from_source(repo.SessionNodes(session, size), size).root()


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--appends", type=int, default=4000)
    parser.add_argument("--block", type=int, default=200)
    parser.add_argument("--log-size", type=int, default=100_000)
    parser.add_argument("--since", type=int, nargs="*", default=[1000, 10_000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.appends, args.block, args.log_size, args.repeats = 600, 100, 20_000, 5
    with tempfile.TemporaryDirectory(dir=args.dir or Path.cwd(), prefix="bench-dur-") as tmp:
        durability(Path(tmp), args.appends, args.block)
        signing_check(Path(tmp), args.log_size, args.since, args.repeats)


if __name__ == "__main__":
    main()
