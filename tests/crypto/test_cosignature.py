"""Witness cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1) and quorum checks."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    key_id,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
)
from crypto.cosignature import (
    CosignatureError,
    cosign,
    cosigned_by,
    cosigner_key_id,
    cosigner_vkey,
    open_cosigned_checkpoint,
    parse_cosignature,
    parse_cosigner_key,
    signed_message,
    verify_cosignature,
    with_cosignatures,
)
from crypto.cosigner import Cosigner, CosignerKeyFileError
from crypto.merkle import MemoryTree, inclusion_proof, leaf_hash
from crypto.receipt import build_receipt, verify_receipt

ORIGIN = "credence.example/query-log"
EM_DASH = "\u2014"
TS = 1_780_000_000


def _log() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    return private, verifier_key(ORIGIN, private.public_key())


def _note(private: Ed25519PrivateKey, size: int = 3, root: bytes = b"\x07" * 32) -> str:
    return sign_checkpoint(Checkpoint(origin=ORIGIN, size=size, root=root), ORIGIN, private)


def _body(note: str) -> str:
    return note[: note.index("\n\n") + 1]


class TestKeyIdAndVkey:
    def test_key_id_uses_the_cosignature_algorithm_byte(self):
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes_raw()
        expected = hashlib.sha256(b"w.example/1\n\x04" + raw).digest()[:4]
        assert cosigner_key_id("w.example/1", private.public_key()) == expected
        # Not the log's algorithm byte: the same key signs under another id as a log.
        assert expected != key_id("w.example/1", private.public_key())

    def test_vkey_round_trips(self):
        private = Ed25519PrivateKey.generate()
        vkey = cosigner_vkey("w.example/1", private.public_key())
        key = parse_cosigner_key(vkey)
        assert key.name == "w.example/1"
        assert str(key) == vkey
        assert base64.b64decode(vkey.split("+", 2)[2])[:1] == b"\x04"

    def test_a_log_vkey_is_not_a_cosigner_key(self):
        _, log_vkey = _log()
        with pytest.raises(CosignatureError, match="cosignature/v1"):
            parse_cosigner_key(log_vkey)

    def test_a_cosigner_vkey_is_not_a_log_key(self):
        vkey = cosigner_vkey("w.example/1", Ed25519PrivateKey.generate().public_key())
        with pytest.raises(CheckpointError):
            parse_verifier_key(vkey)

    @pytest.mark.parametrize(
        "mangle",
        [
            lambda v: v.replace("+", "-", 1),
            lambda v: v.split("+")[0] + "+00000000+" + v.split("+", 2)[2],
            lambda v: v[:-1],
            lambda v: "bad name+" + v.split("+", 1)[1],
        ],
    )
    def test_malformed_vkeys_are_refused(self, mangle):
        vkey = cosigner_vkey("w.example/1", Ed25519PrivateKey.generate().public_key())
        with pytest.raises(CosignatureError):
            parse_cosigner_key(mangle(vkey))


class TestSignAndVerify:
    def test_the_signed_message_is_header_time_and_body(self):
        private, _ = _log()
        body = _body(_note(private))
        assert signed_message(body, TS) == f"cosignature/v1\ntime {TS}\n{body}".encode()

    def test_a_cosignature_verifies_and_carries_its_timestamp(self):
        log_private, _ = _log()
        body = _body(_note(log_private))
        witness = Ed25519PrivateKey.generate()
        line = cosign(body, "w.example/1", witness, timestamp=TS)
        assert line.startswith(f"{EM_DASH} w.example/1 ")
        assert line.endswith("\n")
        raw = base64.b64decode(line.split(" ")[2])
        assert len(raw) == 4 + 8 + 64
        assert int.from_bytes(raw[4:12], "big") == TS
        key = parse_cosigner_key(cosigner_vkey("w.example/1", witness.public_key()))
        assert verify_cosignature(body, line, key) == TS
        # The signature is Ed25519 over exactly the cosignature/v1 message.
        witness.public_key().verify(raw[12:], signed_message(body, TS))

    def test_another_body_or_time_does_not_verify(self):
        log_private, _ = _log()
        body = _body(_note(log_private))
        other = _body(_note(log_private, size=4))
        witness = Ed25519PrivateKey.generate()
        key = parse_cosigner_key(cosigner_vkey("w.example/1", witness.public_key()))
        line = cosign(body, "w.example/1", witness, timestamp=TS)
        with pytest.raises(CosignatureError, match="does not verify"):
            verify_cosignature(other, line, key)
        cosig = parse_cosignature(line)
        shifted = type(cosig)(cosig.name, cosig.key_id, TS + 1, cosig.signature).line()
        with pytest.raises(CosignatureError, match="does not verify"):
            verify_cosignature(body, shifted, key)

    def test_a_wrong_key_is_refused(self):
        log_private, _ = _log()
        body = _body(_note(log_private))
        line = cosign(body, "w.example/1", Ed25519PrivateKey.generate(), timestamp=TS)
        other = parse_cosigner_key(
            cosigner_vkey("w.example/1", Ed25519PrivateKey.generate().public_key())
        )
        with pytest.raises(CosignatureError, match="is not by witness"):
            verify_cosignature(body, line, other)

    def test_a_log_signature_is_not_a_cosignature(self):
        # Same key, signed-note algorithm 0x01: the key id and the length differ.
        private, _ = _log()
        note = _note(private)
        log_line = note[note.index("\n\n") + 2 :]
        with pytest.raises(CosignatureError):
            parse_cosignature(log_line)

    @pytest.mark.parametrize("timestamp", [0, -1, 1 << 63, True])
    def test_timestamps_out_of_range_are_refused(self, timestamp):
        log_private, _ = _log()
        with pytest.raises(CosignatureError, match="timestamp"):
            cosign(
                _body(_note(log_private)), "w", Ed25519PrivateKey.generate(), timestamp=timestamp
            )

    def test_a_zero_timestamp_on_the_wire_is_refused(self):
        raw = b"\x01\x02\x03\x04" + bytes(8) + bytes(64)
        with pytest.raises(CosignatureError, match="timestamp"):
            parse_cosignature(f"{EM_DASH} w {base64.b64encode(raw).decode()}\n")

    @pytest.mark.parametrize(
        "line",
        [
            "- w AAAA\n",
            f"{EM_DASH} w\n",
            f"{EM_DASH} w a b\n",
            f"{EM_DASH} w {base64.b64encode(bytes(75)).decode()}\n",
            f"{EM_DASH} w {base64.b64encode(bytes(77)).decode()}\n",
            f"{EM_DASH} w {base64.b64encode(bytes(76)).decode().rstrip('=')}\n",
            f"{EM_DASH} w x\n{EM_DASH} w y\n",
        ],
    )
    def test_strict_parse(self, line):
        with pytest.raises(CosignatureError):
            parse_cosignature(line)

    def test_a_body_that_is_not_a_checkpoint_is_not_cosigned(self):
        with pytest.raises(CheckpointError):
            cosign("just text\n", "w", Ed25519PrivateKey.generate(), timestamp=TS)


def _witnesses(n: int) -> list[tuple[Ed25519PrivateKey, str]]:
    out = []
    for i in range(n):
        private = Ed25519PrivateKey.generate()
        out.append((private, cosigner_vkey(f"w.example/{i}", private.public_key())))
    return out


def _cosigned(log_private: Ed25519PrivateKey, witnesses, size: int = 3, root=b"\x07" * 32):
    note = _note(log_private, size=size, root=root)
    lines = [
        cosign(_body(note), f"w.example/{i}", w, timestamp=TS + i)
        for i, (w, _) in enumerate(witnesses)
    ]
    return with_cosignatures(note, lines)


class TestQuorum:
    def test_quorum_met(self):
        log_private, log_vkey = _log()
        ws = _witnesses(3)
        note = _cosigned(log_private, ws[:2])
        keys = [parse_cosigner_key(v) for _, v in ws]
        cp = open_cosigned_checkpoint(note, parse_verifier_key(log_vkey), keys, 2)
        assert cp.size == 3
        assert set(cosigned_by(note, keys)) == {keys[0].key_id, keys[1].key_id}

    def test_quorum_short(self):
        log_private, log_vkey = _log()
        ws = _witnesses(3)
        note = _cosigned(log_private, ws[:1])
        keys = [parse_cosigner_key(v) for _, v in ws]
        with pytest.raises(CosignatureError, match="1 valid witness cosignatures, quorum is 2"):
            open_cosigned_checkpoint(note, parse_verifier_key(log_vkey), keys, 2)

    def test_unknown_witnesses_do_not_count(self):
        log_private, log_vkey = _log()
        note = _cosigned(log_private, _witnesses(2))
        keys = [parse_cosigner_key(v) for _, v in _witnesses(2)]
        with pytest.raises(CosignatureError, match="quorum"):
            open_cosigned_checkpoint(note, parse_verifier_key(log_vkey), keys, 1)

    def test_one_witness_twice_counts_once_and_is_refused(self):
        log_private, log_vkey = _log()
        ((w, vkey),) = _witnesses(1)
        note = _note(log_private)
        twice = with_cosignatures(
            note,
            [cosign(_body(note), "w.example/0", w, timestamp=t) for t in (TS, TS + 1)],
        )
        with pytest.raises(CosignatureError, match="more than one"):
            open_cosigned_checkpoint(
                twice, parse_verifier_key(log_vkey), [parse_cosigner_key(vkey)], 1
            )

    def test_a_bad_cosignature_by_a_trusted_witness_rejects_the_note(self):
        log_private, log_vkey = _log()
        ws = _witnesses(2)
        note = _note(log_private)
        other = _note(log_private, size=4)
        lines = [
            cosign(_body(note), "w.example/0", ws[0][0], timestamp=TS),
            cosign(_body(other), "w.example/1", ws[1][0], timestamp=TS),  # over another tree
        ]
        keys = [parse_cosigner_key(v) for _, v in ws]
        with pytest.raises(CosignatureError, match="does not verify"):
            open_cosigned_checkpoint(
                with_cosignatures(note, lines), parse_verifier_key(log_vkey), keys, 1
            )

    def test_the_log_signature_is_still_required(self):
        log_private, _ = _log()
        _, other_vkey = _log()
        ws = _witnesses(1)
        note = _cosigned(log_private, ws)
        with pytest.raises(CheckpointError, match="no signature"):
            open_cosigned_checkpoint(
                note, parse_verifier_key(other_vkey), [parse_cosigner_key(ws[0][1])], 1
            )

    def test_a_quorum_above_the_witnesses_given_is_refused(self):
        log_private, log_vkey = _log()
        with pytest.raises(CosignatureError, match="exceeds"):
            open_cosigned_checkpoint(_note(log_private), parse_verifier_key(log_vkey), [], 1)

    def test_open_checkpoint_ignores_cosignatures(self):
        log_private, log_vkey = _log()
        note = _cosigned(log_private, _witnesses(2))
        key = parse_verifier_key(log_vkey)
        assert open_checkpoint(note, key.name, key.public_key).size == 3

    def test_receipt_with_quorum(self):
        log_private, log_vkey = _log()
        tree = MemoryTree(leaf_hash(bytes([i])) for i in range(5))
        ws = _witnesses(2)
        note = _cosigned(log_private, ws, size=5, root=tree.root())
        receipt = build_receipt(2, tree.leaf(2), 5, inclusion_proof(2, 5, tree), note)
        receipt = json.loads(json.dumps(receipt))
        vkeys = [v for _, v in ws]
        assert verify_receipt(receipt, log_vkey, witnesses=vkeys, quorum=2).size == 5
        assert verify_receipt(receipt, log_vkey).size == 5
        bare = {**receipt, "checkpoint": _note(log_private, size=5, root=tree.root())}
        with pytest.raises(CosignatureError, match="quorum"):
            verify_receipt(bare, log_vkey, witnesses=vkeys, quorum=1)


class TestCosignerKeyFile:
    def test_created_once_private_and_reloaded(self, tmp_path):
        path = tmp_path / "w" / "witness-key.json"
        first = Cosigner.load_or_create(path, name="w.example/1")
        assert path.stat().st_mode & 0o777 == 0o600
        again = Cosigner.load_or_create(path, name="w.example/1")
        assert again.vkey() == first.vkey()
        assert "ed25519_private" not in repr(first)

    def test_another_name_is_refused(self, tmp_path):
        path = tmp_path / "witness-key.json"
        Cosigner.load_or_create(path, name="w.example/1")
        with pytest.raises(CosignerKeyFileError, match="another name"):
            Cosigner.load_or_create(path, name="w.example/2")

    def test_a_readable_file_is_refused(self, tmp_path):
        path = tmp_path / "witness-key.json"
        Cosigner.load_or_create(path, name="w.example/1")
        path.chmod(0o644)
        with pytest.raises(CosignerKeyFileError, match="chmod 600"):
            Cosigner.load(path)
