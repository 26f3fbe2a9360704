"""The witnesses' keys and the quorum are public; with none, the checkpoint is unchanged."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from core.runtime import Runtime
from core.settings import Settings, WitnessSetting
from crypto.cosignature import cosigner_vkey


class TestWitnessesEndpoint:
    def test_none_by_default(self, client):
        r = client.get("/api/v1/public/witnesses")
        assert r.status_code == 200
        assert r.json() == {"quorum": 0, "witnesses": []}

    def test_configured_witnesses_and_quorum(self, runtime, tmp_path):
        vkeys = [
            cosigner_vkey(f"w.test/{i}", Ed25519PrivateKey.generate().public_key()) for i in (1, 2)
        ]
        settings = Settings(
            data_dir=tmp_path,
            maintenance_every_seconds=0,
            witnesses=[
                WitnessSetting(url=f"http://127.0.0.1:1/{i}", vkey=v) for i, v in enumerate(vkeys)
            ],
            witness_quorum=2,
        )
        rt = Runtime(settings=settings, engine=runtime.engine, keyring=runtime.keyring)
        with TestClient(create_app(runtime=rt)) as c:
            body = c.get("/api/v1/public/witnesses").json()
        assert body == {"quorum": 2, "witnesses": vkeys}
