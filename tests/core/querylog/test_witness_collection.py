"""The log collects witness cosignatures in its maintenance tick and publishes them (in
process: two witness apps on loopback ports, the log on a fresh database)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session

from api.witness.app import create_witness_app
from core.clock import clock
from core.models import LogCosignature
from core.ops.maintenance import run_maintenance
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import Cadence, latest_checkpoint_note
from core.querylog.leaves import canonical_leaf
from core.querylog.proofs import receipt
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.witnesses import WitnessSet, collect_cosignatures
from core.witness.config import add_log, init_witness
from core.witness.service import Witness
from crypto.checkpoint import parse_verifier_key
from crypto.cosignature import CosignatureError, cosigned_by, open_cosigned_checkpoint
from crypto.log_signer import LogSigner
from crypto.receipt import verify_receipt
from tests.support.app_server import serve_app

ORIGIN = "credence.test/query-log"
CADENCE = Cadence(every_leaves=1, every=timedelta(seconds=10))


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    return signer_for_data_dir(tmp_path / "log", origin=ORIGIN, name=ORIGIN)


@pytest.fixture
def witnesses(tmp_path: Path, signer: LogSigner) -> Iterator[list[tuple[str, Witness]]]:
    with ExitStack() as stack:
        out = []
        for i in (1, 2):
            data = tmp_path / f"w{i}"
            init_witness(data, name=f"witness.test/w{i}")
            add_log(data, origin=ORIGIN, vkey=signer.verifier_key())
            witness = Witness.open(data)
            url = stack.enter_context(serve_app(create_witness_app(witness)))
            out.append((url, witness))
        yield out


def _set(witnesses, quorum: int = 2, urls: list[str] | None = None) -> WitnessSet:
    urls = urls or [u for u, _ in witnesses]
    pairs = [(u, w.cosigner.vkey()) for u, (_, w) in zip(urls, witnesses, strict=True)]
    return WitnessSet.parse(pairs, quorum=quorum, timeout=5)


def _append(engine: Engine, n: int) -> None:
    with Session(engine) as s:
        bodies = [canonical_leaf({"n": i}) for i in range(n)]
        append_leaves(session=s, bodies=bodies, now=clock.now())
        s.commit()


def _tick(engine: Engine, signer: LogSigner, ws: WitnessSet):
    return run_maintenance(
        engine=engine, signer=signer, cadence=CADENCE, now=clock.now(), witnesses=ws
    )


def _published(engine: Engine, ws: WitnessSet) -> str:
    with Session(engine) as s:
        return latest_checkpoint_note(session=s, witnesses=ws)


class TestCollection:
    def test_checkpoints_get_cosigned_by_both_and_published_with_quorum(
        self, fresh_engine, signer, witnesses
    ):
        ws = _set(witnesses)
        log_key = parse_verifier_key(signer.verifier_key())
        for n in (3, 5, 1):
            _append(fresh_engine, n)
            report = _tick(fresh_engine, signer, ws)
            assert report.cosignatures is not None
            assert report.cosignatures.stored == 2
            note = _published(fresh_engine, ws)
            cp = open_cosigned_checkpoint(note, log_key, ws.keys, 2)
            assert cp.size == report.checkpoint_size
        assert [w.state.get(ORIGIN).size for _, w in witnesses] == [9, 9]
        # A receipt from a stored checkpoint carries the cosignatures too.
        with Session(fresh_engine) as s:
            r = receipt(session=s, index=4)
        vkeys = [str(k) for k in ws.keys]
        assert verify_receipt(r, signer.verifier_key(), witnesses=vkeys, quorum=2).size == 9

    def test_a_tick_with_nothing_new_asks_no_one(self, fresh_engine, signer, witnesses):
        ws = _set(witnesses)
        _append(fresh_engine, 2)
        _tick(fresh_engine, signer, ws)
        again = collect_cosignatures(engine=fresh_engine, witnesses=ws, now=clock.now())
        assert (again.stored, again.failed) == (0, 0)

    def test_a_witness_ahead_of_what_the_log_stored_is_resynced_by_409(
        self, fresh_engine, signer, witnesses
    ):
        ws = _set(witnesses)
        _append(fresh_engine, 4)
        _tick(fresh_engine, signer, ws)
        # The log forgets what w1 cosigned (a restored backup): it sends old 0, gets 409 4.
        with Session(fresh_engine) as s:
            s.execute(delete(LogCosignature))
            s.commit()
        _append(fresh_engine, 3)
        report = _tick(fresh_engine, signer, ws)
        assert report.cosignatures.stored == 2
        assert [w.state.get(ORIGIN).size for _, w in witnesses] == [7, 7]

    def test_a_dead_witness_is_a_warning_and_the_quorum_waits(
        self, fresh_engine, signer, witnesses, caplog
    ):
        dead = "http://127.0.0.1:9"  # the discard port: nothing listens
        ws = _set(witnesses, quorum=2, urls=[witnesses[0][0], dead])
        _append(fresh_engine, 2)
        with caplog.at_level(logging.WARNING, logger="credence.witnesses"):
            report = _tick(fresh_engine, signer, ws)
        assert report.checkpoint_size == 2
        assert (report.cosignatures.stored, report.cosignatures.failed) == (1, 1)
        assert "witness.test/w2 unreachable" in caplog.text
        note = _published(fresh_engine, ws)
        assert len(cosigned_by(note, ws.keys)) == 1
        with pytest.raises(CosignatureError, match="quorum is 2"):
            open_cosigned_checkpoint(note, parse_verifier_key(signer.verifier_key()), ws.keys, 2)
        # With quorum 1 the checkpoint one witness cosigned is published.
        one = _set(witnesses, quorum=1, urls=[witnesses[0][0], dead])
        assert (
            open_cosigned_checkpoint(
                _published(fresh_engine, one),
                parse_verifier_key(signer.verifier_key()),
                one.keys,
                1,
            ).size
            == 2
        )

    def test_the_published_checkpoint_is_the_newest_with_quorum(
        self, fresh_engine, signer, witnesses
    ):
        ws = _set(witnesses)
        _append(fresh_engine, 2)
        _tick(fresh_engine, signer, ws)
        _append(fresh_engine, 2)
        # A checkpoint stored, no witness asked yet: the published one stays at 2.
        run_maintenance(engine=fresh_engine, signer=signer, cadence=CADENCE, now=clock.now())
        log_key = parse_verifier_key(signer.verifier_key())
        assert open_cosigned_checkpoint(_published(fresh_engine, ws), log_key, ws.keys, 2).size == 2
        # Without a quorum the newest is published, cosigned or not.
        assert "\n4\n" in _published(fresh_engine, _set(witnesses, quorum=0))
