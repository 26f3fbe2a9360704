"""The log and two witnesses as separate processes: queries are made, checkpoints are
cosigned by both, the published checkpoint verifies with quorum 2, and the witnesses refuse
a fork (422), a replayed old checkpoint (409), a bad proof (422) and a bad signature (403),
storing nothing when they refuse."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.clock import clock
from core.identity.tokens import mint_access_token
from core.ops.keys import verify_keys
from core.ops.maintenance import run_maintenance
from core.querylog.appends import current_frontier
from core.querylog.proofs import consistency
from core.querylog.repository import SessionNodes
from core.runtime import Runtime
from core.settings import Settings, WitnessSetting
from core.witness.protocol import add_checkpoint_body
from crypto.checkpoint import Checkpoint, parse_verifier_key
from crypto.cosignature import cosigned_by, open_cosigned_checkpoint, parse_cosigner_key
from crypto.log_signer import LogSigner
from crypto.merkle import range_hash
from tests.factories import make_code
from tests.support.app_server import serve_app
from tests.support.server import credence_env, free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
# This worktree's sources, not whatever the installed `credence` script points at.
WITNESS = [sys.executable, "-m", "cli.main", "witness"]


def _witness_cli(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [*WITNESS, *args, "--data-dir", str(data_dir)],
        env=credence_env(data_dir, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@contextmanager
def _witness_process(data_dir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [*WITNESS, "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=credence_env(data_dir, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=20)
        assert proc.stdout is not None
        proc.stdout.close()


def _size(note: str) -> int:
    return int(note.splitlines()[1])


@pytest.mark.usefixtures("fresh_engine")
class TestWitnessesAsProcesses:
    def test_cosigned_by_two_witnesses_and_forks_refused(self, tmp_path, fresh_engine, keyring):
        with Session(fresh_engine) as session:
            verify_keys(session=session, keyring=keyring)
            session.commit()
        base_settings = Settings(data_dir=tmp_path / "log", maintenance_every_seconds=0)
        log_vkey = LogSigner.load_or_create(
            tmp_path / "log" / "query-log-key.json",
            origin=base_settings.log_origin,
            name=base_settings.log_key_name,
        ).verifier_key()
        dirs = [tmp_path / "w1", tmp_path / "w2"]
        vkeys = [
            _witness_cli(d, "init", "--name", f"witness.test/w{i}") for i, d in enumerate(dirs, 1)
        ]
        for d in dirs:
            _witness_cli(d, "add-log", "--origin", base_settings.log_origin, "--vkey", log_vkey)
        assert _witness_cli(dirs[0], "key") == vkeys[0]
        assert (dirs[0] / "witness-key.json").stat().st_mode & 0o777 == 0o600

        with ExitStack() as stack:
            urls = [stack.enter_context(_witness_process(d)) for d in dirs]
            settings = base_settings.model_copy(
                update={
                    "witnesses": [
                        WitnessSetting(url=u, vkey=v) for u, v in zip(urls, vkeys, strict=True)
                    ],
                    "witness_quorum": 2,
                    "checkpoint_every_leaves": 1,
                }
            )
            runtime = Runtime(settings=settings, engine=fresh_engine, keyring=keyring)
            app = create_app(runtime=runtime)
            base = stack.enter_context(serve_app(app))
            state = state_of(app)
            signer = state.log_signer
            token = mint_access_token(
                keys=state.issuer_keys,
                issuer=settings.embedded_issuer_id,
                audience=settings.token_audience,
                subject="test:agency",
                claims={"role": "agency", "agency": "court-1"},
                ttl=timedelta(minutes=5),
                now=clock.now(),
                client_id="test-agency",
            )

            def query() -> None:
                r = httpx.post(
                    f"{base}/api/v1/queries",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "subject_code": make_code(),
                        "purpose": "licensing",
                        "legal_basis": "court_enforcement",
                    },
                )
                assert r.status_code == 200, r.text

            def tick():
                return run_maintenance(
                    engine=fresh_engine,
                    signer=signer,
                    cadence=runtime.cadence,
                    now=clock.now(),
                    witnesses=runtime.witnesses,
                )

            witness_keys = [parse_cosigner_key(v) for v in vkeys]
            log_key = parse_verifier_key(log_vkey)
            for rounds in (2, 3):
                for _ in range(rounds):
                    query()
                report = tick()
                assert report.cosignatures is not None
                assert report.cosignatures.stored == 2
                note = httpx.get(f"{base}/api/v1/public/checkpoint").text
                assert len(cosigned_by(note, witness_keys)) == 2
                cp = open_cosigned_checkpoint(note, log_key, witness_keys, 2)
                assert cp.size == report.cosignatures.checkpoint_size
            assert cp.size == 5
            public = httpx.get(f"{base}/api/v1/public/witnesses").json()
            assert public == {"quorum": 2, "witnesses": vkeys}
            # Each witness serves what it cosigned (monitoring read).
            origin_hash = hashlib.sha256(cp.origin.encode()).hexdigest()
            seen = httpx.get(f"{urls[0]}/{origin_hash}/checkpoint").text
            assert _size(seen) == 5

            states = [(d / "witness-state.json").read_bytes() for d in dirs]

            def post(url: str, body: bytes) -> httpx.Response:
                return httpx.post(f"{url}/add-checkpoint", content=body)

            # A fork: the same size, another root, signed by the log's own key.
            fork = signer.sign(Checkpoint(origin=cp.origin, size=5, root=bytes(32)))
            r = post(urls[0], add_checkpoint_body(5, [], fork))
            assert r.status_code == 422
            # A fork that grows: no proof from 5 binds a foreign root.
            query()
            with Session(fresh_engine) as s:
                proof = consistency(session=s, size1=5, size2=6)
            grown_fork = signer.sign(Checkpoint(origin=cp.origin, size=6, root=bytes(32)))
            assert post(urls[0], add_checkpoint_body(5, proof, grown_fork)).status_code == 422
            # An old checkpoint replayed: 409 with the size the witness holds.
            old = signer.sign(Checkpoint(origin=cp.origin, size=2, root=_root_at(fresh_engine, 2)))
            r = post(urls[1], add_checkpoint_body(2, [], old))
            assert r.status_code == 409
            assert r.headers["content-type"] == "text/x.tlog.size"
            assert r.text == "5\n"
            # A bad proof for an honest new checkpoint.
            honest = signer.sign(
                Checkpoint(origin=cp.origin, size=6, root=_root_at(fresh_engine, 6))
            )
            bad = [bytes(32)] * len(proof)
            assert post(urls[1], add_checkpoint_body(5, bad, honest)).status_code == 422
            # A bad signature: another key under the log's name.
            impostor = LogSigner(Ed25519PrivateKey.generate(), origin=cp.origin, name=signer.name)
            forged = impostor.sign(Checkpoint(origin=cp.origin, size=6, root=bytes(32)))
            assert post(urls[1], add_checkpoint_body(5, proof, forged)).status_code == 403
            assert post(urls[1], b"old five\n\n").status_code == 400
            # Nothing was cosigned or stored on any refusal.
            assert [(d / "witness-state.json").read_bytes() for d in dirs] == states

            # The honest log goes on: the next tick gets both cosignatures on size 6.
            report = tick()
            assert report.cosignatures.stored == 2
            note = httpx.get(f"{base}/api/v1/public/checkpoint").text
            assert open_cosigned_checkpoint(note, log_key, witness_keys, 2).size == 6


def _root_at(engine, size: int) -> bytes:
    with Session(engine) as s:
        if size == current_frontier(session=s).size:
            return current_frontier(session=s).root()
        return range_hash(SessionNodes(s, size), 0, size)
