"""Envelope encryption: field sealing, tamper detection, AAD binding and key wrapping."""

from __future__ import annotations

import base64
import os
import uuid

import pytest

from crypto.envelope import (
    FORMAT_V1,
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
from crypto.keys import EnvKeyProvider, KeyProviderError, MasterKey, encode_env_keys
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
def provider() -> EnvKeyProvider:
    return EnvKeyProvider(encode_env_keys({1: os.urandom(32), 2: os.urandom(32)}))


def _other_suite(suite: Suite) -> Suite:
    return SM4 if suite is AES else AES


def _flip(blob: bytes, position: int, bit: int) -> bytes:
    out = bytearray(blob)
    out[position] ^= 1 << bit
    return bytes(out)


def _with_version(blob: bytes, version: int) -> bytes:
    return blob[:2] + version.to_bytes(4, "big") + blob[WRAP_HEADER_LEN:]


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
    def test_round_trip(self, data_key: DataKey, provider: EnvKeyProvider) -> None:
        blob = wrap(data_key, provider.current())
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
        blob = wrap(data_key, provider.get(1))
        assert blob[0] == FORMAT_V1
        assert blob[1] == suite.code
        assert blob[2:6] == (1).to_bytes(4, "big")
        assert len(blob) == WRAP_HEADER_LEN + NONCE_LEN + suite.key_len + TAG_LEN

    def test_wrapping_is_randomised(self, data_key: DataKey, provider: EnvKeyProvider) -> None:
        assert wrap(data_key, provider.current()) != wrap(data_key, provider.current())

    @pytest.mark.parametrize("version", [1, 2])
    def test_wrapped_version_reads_the_version(
        self, data_key: DataKey, provider: EnvKeyProvider, version: int
    ) -> None:
        assert wrapped_version(wrap(data_key, provider.get(version))) == version

    def test_wrapped_version_rejects_short_blob(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider.current())
        with pytest.raises(DecryptionError):
            wrapped_version(blob[: WRAP_HEADER_LEN + NONCE_LEN - 1])

    def test_version_changed_to_other_existing_version_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider.get(1))
        moved = _with_version(blob, 2)
        assert wrapped_version(moved) == 2
        with pytest.raises((DecryptionError, KeyProviderError)):
            unwrap(data_key.id, moved, provider)

    def test_version_changed_to_missing_version_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider.get(1))
        with pytest.raises((DecryptionError, KeyProviderError)):
            unwrap(data_key.id, _with_version(blob, 9), provider)

    def test_unwrap_under_other_key_id_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider.current())
        with pytest.raises(DecryptionError):
            unwrap(uuid.uuid4(), blob, provider)

    def test_wrapped_key_of_another_row_fails(self, suite: Suite, provider: EnvKeyProvider) -> None:
        a, b = DataKey.generate(suite), DataKey.generate(suite)
        blob_a = wrap(a, provider.current())
        with pytest.raises(DecryptionError):
            unwrap(b.id, blob_a, provider)

    def test_any_single_bit_flip_of_wrapped_key_is_detected(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        blob = wrap(data_key, provider.get(1))
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
        blob = wrap(data_key, provider.current())
        for length in range(len(blob)):
            with pytest.raises(DecryptionError):
                unwrap(data_key.id, blob[:length], provider)

    def test_wrapped_under_another_master_key_fails(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        stranger = MasterKey(version=1, material=os.urandom(32))
        with pytest.raises(DecryptionError):
            unwrap(data_key.id, wrap(data_key, stranger), provider)

    def test_rewrap_moves_to_current_version(
        self, data_key: DataKey, provider: EnvKeyProvider
    ) -> None:
        old = wrap(data_key, provider.get(1))
        assert wrapped_version(old) == 1
        new = rewrap(data_key.id, old, provider)
        assert provider.current().version == 2
        assert wrapped_version(new) == 2
        assert new != old
        back = unwrap(data_key.id, new, provider)
        assert back.material == data_key.material
        assert back.suite is data_key.suite

    def test_rewrapped_blob_opens_without_old_version(self, data_key: DataKey) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        both = EnvKeyProvider(encode_env_keys({1: k1, 2: k2}))
        only_new = EnvKeyProvider(encode_env_keys({2: k2}))
        new = rewrap(data_key.id, wrap(data_key, both.get(1)), both)
        assert unwrap(data_key.id, new, only_new).material == data_key.material

    def test_provider_lacking_the_version_raises(self, data_key: DataKey) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        both = EnvKeyProvider(encode_env_keys({1: k1, 2: k2}))
        only_old = EnvKeyProvider(encode_env_keys({1: k1}))
        blob = wrap(data_key, both.get(2))
        with pytest.raises(KeyProviderError):
            unwrap(data_key.id, blob, only_old)


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

    def test_master_key_repr_hides_material(self) -> None:
        master = MasterKey(version=3, material=os.urandom(32))
        for text in (repr(master), str(master)):
            assert "version=3" in text
            for form in _secret_forms(master.material):
                assert form not in text

    def test_repr_of_containers_hides_material(self, data_key: DataKey) -> None:
        master = MasterKey(version=1, material=os.urandom(32))
        text = repr([data_key, {"m": master}])
        for form in _secret_forms(data_key.material) + _secret_forms(master.material):
            assert form not in text
