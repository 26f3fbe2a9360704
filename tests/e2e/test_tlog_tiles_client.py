"""Go's stock tlog client (golang.org/x/mod/sumdb/{note,tlog}) reads and verifies the query log
through its C2SP tlog-tiles endpoints on a live server: the checkpoint signature, the tree hash
rebuilt from tiles, the inclusion of agencies' queries, and consistency with older checkpoints."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.state import state_of
from core.clock import clock
from core.identity.tokens import mint_access_token
from core.keyring import Keyring
from core.ops.keys import verify_keys
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.runtime import Runtime
from core.settings import Settings
from tests.factories import make_code, make_payload
from tests.support.app_server import serve_app

CLIENT_SOURCE = Path(__file__).resolve().parents[1] / "tlogclient"
# Debian's golang-golang-x-mod-dev puts the package here, for GOPATH-mode builds offline.
GOPATH = Path("/usr/share/gocode")
HAS_GO = shutil.which("go") is not None and (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir()

NO_GO = (
    "needs Go and golang.org/x/mod (apt-get install golang-go golang-golang-x-mod-dev;"
    " `make test` installs them with scripts/go-setup.sh)"
)


@pytest.fixture(scope="module")
def tlogclient(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go client, built offline against Debian's golang.org/x/mod (skipped without Go,
    except under `make test`, which installs it and sets CREDENCE_REQUIRE_GO=1)."""
    if not HAS_GO:
        if os.environ.get("CREDENCE_REQUIRE_GO") == "1":
            pytest.fail(NO_GO)
        pytest.skip(NO_GO)
    tmp = tmp_path_factory.mktemp("tlogclient")
    binary = tmp / "tlogclient"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(tmp / "go-cache"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        [shutil.which("go") or "go", "build", "-o", str(binary), "."],
        cwd=CLIENT_SOURCE,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary


def _app(engine: Engine, keyring: Keyring, data_dir: Path) -> tuple[Settings, FastAPI]:
    """The real app over a fresh database with verified keys, no background maintenance."""
    with Session(engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    settings = Settings(data_dir=data_dir, maintenance_every_seconds=0)
    runtime = Runtime(settings=settings, engine=engine, keyring=keyring)
    return settings, create_app(runtime=runtime)


class TestStockTlogClient:
    def test_go_client_verifies_tiles_proofs_and_history(
        self, tlogclient, fresh_engine, keyring, tmp_path
    ):
        binary = tlogclient
        settings, app = _app(fresh_engine, keyring, tmp_path)
        with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            state = state_of(app)

            def token(role: str, **claims: object) -> dict[str, str]:
                jwt = mint_access_token(
                    keys=state.issuer_keys,
                    issuer=settings.embedded_issuer_id,
                    audience=settings.token_audience,
                    subject=f"test:{role}",
                    claims={"role": role, **claims},
                    ttl=timedelta(minutes=5),
                    now=clock.now(),
                    client_id=f"test-{role}",
                )
                return {"Authorization": f"Bearer {jwt}"}

            listed = make_code()
            record = make_payload(subject_code=listed).model_dump(mode="json")
            recorder = token("recorder", department="dept-a")
            assert http.post("/api/v1/records", json=record, headers=recorder).status_code == 201

            def query(code: str) -> tuple[int, str]:
                res = http.post(
                    "/api/v1/queries",
                    json={
                        "subject_code": code,
                        "purpose": "licensing",
                        "legal_basis": "court_enforcement",
                    },
                    headers=token("agency", agency="court-1"),
                )
                assert res.status_code == 200, res.text
                receipt = res.json()["receipt"]
                return receipt["index"], receipt["leaf_hash"]

            queried = [query(listed), query(make_code()), query(make_code())]
            signer = state.log_signer
            with Session(fresh_engine) as session:
                make_checkpoint(session=session, signer=signer, now=clock.now())
                # Enough leaves for full level-0 tiles and a level-1 tile.
                filler = [canonical_leaf({"n": i, "kind": "filler"}) for i in range(520)]
                append_leaves(session=session, bodies=filler, now=clock.now())
                session.commit()
            queried += [query(listed), query(make_code())]
            with Session(fresh_engine) as session:
                signed = make_checkpoint(session=session, signer=signer, now=clock.now()).size
                session.commit()
            assert signed == 525
            # One more query after the last checkpoint: the client must not need it.
            query(make_code())

            prefix = f"{base}/api/v1/public/log"
            args = [str(binary), "-log", prefix, "-vkey", f"{base}/api/v1/public/log-key"]
            for index, leaf in queried:
                args += ["-record", f"{index}:{leaf}"]
            ran = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        print(ran.stdout)  # shown with -rP: what the stock client verified
        assert ran.returncode == 0, ran.stderr + ran.stdout
        lines = ran.stdout.splitlines()
        assert any(line.startswith("OK verifier key") for line in lines)
        assert "OK checkpoint signature verified: origin" in ran.stdout
        assert f"size {signed}" in ran.stdout
        assert any(
            "tree hash from" in line and "equals the checkpoint root" in line for line in lines
        )
        for index, _ in queried:
            assert f"OK record {index} included" in ran.stdout
        assert "OK checkpoint 3 consistent with 525" in ran.stdout
        # Listed: the start-up checkpoint of the empty log, 3 and 525.
        assert "OK 3 checkpoints listed, 1 checked for consistency" in ran.stdout

    def test_go_client_refuses_a_forged_record(self, tlogclient, fresh_engine, keyring, tmp_path):
        binary = tlogclient
        _, app = _app(fresh_engine, keyring, tmp_path)
        with serve_app(app) as base:
            with Session(fresh_engine) as session:
                append_leaves(
                    session=session,
                    bodies=[canonical_leaf({"n": i}) for i in range(9)],
                    now=clock.now(),
                )
                make_checkpoint(session=session, signer=state_of(app).log_signer, now=clock.now())
                session.commit()
            forged = "A" * 43 + "="  # 32 zero bytes: the hash of no leaf
            ran = subprocess.run(
                [
                    str(binary),
                    "-log",
                    f"{base}/api/v1/public/log",
                    "-vkey",
                    f"{base}/api/v1/public/log-key",
                    "-record",
                    f"4:{forged}",
                ],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert ran.returncode == 1
        assert "OK tree hash from" in ran.stdout
        assert "FAIL: record 4" in ran.stderr
