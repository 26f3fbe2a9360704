"""The log signer's key file: made once, kept private, refused in its own terms (no core)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from crypto.log_signer import LogKeyFileError, LogSigner

ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"


class TestLogSigner:
    def test_signs_notes_its_public_key_opens(self) -> None:
        signer = LogSigner(Ed25519PrivateKey.generate(), origin=ORIGIN, name=NAME)
        note = signer.sign(Checkpoint(origin=ORIGIN, size=3, root=bytes(32)))
        assert open_checkpoint(note, NAME, signer.public_key).size == 3

    def test_a_bad_origin_fails_when_made(self) -> None:
        with pytest.raises(CheckpointError):
            LogSigner(Ed25519PrivateKey.generate(), origin="two\nlines", name=NAME)


class TestKeyFile:
    def test_is_created_once_and_reused(self, tmp_path: Path) -> None:
        path = tmp_path / "key.json"
        first = LogSigner.load_or_create(path, origin=ORIGIN, name=NAME)
        again = LogSigner.load_or_create(path, origin=ORIGIN, name=NAME)
        assert again.verifier_key() == first.verifier_key()

    def test_faults_are_its_own_error_without_the_content(self, tmp_path: Path) -> None:
        path = tmp_path / "key.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b'{"version": 1, "ed25519_private": "c2VjcmV0"}')
        os.close(fd)
        with pytest.raises(LogKeyFileError) as info:
            LogSigner.load_or_create(path, origin=ORIGIN, name=NAME)
        assert "c2VjcmV0" not in str(info.value)

    def test_another_origin_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "key.json"
        LogSigner.load_or_create(path, origin=ORIGIN, name=NAME)
        with pytest.raises(LogKeyFileError, match="another origin"):
            LogSigner.load_or_create(path, origin="other.example/log", name=NAME)
