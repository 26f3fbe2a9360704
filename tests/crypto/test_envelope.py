"""Envelope encryption: field sealing, tamper detection, AAD binding and key wrapping."""

from __future__ import annotations

import base64
import os
import struct
import threading
import uuid
from pathlib import Path

import pytest

from crypto.envelope import (
    FORMAT_V1,
    FORMAT_WRAP,
    SCHEMA_VERSION,
    DataKey,
    FieldContext,
    key_id_of,
    open_field,
    rewrap,
    seal,
    unwrap,
    wrap,
    wrapped_version,
)
from crypto.keys import (
    EnvKeyProvider,
    KeyProviderError,
    LocalFileKeyProvider,
    encode_env_keys,
    open_with,
)
from crypto.suites import AES, NONCE_LEN, SM4, TAG_LEN, DecryptionError, Suite

HEADER_LEN = 2 + 16
WRAP_HEADER_LEN = 2 + 4

CTX = FieldContext(table="entry", column="note", row_key="row-1")


@pytest.fixture(params=[AES, SM4], ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def data_key(suite: Suite) -> DataKey:
    return DataKey.generate(suite)


@pytest.fixture
def masters() -> dict[int, bytes]:
    return {1: os.urandom(32), 2: os.urandom(32)}


@pytest.fixture
def provider(masters: dict[int, bytes]) -> EnvKeyProvider:
    return EnvKeyProvider(encode_env_keys(masters))


@pytest.fixture
def file_provider(tmp_path: Path) -> LocalFileKeyProvider:
    made = LocalFileKeyProvider(tmp_path / "keys" / "master.json", create=True)
    made.create(2)
    return made


def _other_suite(suite: Suite) -> Suite:
    return SM4 if suite is AES else AES


def _flip(blob: bytes, position: int, bit: int) -> bytes:
    out = bytearray(blob)
    out[position] ^= 1 << bit
    return bytes(out)


def _with_version(blob: bytes, version: int) -> bytes:
    return blob[:2] + version.to_bytes(4, "big") + blob[WRAP_HEADER_LEN:]


def _wrap_aad(header: bytes, key_id: uuid.UUID) -> bytes:
    # The associated data of a format-2 wrapped key, as stored databases hold it.
    return header + b"data_key" + key_id.bytes


def _format_1_wrap(key: DataKey, master: bytes, version: int) -> bytes:
    """A wrapped key as releases before format 2 wrote it (a key derived from the master)."""
    header = struct.pack(">BBI", 1, key.suite.code, version)
    wrapping_key = key.suite.derive(master, b"credence/wrap/v1", key.suite.key_len)
    nonce, body = key.suite.seal(wrapping_key, key.material, _wrap_aad(header, key.id))
    return header + nonce + body


class RecordingProvider:
    """A KeyProvider that passes every call on to another and records what it was asked."""

    name = "recording"

    def __init__(self, inner: EnvKeyProvider) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int, bytes]] = []

    def versions(self) -> list[int]:
        return self.inner.versions()

    def create(self, version: int) -> None:
        self.inner.create(version)

    def destroy(self, version: int) -> None:
        self.inner.destroy(version)

    def wrap(self, version: int, secret: bytes, aad: bytes) -> bytes:
        self.calls.append(("wrap", version, aad))
        return self.inner.wrap(version, secret, aad)

    def unwrap(self, version: int, blob: bytes, aad: bytes) -> bytes:
        self.calls.append(("unwrap", version, aad))
        return self.inner.unwrap(version, blob, aad)

    def close(self) -> None:
        self.inner.close()


class TestDataKey:
    def test_generated_material_has_suite_length(self, suite: Suite) -> None:
        key = DataKey.generate(suite)
        assert len(key.material) == suite.key_len
        assert key.suite is suite

    def test_generated_keys_are_fresh(self, suite: Suite) -> None:
        a, b = DataKey.generate(suite), DataKey.generate(suite)
        assert a.id != b.id
        assert a.material != b.material


class TestRoundTrip:
    @pytest.mark.parametrize(
        "plaintext",
        [
            b"",
            b"hello, world",
            "张三 的 信用记录：逾期已还清".encode(),
            os.urandom(64 * 1024),
        ],
        ids=["empty", "ascii", "chinese", "64KiB"],
    )
    def test_seal_then_open_returns_plaintext(self, data_key: DataKey, plaintext: bytes) -> None:
        blob = seal(data_key, plaintext, CTX)
        assert plaintext not in blob or plaintext == b""
        assert open_field(data_key, blob, CTX) == plaintext

    def test_ciphertext_length_is_header_nonce_body_tag(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"x" * 37, CTX)
        assert len(blob) == HEADER_LEN + NONCE_LEN + 37 + TAG_LEN

    def test_two_seals_of_same_plaintext_differ(self, data_key: DataKey) -> None:
        a = seal(data_key, b"same plaintext", CTX)
        b = seal(data_key, b"same plaintext", CTX)
        assert a != b
        assert a[HEADER_LEN : HEADER_LEN + NONCE_LEN] != b[HEADER_LEN : HEADER_LEN + NONCE_LEN]
        assert open_field(data_key, a, CTX) == open_field(data_key, b, CTX) == b"same plaintext"

    def test_nonces_do_not_repeat_over_many_seals(self, data_key: DataKey) -> None:
        nonces = {seal(data_key, b"", CTX)[HEADER_LEN : HEADER_LEN + NONCE_LEN] for _ in range(500)}
        assert len(nonces) == 500


class TestHeader:
    def test_header_layout(self, data_key: DataKey, suite: Suite) -> None:
        blob = seal(data_key, b"payload", CTX)
        assert blob[0] == FORMAT_V1
        assert blob[1] == suite.code
        assert blob[2:18] == data_key.id.bytes
        nonce = blob[18 : 18 + NONCE_LEN]
        assert len(nonce) == NONCE_LEN
        assert len(blob[18 + NONCE_LEN :]) == len(b"payload") + TAG_LEN

    def test_key_id_of_returns_key_id(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"payload", CTX)
        assert key_id_of(blob) == data_key.id
        assert isinstance(key_id_of(blob), uuid.UUID)

    def test_key_id_of_rejects_short_blob(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"payload", CTX)
        with pytest.raises(DecryptionError):
            key_id_of(blob[: HEADER_LEN + NONCE_LEN - 1])

    def test_key_id_of_rejects_unknown_format(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"payload", CTX)
        with pytest.raises(DecryptionError):
            key_id_of(bytes([FORMAT_V1 + 1]) + blob[1:])


class TestTampering:
    def test_any_single_bit_flip_is_detected(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"short", CTX)
        assert open_field(data_key, blob, CTX) == b"short"
        accepted: list[tuple[int, int]] = []
        for position in range(len(blob)):
            for bit in (0, 7):
                try:
                    open_field(data_key, _flip(blob, position, bit), CTX)
                except DecryptionError:
                    continue
                accepted.append((position, bit))
        assert accepted == []

    def test_every_single_bit_flip_of_empty_plaintext_is_detected(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"", CTX)
        for position in range(len(blob)):
            for bit in range(8):
                with pytest.raises(DecryptionError):
                    open_field(data_key, _flip(blob, position, bit), CTX)

    def test_every_truncation_raises(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"some field value", CTX)
        for length in range(len(blob)):
            with pytest.raises(DecryptionError):
                open_field(data_key, blob[:length], CTX)

    def test_appended_bytes_raise(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"some field value", CTX)
        with pytest.raises(DecryptionError):
            open_field(data_key, blob + b"\x00", CTX)

    def test_dropping_the_tag_of_empty_plaintext_raises(self, data_key: DataKey) -> None:
        blob = seal(data_key, b"", CTX)
        with pytest.raises(DecryptionError):
            open_field(data_key, blob[: HEADER_LEN + NONCE_LEN], CTX)


class TestAssociatedData:
    @pytest.mark.parametrize(
        "other",
        [
            FieldContext(table="entry", column="note", row_key="row-2"),
            FieldContext(table="entry", column="summary", row_key="row-1"),
            FieldContext(table="subject", column="note", row_key="row-1"),
            FieldContext(table="entry", column="note", row_key="row-1", schema=SCHEMA_VERSION + 1),
        ],
        ids=["row_key", "column", "table", "schema"],
    )
    def test_other_context_fails(self, data_key: DataKey, other: FieldContext) -> None:
        blob = seal(data_key, b"bound to its place", CTX)
        assert open_field(data_key, blob, CTX) == b"bound to its place"
        with pytest.raises(DecryptionError):
            open_field(data_key, blob, other)

    def test_another_data_key_of_same_suite_fails(self, data_key: DataKey, suite: Suite) -> None:
        blob = seal(data_key, b"secret", CTX)
        with pytest.raises(DecryptionError):
            open_field(DataKey.generate(suite), blob, CTX)

    def test_same_id_with_other_material_fails(self, data_key: DataKey, suite: Suite) -> None:
        impostor = DataKey(id=data_key.id, suite=suite, material=os.urandom(suite.key_len))
        blob = seal(data_key, b"secret", CTX)
        with pytest.raises(DecryptionError):
            open_field(impostor, blob, CTX)

    def test_key_of_other_suite_fails(self, data_key: DataKey, suite: Suite) -> None:
        other = _other_suite(suite)
        blob = seal(data_key, b"secret", CTX)
        with pytest.raises(DecryptionError):
            open_field(DataKey.generate(other), blob, CTX)
        same_id = DataKey(id=data_key.id, suite=other, material=os.urandom(other.key_len))
        with pytest.raises(DecryptionError):
            open_field(same_id, blob, CTX)

    def test_suite_byte_swapped_to_other_suite_fails(self, data_key: DataKey, suite: Suite) -> None:
        other = _other_suite(suite)
        blob = seal(data_key, b"secret", CTX)
        swapped = blob[:1] + bytes([other.code]) + blob[2:]
        same_id = DataKey(id=data_key.id, suite=other, material=data_key.material[: other.key_len])
        with pytest.raises(DecryptionError):
            open_field(same_id, swapped, CTX)


class TestFieldContextEncoding:
    def test_is_injective_on_tricky_inputs(self) -> None:
        contexts = [
            FieldContext("ab", "c", "r"),
            FieldContext("a", "bc", "r"),
            FieldContext("a", "b", "cr"),
            FieldContext("", "abc", "r"),
            FieldContext("abc", "", "r"),
            FieldContext("a", "b", "c", schema=11),
            FieldContext("a", "b", "c1", schema=1),
            FieldContext("a", "b1", "c", schema=1),
            FieldContext("a\x00", "b", "c"),
            FieldContext("a", "\x00b", "c"),
            FieldContext("a\x00\x01b", "c", "r"),
            FieldContext("中", "c", "r"),
            FieldContext("中c", "", "r"),
            FieldContext("\u4e2d\u6587", "x", "r"),
            FieldContext("", "", ""),
        ]
        encodings = [ctx.encode() for ctx in contexts]
        assert len(set(encodings)) == len(contexts)

    def test_ab_c_and_a_bc_do_not_open_each_other(self, data_key: DataKey) -> None:
        left, right = FieldContext("ab", "c", "r"), FieldContext("a", "bc", "r")
        blob = seal(data_key, b"v", left)
        with pytest.raises(DecryptionError):
            open_field(data_key, blob, right)

    def test_equal_contexts_encode_equally(self) -> None:
        assert FieldContext("t", "c", "r").encode() == FieldContext("t", "c", "r").encode()

    def test_default_schema_is_current(self) -> None:
        assert (
            FieldContext("t", "c", "r").encode()
            == FieldContext("t", "c", "r", schema=SCHEMA_VERSION).encode()
        )


class TestWrapping:
    @pytest.mark.parametrize("version", [1, 2])
    def test_round_trip(self, data_key: DataKey, provider: EnvKeyProvider, version: int) -> None:
        blob = wrap(data_key, provider, version)
        assert data_key.material not in blob
        back = unwrap(data_key.id, blob, provider)
        assert back.id == data_key.id
        assert back.suite is data_key.suite
        assert back.material == data_key.material
        field_blob = seal(data_key, b"through the unwrapped key", CTX)
        assert open_field(back, field_blob, CTX) == b"through the unwrapped key"

    def test_wrap_header_layout(
        self, data_key: DataKey, suite: Suite, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        assert FORMAT_WRAP == 2
        assert blob[0] == FORMAT_WRAP
        assert blob[1] == suite.code
        assert blob[2:6] == (1).to_bytes(4, "big")
        assert len(blob) == WRAP_HEADER_LEN + NONCE_LEN + suite.key_len + TAG_LEN

    @pytest.mark.parametrize("version", [1, 2, 258, 0x01020304, 2**32 - 1])
    def test_wrap_header_carries_the_version_passed(self, data_key: DataKey, version: int) -> None:
        provider = EnvKeyProvider(encode_env_keys({1: os.urandom(32), version: os.urandom(32)}))
        blob = wrap(data_key, provider, version)
        assert blob[2:6] == version.to_bytes(4, "big")
        assert wrapped_version(blob) == version
        assert unwrap(data_key.id, blob, provider).material == data_key.material

    def test_body_is_the_providers_wrap_bound_to_header_and_key_id(
        self, data_key: DataKey, provider: EnvKeyProvider, masters: dict[int, bytes]
    ) -> None:
        blob = wrap(data_key, provider, 2)
        header, body = blob[:WRAP_HEADER_LEN], blob[WRAP_HEADER_LEN:]
        assert open_with(masters[2], body, _wrap_aad(header, data_key.id)) == data_key.material
        with pytest.raises(DecryptionError):
            open_with(masters[1], body, _wrap_aad(header, data_key.id))

    def test_wrap_and_unwrap_ask_the_provider_for_one_version_only(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        recording = RecordingProvider(provider)
        blob = wrap(data_key, recording, 2)
        header = blob[:WRAP_HEADER_LEN]
        assert recording.calls == [("wrap", 2, _wrap_aad(header, data_key.id))]
        recording.calls.clear()
        assert unwrap(data_key.id, blob, recording).material == data_key.material
        # The version in the header, never each held version in turn.
        assert recording.calls == [("unwrap", 2, _wrap_aad(header, data_key.id))]

    def test_wrapping_is_randomised(self, data_key: DataKey, provider: EnvKeyProvider) -> None:
        a, b = wrap(data_key, provider, 1), wrap(data_key, provider, 1)
        assert a != b
        assert a[:WRAP_HEADER_LEN] == b[:WRAP_HEADER_LEN]
        nonce = slice(WRAP_HEADER_LEN, WRAP_HEADER_LEN + NONCE_LEN)
        assert a[nonce] != b[nonce]

    @pytest.mark.parametrize("version", [1, 2])
    def test_wrapped_version_reads_the_version(
        self, data_key: DataKey, provider: EnvKeyProvider, version: int
    ) -> None:
        assert wrapped_version(wrap(data_key, provider, version)) == version

    def test_wrapped_version_rejects_short_blob(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        with pytest.raises(DecryptionError):
            wrapped_version(blob[: WRAP_HEADER_LEN + NONCE_LEN - 1])

    @pytest.mark.parametrize("fmt", [0, FORMAT_V1, 3, 255])
    def test_unknown_wrap_format_is_refused(
        self, data_key: DataKey, provider: EnvKeyProvider, fmt: int
    ) -> None:
        blob = bytes([fmt]) + wrap(data_key, provider, 1)[1:]
        with pytest.raises(DecryptionError, match="format"):
            unwrap(data_key.id, blob, provider)
        with pytest.raises(DecryptionError, match="format"):
            wrapped_version(blob)

    def test_format_1_wrapped_key_is_refused_though_its_master_is_held(
        self, data_key: DataKey, provider: EnvKeyProvider, masters: dict[int, bytes]
    ) -> None:
        old = _format_1_wrap(data_key, masters[1], 1)
        assert old[0] == 1
        with pytest.raises(DecryptionError, match="format"):
            unwrap(data_key.id, old, provider)
        with pytest.raises(DecryptionError, match="format"):
            wrapped_version(old)
        with pytest.raises(DecryptionError, match="format"):
            rewrap(data_key.id, old, provider, 2)

    @pytest.mark.parametrize("code", [0, 3, 255])
    def test_unknown_suite_code_is_refused(
        self, data_key: DataKey, provider: EnvKeyProvider, code: int
    ) -> None:
        blob = wrap(data_key, provider, 1)
        with pytest.raises(DecryptionError, match="suite"):
            unwrap(data_key.id, blob[:1] + bytes([code]) + blob[2:], provider)

    def test_suite_byte_swapped_to_other_suite_fails(
        self, data_key: DataKey, suite: Suite, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        swapped = blob[:1] + bytes([_other_suite(suite).code]) + blob[2:]
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, swapped, provider)

    def test_material_of_the_wrong_length_is_refused(
        self, suite: Suite, provider: EnvKeyProvider
    ) -> None:
        # A wrap that authenticates but holds a key of the other suite's length.
        key_id = uuid.uuid4()
        header = struct.pack(">BBI", FORMAT_WRAP, suite.code, 1)
        wrong = os.urandom(_other_suite(suite).key_len)
        blob = header + provider.wrap(1, wrong, _wrap_aad(header, key_id))
        with pytest.raises(DecryptionError, match="length"):
            unwrap(key_id, blob, provider)

    def test_version_changed_to_other_existing_version_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        moved = _with_version(blob, 2)
        assert wrapped_version(moved) == 2
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, moved, provider)

    def test_version_is_authenticated_even_under_equal_master_keys(self, data_key: DataKey) -> None:
        # Both versions hold the same key: only the header in the AAD tells them apart.
        same = os.urandom(32)
        provider = EnvKeyProvider(encode_env_keys({1: same, 2: same}))
        blob = wrap(data_key, provider, 1)
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, _with_version(blob, 2), provider)

    def test_version_changed_to_missing_version_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, _with_version(blob, 9), provider)

    def test_wrap_under_a_missing_version_raises(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        with pytest.raises(KeyProviderError):
            wrap(data_key, provider, 3)

    def test_unwrap_under_other_key_id_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        with pytest.raises(DecryptionError):
            unwrap(uuid.uuid4(), blob, provider)

    def test_wrapped_key_of_another_row_fails(self, suite: Suite, provider: EnvKeyProvider) -> None:
        a, b = DataKey.generate(suite), DataKey.generate(suite)
        blob_a = wrap(a, provider, 1)
        with pytest.raises(DecryptionError):
            unwrap(b.id, blob_a, provider)

    def test_any_single_bit_flip_of_wrapped_key_is_detected(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        accepted: list[tuple[int, int]] = []
        for position in range(len(blob)):
            for bit in (0, 7):
                try:
                    unwrap(data_key.id, _flip(blob, position, bit), provider)
                except (DecryptionError, KeyProviderError):
                    continue
                accepted.append((position, bit))
        assert accepted == []

    def test_every_truncation_of_wrapped_key_raises(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        for length in range(len(blob)):
            with pytest.raises(DecryptionError):
                unwrap(data_key.id, blob[:length], provider)

    def test_appended_bytes_of_wrapped_key_raise(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider, 1)
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, blob + b"\x00", provider)

    def test_wrapped_under_another_master_key_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        stranger = EnvKeyProvider(encode_env_keys({1: os.urandom(32)}))
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, wrap(data_key, stranger, 1), provider)

    def test_provider_lacking_the_version_raises(self, data_key: DataKey) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        both = EnvKeyProvider(encode_env_keys({1: k1, 2: k2}))
        only_old = EnvKeyProvider(encode_env_keys({1: k1}))
        blob = wrap(data_key, both, 2)
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, blob, only_old)


class TestRewrap:
    @pytest.mark.parametrize(("source", "target"), [(1, 2), (2, 1)])
    def test_rewrap_moves_to_the_version_passed(
        self, data_key: DataKey, provider: EnvKeyProvider, source: int, target: int
    ) -> None:
        old = wrap(data_key, provider, source)
        new = rewrap(data_key.id, old, provider, target)
        assert wrapped_version(new) == target
        assert new[:2] == old[:2]
        assert new != old
        back = unwrap(data_key.id, new, provider)
        assert back.material == data_key.material
        assert back.suite is data_key.suite

    def test_rewrap_to_the_same_version_is_a_fresh_wrap(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        old = wrap(data_key, provider, 1)
        new = rewrap(data_key.id, old, provider, 1)
        assert new != old
        assert wrapped_version(new) == 1
        assert unwrap(data_key.id, new, provider).material == data_key.material

    def test_rewrapped_blob_opens_without_old_version(self, data_key: DataKey) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        both = EnvKeyProvider(encode_env_keys({1: k1, 2: k2}))
        only_new = EnvKeyProvider(encode_env_keys({2: k2}))
        new = rewrap(data_key.id, wrap(data_key, both, 1), both, 2)
        assert unwrap(data_key.id, new, only_new).material == data_key.material

    def test_rewrap_then_destroy_old_version_still_opens(
        self, data_key: DataKey, file_provider: LocalFileKeyProvider
    ) -> None:
        field_blob = seal(data_key, b"survives the rotation", CTX)
        old = wrap(data_key, file_provider, 1)
        new = rewrap(data_key.id, old, file_provider, 2)
        file_provider.destroy(1)
        back = unwrap(data_key.id, new, file_provider)
        assert back.material == data_key.material
        assert open_field(back, field_blob, CTX) == b"survives the rotation"
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, old, file_provider)

    def test_rewrap_to_a_missing_version_raises(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        with pytest.raises(KeyProviderError):
            rewrap(data_key.id, wrap(data_key, provider, 1), provider, 3)

    def test_rewrap_of_a_tampered_blob_raises(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        good = wrap(data_key, provider, 1)
        blob = _flip(good, len(good) - 1, 0)
        with pytest.raises(DecryptionError):
            rewrap(data_key.id, blob, provider, 2)

    def test_rewrap_under_another_key_id_raises(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        with pytest.raises(DecryptionError):
            rewrap(uuid.uuid4(), wrap(data_key, provider, 1), provider, 2)


class TestDestroyedVersion:
    def test_destroyed_version_unwrap_raises_key_provider_error(
        self, data_key: DataKey, file_provider: LocalFileKeyProvider, tmp_path: Path
    ) -> None:
        blob = wrap(data_key, file_provider, 1)
        kept = wrap(data_key, file_provider, 2)
        file_provider.destroy(1)
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, blob, file_provider)
        reopened = LocalFileKeyProvider(tmp_path / "keys" / "master.json")
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, blob, reopened)
        assert unwrap(data_key.id, kept, reopened).material == data_key.material

    def test_wrap_under_destroyed_version_raises(
        self, data_key: DataKey, file_provider: LocalFileKeyProvider
    ) -> None:
        file_provider.destroy(1)
        with pytest.raises(KeyProviderError):
            wrap(data_key, file_provider, 1)
        with pytest.raises(KeyProviderError):
            rewrap(data_key.id, wrap(data_key, file_provider, 2), file_provider, 1)


def _secret_forms(material: bytes) -> list[str]:
    return [
        material.hex(),
        material.hex().upper(),
        repr(material),
        repr(material)[2:-1],
        base64.b64encode(material).decode("ascii"),
        base64.urlsafe_b64encode(material).decode("ascii"),
    ]


class TestReprs:
    def test_data_key_repr_hides_material(self, data_key: DataKey) -> None:
        for text in (repr(data_key), str(data_key), f"{data_key!r}"):
            assert "redacted" in text
            assert str(data_key.id) in text
            for form in _secret_forms(data_key.material):
                assert form not in text

    def test_repr_of_containers_hides_material(
        self, data_key: DataKey, provider: EnvKeyProvider, masters: dict[int, bytes]
    ) -> None:
        text = repr([data_key, {"p": provider}])
        forms = _secret_forms(data_key.material)
        for material in masters.values():
            forms += _secret_forms(material)
        for form in forms:
            assert form not in text


class TestKeptCipher:
    """A data key keeps its AEAD object; what it seals and opens is what a fresh one does."""

    def test_a_data_key_keeps_one_aead(self, data_key: DataKey) -> None:
        assert data_key.aead() is data_key.aead()

    def test_what_it_seals_a_fresh_cipher_opens_and_back(
        self, data_key: DataKey, suite: Suite
    ) -> None:
        nonce, body = data_key.aead().seal(b"secret", b"aad")
        assert suite.open(data_key.material, nonce, body, b"aad") == b"secret"
        nonce, body = suite.seal(data_key.material, b"secret", b"aad")
        assert data_key.aead().open(nonce, body, b"aad") == b"secret"
        with pytest.raises(DecryptionError):
            data_key.aead().open(nonce, body, b"other aad")

    def test_kept_derivations_are_not_part_of_equality_or_repr(self, data_key: DataKey) -> None:
        same = DataKey(id=data_key.id, suite=data_key.suite, material=data_key.material)
        data_key.aead()
        data_key.derived_mac(b"info")
        assert same == data_key
        assert hash(same) == hash(data_key)
        assert data_key.material.hex() not in repr(data_key)

    def test_a_shared_key_seals_and_opens_across_threads(self, data_key: DataKey) -> None:
        wrong: list[int] = []

        def work(n: int) -> None:
            for m in range(200):
                ctx = FieldContext("entry", "facts", f"row-{n}-{m}")
                text = f"事实 {n} {m}".encode()
                if open_field(data_key, seal(data_key, text, ctx), ctx) != text:
                    wrong.append(m)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert wrong == []


class TestContextEncoding:
    @pytest.mark.parametrize(
        "ctx",
        [
            FieldContext("entry", "facts", str(uuid.uuid4())),
            FieldContext("query_notice", "private", "12345", schema=7),
            FieldContext("表", "列", "行-1"),
            FieldContext("", "", ""),
        ],
    )
    def test_is_each_part_length_prefixed_in_order(self, ctx: FieldContext) -> None:
        parts = [ctx.table, ctx.column, ctx.row_key, str(ctx.schema)]
        expected = b"".join(struct.pack(">H", len(p.encode())) + p.encode() for p in parts)
        assert ctx.encode() == expected
        assert ctx.encode() == expected  # the cached parts give the same bytes again
