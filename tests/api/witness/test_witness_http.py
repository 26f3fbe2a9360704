"""The witness's HTTP interface: tlog-witness statuses, bodies and content types."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.witness.app import create_witness_app
from core.witness.protocol import add_checkpoint_body
from crypto.checkpoint import Checkpoint
from crypto.cosignature import parse_cosignature
from crypto.log_signer import LogSigner
from crypto.merkle import EMPTY_ROOT
from tests.factories.witness import ORIGIN, MemoryLog, make_witness


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def witness(tmp_path, log):
    return make_witness(tmp_path / "w", log)


@pytest.fixture
def client(witness):
    with TestClient(create_witness_app(witness)) as c:
        yield c


def _post(client, body: bytes):
    return client.post("/add-checkpoint", content=body)


class TestAddCheckpoint:
    def test_200_with_one_cosignature_line(self, client, log, witness):
        log.grow(3)
        r = _post(client, log.request(0))
        assert r.status_code == 200
        assert r.text.endswith("\n")
        assert r.text.count("\n") == 1
        assert parse_cosignature(r.text).key_id == witness.cosigner.key().key_id

    def test_409_with_the_size_as_text_x_tlog_size(self, client, log):
        log.grow(3)
        _post(client, log.request(0))
        log.grow(1)
        r = _post(client, log.request(1))
        assert r.status_code == 409
        assert r.headers["content-type"] == "text/x.tlog.size"
        assert r.text == "3\n"

    def test_422_fork(self, client, log):
        log.grow(3)
        _post(client, log.request(0))
        r = _post(client, add_checkpoint_body(3, [], log.note(3, root=bytes(32))))
        assert r.status_code == 422

    def test_403_bad_signature(self, client, log):
        log.grow(3)
        impostor = MemoryLog()
        impostor.grow(3)
        assert _post(client, impostor.request(0)).status_code == 403

    def test_404_unknown_origin_and_400_malformed(self, client):
        stranger = LogSigner(Ed25519PrivateKey.generate(), origin="other.test/log", name="o")
        note = stranger.sign(Checkpoint(origin="other.test/log", size=0, root=EMPTY_ROOT))
        assert _post(client, add_checkpoint_body(0, [], note)).status_code == 404
        assert _post(client, b"old 0\n\nnope\n").status_code == 400
        assert _post(client, b"old x\n\n").status_code == 400

    def test_413_too_large(self, client):
        assert _post(client, b"old 0\n" + b"A" * 70_000).status_code == 413

    def test_monitoring_read(self, client, log):
        path = f"/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
        assert client.get(path).status_code == 404
        log.grow(2)
        line = _post(client, log.request(0)).text
        r = client.get(path)
        assert r.status_code == 200
        assert r.text == log.note() + line
        assert client.get("/healthz").status_code == 200
