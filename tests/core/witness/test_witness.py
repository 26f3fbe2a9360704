"""The witness's rules (C2SP tlog-witness add-checkpoint), in process, on its own state file."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.clock import clock
from core.witness.config import WitnessConfigError, add_log, load_config
from core.witness.errors import Inconsistent, Malformed, SizeMismatch, UnknownLog, Untrusted
from core.witness.protocol import add_checkpoint_body, parse_add_checkpoint, parse_size_response
from core.witness.service import Witness
from crypto.checkpoint import Checkpoint
from crypto.cosignature import open_cosigned_checkpoint, parse_cosignature
from crypto.log_signer import LogSigner
from crypto.merkle import EMPTY_ROOT
from tests.factories.witness import ORIGIN, MemoryLog, make_witness


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def witness(tmp_path, log) -> Witness:
    return make_witness(tmp_path / "w", log)


def _state(witness: Witness) -> bytes | None:
    path = witness.state.path
    return path.read_bytes() if path.exists() else None


def _cosigned_size(witness: Witness) -> int | None:
    last = witness.state.get(ORIGIN)
    return None if last is None else last.size


class TestCosigning:
    def test_first_checkpoint_from_zero(self, witness, log):
        log.grow(5)
        line = witness.add_checkpoint(log.request(0), now=clock.now())
        cosig = parse_cosignature(line)
        assert cosig.name == "witness.test/w1"
        assert cosig.timestamp == int(clock.now().timestamp())
        note = log.note() + line
        keys = [witness.cosigner.key()]
        assert open_cosigned_checkpoint(note, log.signer_key(), keys, 1).size == 5
        assert _cosigned_size(witness) == 5
        assert witness.latest(ORIGIN) == note

    def test_extends_with_a_consistency_proof(self, witness, log):
        log.grow(3)
        witness.add_checkpoint(log.request(0), now=clock.now())
        for n in (1, 4, 13):
            old = log.tree.size
            log.grow(n)
            witness.add_checkpoint(log.request(old), now=clock.now())
            assert _cosigned_size(witness) == log.tree.size

    def test_the_same_checkpoint_again_is_cosigned_again(self, witness, log):
        log.grow(4)
        witness.add_checkpoint(log.request(0), now=clock.now())
        witness.add_checkpoint(log.request(4), now=clock.now())
        assert _cosigned_size(witness) == 4

    def test_the_empty_tree(self, witness, log):
        witness.add_checkpoint(log.request(0), now=clock.now())
        assert _cosigned_size(witness) == 0
        log.grow(2)
        witness.add_checkpoint(log.request(0), now=clock.now())
        assert _cosigned_size(witness) == 2

    def test_state_survives_a_restart_and_is_private(self, tmp_path, witness, log):
        log.grow(3)
        witness.add_checkpoint(log.request(0), now=clock.now())
        again = Witness.open(tmp_path / "w")
        assert again.state.get(ORIGIN).size == 3
        assert witness.state.path.stat().st_mode & 0o777 == 0o600
        assert json.loads(witness.state.path.read_text())["logs"][ORIGIN]["size"] == 3


class TestRefusals:
    """Every refusal leaves the state file byte for byte as it was."""

    def _seeded(self, witness, log) -> bytes:
        log.grow(8)
        witness.add_checkpoint(log.request(0), now=clock.now())
        state = _state(witness)
        assert state is not None
        return state

    def test_stale_old_size_gets_the_current_size(self, witness, log):
        state = self._seeded(witness, log)
        log.grow(2)
        with pytest.raises(SizeMismatch) as caught:
            witness.add_checkpoint(log.request(5), now=clock.now())
        assert caught.value.size == 8
        assert _state(witness) == state

    def test_replaying_an_old_checkpoint_conflicts(self, witness, log):
        log.grow(3)
        witness.add_checkpoint(log.request(0), now=clock.now())
        log.grow(5)
        witness.add_checkpoint(log.request(3), now=clock.now())
        state = _state(witness)
        with pytest.raises(SizeMismatch) as caught:
            witness.add_checkpoint(log.request(0, 3), now=clock.now())
        assert caught.value.size == 8
        assert _state(witness) == state

    def test_a_fork_at_the_same_size_is_refused(self, witness, log):
        state = self._seeded(witness, log)
        forked = log.note(8, root=b"\x01" * 32)
        with pytest.raises(Inconsistent, match="different root"):
            witness.add_checkpoint(add_checkpoint_body(8, [], forked), now=clock.now())
        assert _state(witness) == state

    def test_a_fork_at_a_larger_size_is_refused(self, witness, log):
        state = self._seeded(witness, log)
        # A log with the same key and first 8 leaves, then others: the honest log's proof
        # from 8 does not lead to the fork's root.
        other = MemoryLog(signer=log.signer)
        other.grow(8)
        other.tree.append(b"\x02" * 32)
        log.grow(1)
        body = add_checkpoint_body(8, log.proof(8), other.note())
        with pytest.raises(Inconsistent, match="does not verify"):
            witness.add_checkpoint(body, now=clock.now())
        assert _state(witness) == state

    def test_a_bad_proof_is_refused(self, witness, log):
        state = self._seeded(witness, log)
        log.grow(3)
        proof = log.proof(8)
        proof[0] = bytes(32)
        with pytest.raises(Inconsistent):
            witness.add_checkpoint(add_checkpoint_body(8, proof, log.note()), now=clock.now())
        with pytest.raises(Inconsistent):
            witness.add_checkpoint(add_checkpoint_body(8, [], log.note()), now=clock.now())
        assert _state(witness) == state

    def test_a_proof_from_zero_must_be_empty(self, witness, log):
        log.grow(4)
        body = add_checkpoint_body(0, [bytes(32)], log.note())
        with pytest.raises(Inconsistent):
            witness.add_checkpoint(body, now=clock.now())
        assert _state(witness) is None

    def test_size_zero_must_have_the_empty_root(self, witness, log):
        note = log.note(0, root=b"\x03" * 32)
        with pytest.raises(Inconsistent, match="empty tree"):
            witness.add_checkpoint(add_checkpoint_body(0, [], note), now=clock.now())
        assert EMPTY_ROOT != b"\x03" * 32
        assert _state(witness) is None

    def test_old_size_above_the_checkpoint_is_malformed(self, witness, log):
        log.grow(2)
        with pytest.raises(Malformed, match="exceeds"):
            witness.add_checkpoint(add_checkpoint_body(3, [], log.note()), now=clock.now())

    def test_a_signature_by_another_key_is_untrusted(self, witness, log):
        state = self._seeded(witness, log)
        impostor = MemoryLog(
            signer=LogSigner(Ed25519PrivateKey.generate(), origin=ORIGIN, name=ORIGIN)
        )
        impostor.grow(9)
        with pytest.raises(Untrusted):
            witness.add_checkpoint(impostor.request(8), now=clock.now())
        assert _state(witness) == state

    def test_a_bad_signature_by_the_log_key_is_untrusted(self, witness, log):
        state = self._seeded(witness, log)
        log.grow(1)
        note = log.note()
        body, sig = note.split("\n\n")
        raw = bytearray(base64.b64decode(sig.split(" ")[2]))
        raw[-1] ^= 1
        bad = f"{body}\n\n\u2014 {ORIGIN} {base64.b64encode(bytes(raw)).decode()}\n"
        with pytest.raises(Untrusted, match="does not verify"):
            witness.add_checkpoint(add_checkpoint_body(8, log.proof(8), bad), now=clock.now())
        assert _state(witness) == state

    def test_an_unknown_origin(self, witness):
        stranger = LogSigner(Ed25519PrivateKey.generate(), origin="other.test/log", name="o")
        note = stranger.sign(Checkpoint(origin="other.test/log", size=0, root=EMPTY_ROOT))
        with pytest.raises(UnknownLog):
            witness.add_checkpoint(add_checkpoint_body(0, [], note), now=clock.now())
        assert _state(witness) is None


class TestParsing:
    def test_round_trip(self, log):
        log.grow(7)
        parsed = parse_add_checkpoint(log.request(3))
        assert parsed.old_size == 3
        assert list(parsed.proof) == log.proof(3)
        assert parsed.note == log.note()

    @pytest.mark.parametrize(
        "body",
        [
            b"",
            b"old 1\n",
            b"old 01\n\nx",
            b"old -1\n\nx",
            b"old  1\n\nx",
            b"new 1\n\nx",
            b"old 1\nnot base64!\n\nx",
            b"old 1\n" + base64.b64encode(bytes(31)) + b"\n\nx",
            b"old 1\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\nx",
            b"old 1\n\n\xff",
            b"old 18446744073709551616\n\nx",
        ],
    )
    def test_malformed_bodies(self, body):
        with pytest.raises(Malformed):
            parse_add_checkpoint(body)

    def test_a_malformed_note_is_malformed(self, witness):
        with pytest.raises(Malformed):
            witness.add_checkpoint(b"old 0\n\nnot a checkpoint\n", now=clock.now())

    def test_size_response(self):
        assert parse_size_response("12\n") == 12
        for bad in ("12", "012\n", "x\n", "1 2\n"):
            with pytest.raises(Malformed):
                parse_size_response(bad)


class TestConfig:
    def test_add_log_validates_and_persists(self, tmp_path, log):
        witness = make_witness(tmp_path / "w", log)
        config = load_config(tmp_path / "w")
        assert config.logs[ORIGIN].name == ORIGIN
        assert config.name == witness.cosigner.name
        with pytest.raises(WitnessConfigError):
            add_log(tmp_path / "w", origin=ORIGIN, vkey="not a key")

    def test_missing_config(self, tmp_path):
        with pytest.raises(WitnessConfigError, match="missing"):
            Witness.open(tmp_path / "nowhere")
