"""Signed checkpoints (C2SP tlog-checkpoint / signed-note) and offline receipt verification."""

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
    open_note,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    verifier_key,
)
from crypto.merkle import MemoryTree, ProofError, inclusion_proof, leaf_hash
from crypto.receipt import ReceiptError, build_receipt, verify_receipt

NAME = "credence.example/querylog"
ORIGIN = "credence.example/querylog"
EM_DASH = "\u2014"

# The example key pair and note from the signed-note reference implementation's
# documentation (golang.org/x/mod/sumdb/note); Ed25519 is deterministic, so signing
# the same text with the same key must reproduce the published note byte for byte.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n" + EM_DASH + " PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def _go_private_key() -> Ed25519PrivateKey:
    raw = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert raw[0] == 1
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"credence test key").digest())


@pytest.fixture(scope="module")
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another key").digest())


@pytest.fixture(scope="module")
def checkpoint() -> Checkpoint:
    return Checkpoint(origin=ORIGIN, size=21, root=hashlib.sha256(b"root").digest())


@pytest.fixture(scope="module")
def note(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> str:
    return sign_checkpoint(checkpoint, NAME, key)


def _open(note_text: str, key: Ed25519PrivateKey) -> Checkpoint:
    return open_checkpoint(note_text, NAME, key.public_key())


def _replace_body_line(note_text: str, line_no: int, new: str) -> str:
    lines = note_text.split("\n")
    lines[line_no] = new
    return "\n".join(lines)


class TestKeyIds:
    def test_key_id_is_the_c2sp_derivation(self, key: Ed25519PrivateKey) -> None:
        pub = key.public_key().public_bytes_raw()
        expected = hashlib.sha256(NAME.encode() + b"\n" + b"\x01" + pub).digest()[:4]
        assert key_id(NAME, key.public_key()) == expected

    def test_reference_verifier_key_parses(self) -> None:
        parsed = parse_verifier_key(GO_VKEY)
        assert parsed.name == "PeterNeumann"
        assert parsed.key_id.hex() == "c74f20a3"
        assert verifier_key(parsed.name, parsed.public_key) == GO_VKEY
        assert str(parsed) == GO_VKEY

    def test_reference_private_key_gives_the_reference_verifier_key(self) -> None:
        assert verifier_key("PeterNeumann", _go_private_key().public_key()) == GO_VKEY

    def test_verifier_key_round_trip(self, key: Ed25519PrivateKey) -> None:
        vkey = verifier_key(NAME, key.public_key())
        name, hex_id, encoded = vkey.split("+", 2)
        assert name == NAME
        assert hex_id == key_id(NAME, key.public_key()).hex()
        assert base64.b64decode(encoded) == b"\x01" + key.public_key().public_bytes_raw()
        assert parse_verifier_key(vkey).key_id == key_id(NAME, key.public_key())

    def test_every_truncation_or_altered_byte_is_refused(self) -> None:
        for i in range(len(GO_VKEY)):
            for j in range(i + 1, len(GO_VKEY) + 1):
                if (i, j) != (0, len(GO_VKEY)):
                    with pytest.raises(CheckpointError):
                        parse_verifier_key(GO_VKEY[i:j])
        for i in range(len(GO_VKEY)):
            altered = GO_VKEY[:i] + chr(ord(GO_VKEY[i]) + 1) + GO_VKEY[i + 1 :]
            with pytest.raises(CheckpointError):
                parse_verifier_key(altered)

    @pytest.mark.parametrize(
        "vkey",
        [
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+AhRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a3+!!!!",
        ],
        ids=["upper-case-id", "space-in-name", "wrong-type-byte", "no-key", "not-base64"],
    )
    def test_malformed_verifier_keys_are_refused(self, vkey: str) -> None:
        with pytest.raises(CheckpointError):
            parse_verifier_key(vkey)

    @pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
    def test_invalid_key_names_are_refused(self, name: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="key name"):
            verifier_key(name, key.public_key())


class TestSignedNotes:
    def test_reference_note_opens(self) -> None:
        parsed = parse_verifier_key(GO_VKEY)
        assert open_note(GO_NOTE, parsed.name, parsed.public_key) == GO_TEXT

    def test_signing_reproduces_the_reference_note(self) -> None:
        assert sign_note(GO_TEXT, "PeterNeumann", _go_private_key()) == GO_NOTE

    def test_signatures_by_other_keys_are_ignored(
        self, note: str, other_key: Ed25519PrivateKey, key: Ed25519PrivateKey
    ) -> None:
        body = note[: note.index("\n\n") + 1]
        witness = sign_note(body, "witness.example", other_key)
        cosigned = note + witness[witness.index(EM_DASH) :]
        assert open_note(cosigned, NAME, key.public_key()) == body
        assert open_note(cosigned, "witness.example", other_key.public_key()) == body

    def test_a_repeated_signature_is_refused(self, note: str, key: Ed25519PrivateKey) -> None:
        signature_line = note[note.index(EM_DASH) :]
        with pytest.raises(CheckpointError, match="more than one signature"):
            open_note(note + signature_line, NAME, key.public_key())

    def test_more_than_100_signatures_are_refused(self, note: str, key: Ed25519PrivateKey) -> None:
        # Well-formed lines from an unknown key: ignored, but they still count.
        filler = f"{EM_DASH} other {base64.b64encode(bytes(68)).decode()}\n"
        assert open_note(note + filler * 99, NAME, key.public_key())
        with pytest.raises(CheckpointError, match="more than 100"):
            open_note(note + filler * 100, NAME, key.public_key())

    def test_malformed_foreign_signature_lines_are_refused(
        self, note: str, key: Ed25519PrivateKey
    ) -> None:
        for blob in ["AAAA", "not base64", base64.b64encode(bytes(4)).decode()]:
            with pytest.raises(CheckpointError):
                open_note(f"{note}{EM_DASH} other {blob}\n", NAME, key.public_key())


class TestCheckpointRoundTrip:
    def test_body_is_the_tlog_checkpoint_format(self, checkpoint: Checkpoint) -> None:
        root64 = base64.b64encode(checkpoint.root).decode()
        assert checkpoint.body() == f"{ORIGIN}\n21\n{root64}\n"

    def test_note_is_body_blank_line_and_signature(
        self, note: str, checkpoint: Checkpoint, key: Ed25519PrivateKey
    ) -> None:
        body, signatures = note.split("\n\n")
        assert body + "\n" == checkpoint.body()
        prefix = f"{EM_DASH} {NAME} "
        assert signatures.startswith(prefix)
        assert signatures.endswith("\n")
        raw = base64.b64decode(signatures[len(prefix) : -1])
        assert raw[:4] == key_id(NAME, key.public_key())
        key.public_key().verify(raw[4:], checkpoint.body().encode())

    def test_sign_then_open(
        self, note: str, checkpoint: Checkpoint, key: Ed25519PrivateKey
    ) -> None:
        assert _open(note, key) == checkpoint

    def test_extension_lines_round_trip(self, key: Ed25519PrivateKey) -> None:
        cp = Checkpoint(ORIGIN, 0, bytes(32), extra=("time 1732355000", "— not a signature"))
        assert _open(sign_checkpoint(cp, NAME, key), key) == cp

    def test_origin_can_be_required(self, note: str, key: Ed25519PrivateKey) -> None:
        assert open_checkpoint(note, NAME, key.public_key(), origin=ORIGIN).size == 21
        with pytest.raises(CheckpointError, match="origin"):
            open_checkpoint(note, NAME, key.public_key(), origin="elsewhere.example/log")

    def test_largest_tree_size(self, key: Ed25519PrivateKey) -> None:
        cp = Checkpoint(ORIGIN, 2**64 - 1, bytes(32))
        assert _open(sign_checkpoint(cp, NAME, key), key).size == 2**64 - 1

    @pytest.mark.parametrize(
        ("origin", "size", "root", "extra"),
        [
            ("", 1, bytes(32), ()),
            ("a\nb", 1, bytes(32), ()),
            (ORIGIN, -1, bytes(32), ()),
            (ORIGIN, 2**64, bytes(32), ()),
            (ORIGIN, 1, bytes(31), ()),
            (ORIGIN, 1, bytes(32), ("",)),
            (ORIGIN, 1, bytes(32), ("bell\a",)),
        ],
        ids=["empty-origin", "newline", "negative", "too-large", "short-root", "blank", "ctrl"],
    )
    def test_invalid_checkpoints_cannot_be_built(
        self, origin: str, size: int, root: bytes, extra: tuple[str, ...]
    ) -> None:
        with pytest.raises(CheckpointError):
            Checkpoint(origin, size, root, extra)


class TestTampering:
    def test_tampered_size_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="does not verify"):
            _open(_replace_body_line(note, 1, "22"), key)

    def test_tampered_root_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        other_root = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        with pytest.raises(CheckpointError, match="does not verify"):
            _open(_replace_body_line(note, 2, other_root), key)

    def test_tampered_origin_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="does not verify"):
            _open(_replace_body_line(note, 0, "evil.example/querylog"), key)

    def test_added_extension_line_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        body, signatures = note.split("\n\n")
        with pytest.raises(CheckpointError, match="does not verify"):
            _open(body + "\nextra\n\n" + signatures, key)

    def test_every_altered_signature_character_fails(
        self, note: str, key: Ed25519PrivateKey
    ) -> None:
        start = note.rindex(" ") + 1
        for i in range(start, len(note) - 1):
            replacement = "A" if note[i] != "A" else "B"
            with pytest.raises(CheckpointError):
                _open(note[:i] + replacement + note[i + 1 :], key)

    def test_a_different_key_fails(self, note: str, other_key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="no signature from key"):
            _open(note, other_key)

    def test_a_different_key_under_the_same_name_and_id_fails(
        self, checkpoint: Checkpoint, key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
    ) -> None:
        forged = sign_checkpoint(checkpoint, NAME, other_key)
        prefix = f"{EM_DASH} {NAME} "
        line_start = forged.index(prefix) + len(prefix)
        raw = base64.b64decode(forged[line_start:-1])
        # Keep the forger's signature but claim the real key's id.
        relabelled = key_id(NAME, key.public_key()) + raw[4:]
        forged = forged[:line_start] + base64.b64encode(relabelled).decode() + "\n"
        with pytest.raises(CheckpointError, match="does not verify"):
            _open(forged, key)

    def test_a_different_name_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="no signature from key"):
            open_checkpoint(note, "someone.else", key.public_key())


class TestStrictParsing:
    def test_missing_blank_line_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="no blank line"):
            _open(note.replace("\n\n", "\n"), key)

    def test_trailing_garbage_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="newline"):
            _open(note + "garbage", key)
        with pytest.raises(CheckpointError, match="em dash"):
            _open(note + "garbage\n", key)
        with pytest.raises(CheckpointError):
            _open(note + "\n", key)

    @pytest.mark.parametrize("dash", ["-", "--", "\u2013", "\u2015", "\u2014\u2014"])
    def test_wrong_dash_fails(self, note: str, key: Ed25519PrivateKey, dash: str) -> None:
        with pytest.raises(CheckpointError, match="em dash"):
            _open(note.replace(EM_DASH, dash), key)

    def test_missing_space_after_dash_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="em dash"):
            _open(note.replace(EM_DASH + " ", EM_DASH), key)

    def test_extra_field_in_signature_line_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="signature line"):
            _open(note[:-1] + " extra\n", key)

    def test_missing_final_newline_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="newline"):
            _open(note[:-1], key)

    def test_carriage_returns_fail(self, note: str, key: Ed25519PrivateKey) -> None:
        with pytest.raises(CheckpointError, match="control character"):
            _open(note.replace("\n", "\r\n"), key)

    def test_no_signatures_fails(self, note: str, key: Ed25519PrivateKey) -> None:
        body = note[: note.index("\n\n") + 2]
        with pytest.raises(CheckpointError):
            _open(body, key)

    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            ([ORIGIN, "021", "ROOT"], "canonical decimal"),
            ([ORIGIN, "+21", "ROOT"], "canonical decimal"),
            ([ORIGIN, " 21", "ROOT"], "canonical decimal"),
            ([ORIGIN, "2_1", "ROOT"], "canonical decimal"),
            ([ORIGIN, "\u0662\u0661", "ROOT"], "canonical decimal"),
            ([ORIGIN, str(2**64), "ROOT"], "64 bits"),
            ([ORIGIN, "21", "UNPADDED"], "base64"),
            ([ORIGIN, "21", base64.b64encode(bytes(31)).decode()], "32 bytes"),
            ([ORIGIN, "21", base64.urlsafe_b64encode(b"\xff" * 32).decode()], "base64"),
            ([ORIGIN, "21"], "origin, size and root"),
            (["", "21", "ROOT"], "origin line is empty"),
            ([ORIGIN, "21", "ROOT", ""], "extension line 0 is empty"),
        ],
        ids=[
            "leading-zero",
            "plus-sign",
            "space",
            "underscore",
            "arabic-digits",
            "too-large",
            "unpadded-root",
            "short-root",
            "url-safe-root",
            "no-root",
            "empty-origin",
            "blank-extension",
        ],
    )
    def test_malformed_bodies_fail_even_when_signed(
        self, key: Ed25519PrivateKey, lines: list[str], message: str
    ) -> None:
        root64 = base64.b64encode(hashlib.sha256(b"root").digest()).decode()
        placeholders = {"ROOT": root64, "UNPADDED": root64.rstrip("=")}
        body = "".join(placeholders.get(line, line) + "\n" for line in lines)
        # Sign the raw text directly: a valid signature must not excuse a bad body.
        signed = _sign_raw(body, key)
        with pytest.raises(CheckpointError, match=message):
            _open(signed, key)

    def test_non_canonical_base64_root_fails(self, key: Ed25519PrivateKey) -> None:
        canonical = base64.b64encode(bytes(32)).decode()
        assert canonical.endswith("A=")
        sloppy = canonical[:-2] + "B="  # same bytes to a lenient decoder
        assert base64.b64decode(sloppy) == bytes(32)
        with pytest.raises(CheckpointError, match="canonical"):
            _open(_sign_raw(f"{ORIGIN}\n1\n{sloppy}\n", key), key)


def _sign_raw(body: str, key: Ed25519PrivateKey) -> str:
    signature = key.sign(body.encode())
    blob = base64.b64encode(key_id(NAME, key.public_key()) + signature).decode()
    return f"{body}\n{EM_DASH} {NAME} {blob}\n"


@pytest.fixture(scope="module")
def log() -> MemoryTree:
    return MemoryTree(leaf_hash(f"query {i}".encode()) for i in range(21))


@pytest.fixture(scope="module")
def signed(log: MemoryTree, key: Ed25519PrivateKey) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, log.size, log.root()), NAME, key)


@pytest.fixture(scope="module")
def vkey(key: Ed25519PrivateKey) -> str:
    return verifier_key(NAME, key.public_key())


class TestReceipts:
    def _receipt(self, log: MemoryTree, signed: str, index: int) -> dict[str, object]:
        proof = inclusion_proof(index, log.size, log)
        return build_receipt(index, log.leaf(index), log.size, proof, signed)

    def test_every_receipt_verifies_after_a_json_round_trip(
        self, log: MemoryTree, signed: str, vkey: str
    ) -> None:
        for index in range(log.size):
            receipt = json.loads(json.dumps(self._receipt(log, signed, index)))
            checkpoint = verify_receipt(receipt, vkey)
            assert checkpoint.size == log.size
            assert checkpoint.root == log.root()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("index", 6),
            ("leaf_hash", base64.b64encode(leaf_hash(b"query 6")).decode()),
            ("tree_size", 20),
        ],
    )
    def test_tampered_fields_fail(
        self, log: MemoryTree, signed: str, vkey: str, field: str, value: object
    ) -> None:
        receipt = self._receipt(log, signed, 5)
        receipt[field] = value
        with pytest.raises(ProofError):
            verify_receipt(receipt, vkey)

    def test_tampered_proof_hash_fails(self, log: MemoryTree, signed: str, vkey: str) -> None:
        receipt = self._receipt(log, signed, 5)
        proof = receipt["inclusion_proof"]
        assert isinstance(proof, list)
        for i in range(len(proof)):
            raw = bytearray(base64.b64decode(proof[i]))
            raw[0] ^= 1
            bad = [*proof[:i], base64.b64encode(bytes(raw)).decode(), *proof[i + 1 :]]
            with pytest.raises(ProofError, match="does not match"):
                verify_receipt({**receipt, "inclusion_proof": bad}, vkey)

    def test_tampered_checkpoint_fails(self, log: MemoryTree, signed: str, vkey: str) -> None:
        receipt = self._receipt(log, signed, 5)
        receipt["checkpoint"] = _replace_body_line(signed, 1, "22")
        receipt["tree_size"] = 22
        with pytest.raises(CheckpointError, match="does not verify"):
            verify_receipt(receipt, vkey)

    def test_a_checkpoint_for_another_tree_fails(
        self, log: MemoryTree, key: Ed25519PrivateKey, signed: str, vkey: str
    ) -> None:
        # Honestly signed, but for a different tree than the proof was made against.
        other = sign_checkpoint(Checkpoint(ORIGIN, log.size, log.root(20)), NAME, key)
        receipt = {**self._receipt(log, signed, 5), "checkpoint": other}
        with pytest.raises(ProofError, match="does not match"):
            verify_receipt(receipt, vkey)

    def test_another_verifier_key_fails(
        self, log: MemoryTree, signed: str, other_key: Ed25519PrivateKey
    ) -> None:
        receipt = self._receipt(log, signed, 5)
        with pytest.raises(CheckpointError, match="no signature from key"):
            verify_receipt(receipt, verifier_key(NAME, other_key.public_key()))

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("index", None, "'index' field"),
            ("index", True, "integer"),
            ("index", "5", "integer"),
            ("tree_size", 21.0, "integer"),
            ("leaf_hash", "not base64!", "base64"),
            ("leaf_hash", 5, "base64 string"),
            ("inclusion_proof", "abc", "must be a list"),
            ("inclusion_proof", [7], "base64 string"),
            ("checkpoint", b"bytes", "signed note text"),
        ],
    )
    def test_malformed_receipts_fail(
        self, log: MemoryTree, signed: str, vkey: str, field: str, value: object, message: str
    ) -> None:
        receipt = self._receipt(log, signed, 5)
        if value is None:
            del receipt[field]
        else:
            receipt[field] = value
        with pytest.raises(ReceiptError, match=message):
            verify_receipt(receipt, vkey)

    def test_malformed_verifier_key_fails(self, log: MemoryTree, signed: str) -> None:
        with pytest.raises(CheckpointError):
            verify_receipt(self._receipt(log, signed, 5), "not a key")
