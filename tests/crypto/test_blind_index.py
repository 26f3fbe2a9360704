"""Blind index and pseudonyms: keyed, deterministic, independent of master key rotation."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.blind_index import INDEX_KEY_LEN, BlindIndexer, pseudonym, pseudonym_of
from crypto.envelope import DataKey
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES, SM4, Suite

CODE = "11010519491231002X"
OTHER_CODE = "110105194912310029"
STORED_AAD = b"credence:stored-secret:blind_index"


@pytest.fixture(params=[AES, SM4], ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def index_key() -> bytes:
    return os.urandom(INDEX_KEY_LEN)


@pytest.fixture
def indexer(suite: Suite, index_key: bytes) -> BlindIndexer:
    return BlindIndexer(suite=suite, key=index_key)


def _unkeyed(suite: Suite, data: bytes) -> bytes:
    h = hashes.Hash(suite.hash())
    h.update(data)
    return h.finalize()


def _key_forms(key: bytes) -> list[str]:
    return [key.hex(), repr(key), repr(key)[2:-1], base64.b64encode(key).decode()]


class TestBlindIndex:
    def test_is_deterministic(self, indexer: BlindIndexer, suite: Suite, index_key: bytes) -> None:
        again = BlindIndexer(suite=suite, key=index_key)
        assert indexer.index(CODE) == indexer.index(CODE) == again.index(CODE)

    def test_differs_for_different_codes(self, indexer: BlindIndexer) -> None:
        assert indexer.index(CODE) != indexer.index(OTHER_CODE)
        assert indexer.index("") != indexer.index(CODE)

    def test_differs_under_another_index_key(self, indexer: BlindIndexer, suite: Suite) -> None:
        other = BlindIndexer(suite=suite, key=os.urandom(INDEX_KEY_LEN))
        assert other.index(CODE) != indexer.index(CODE)

    def test_differs_between_suites(self, index_key: bytes) -> None:
        aes = BlindIndexer(suite=AES, key=index_key)
        sm4 = BlindIndexer(suite=SM4, key=index_key)
        assert aes.index(CODE) != sm4.index(CODE)

    @pytest.mark.parametrize("code", ["", CODE, "张三", "x" * 1000])
    def test_is_32_bytes(self, indexer: BlindIndexer, code: str) -> None:
        value = indexer.index(code)
        assert isinstance(value, bytes)
        assert len(value) == 32

    def test_is_not_an_unkeyed_hash(self, indexer: BlindIndexer, suite: Suite) -> None:
        value = indexer.index(CODE)
        assert value != _unkeyed(suite, CODE.encode())
        assert value != hashlib.sha256(CODE.encode()).digest()
        assert value != _unkeyed(SM4, CODE.encode())

    def test_matches_hmac_with_the_suite_hash(self, indexer: BlindIndexer, suite: Suite) -> None:
        h = hmac.HMAC(indexer.key, suite.hash())
        h.update(CODE.encode())
        assert indexer.index(CODE) == h.finalize()

    def test_code_is_encoded_as_utf8(self, indexer: BlindIndexer, suite: Suite) -> None:
        assert indexer.index("张三") == suite.mac(indexer.key, "张三".encode())

    def test_repr_hides_key(self, indexer: BlindIndexer, suite: Suite) -> None:
        for text in (repr(indexer), str(indexer), repr([indexer])):
            assert "redacted" in text
            assert suite.name in text
            for form in _key_forms(indexer.key):
                assert form not in text


class TestGenerate:
    def test_key_is_random_of_index_key_length(self, suite: Suite) -> None:
        indexer = BlindIndexer.generate(suite)
        assert INDEX_KEY_LEN == 32
        assert len(indexer.key) == INDEX_KEY_LEN
        assert indexer.suite is suite

    def test_generated_keys_are_distinct(self, suite: Suite) -> None:
        indexers = [BlindIndexer.generate(suite) for _ in range(64)]
        assert len({i.key for i in indexers}) == 64
        assert len({i.index(CODE) for i in indexers}) == 64

    def test_stored_key_restores_the_same_index(self, suite: Suite) -> None:
        generated = BlindIndexer.generate(suite)
        restored = BlindIndexer(suite=suite, key=bytes(generated.key))
        assert restored.index(CODE) == generated.index(CODE)
        assert restored.derive(b"csrf") == generated.derive(b"csrf")


class TestDerive:
    def test_is_deterministic_and_32_bytes(self, indexer: BlindIndexer, suite: Suite) -> None:
        first = indexer.derive(b"csrf")
        assert len(first) == 32
        assert first == indexer.derive(b"csrf")
        assert first == BlindIndexer(suite=suite, key=indexer.key).derive(b"csrf")

    def test_distinct_per_info(self, indexer: BlindIndexer) -> None:
        infos = [b"csrf", b"session", b"", b"csrf\x00", b"CSRF", b"csrf/v2", "键".encode()]
        derived = [indexer.derive(info) for info in infos]
        assert len(set(derived)) == len(infos)

    def test_is_not_the_index_key(self, indexer: BlindIndexer) -> None:
        for info in (b"", b"csrf", b"session"):
            derived = indexer.derive(info)
            assert derived != indexer.key
            assert indexer.key not in derived

    def test_is_neither_an_index_value_nor_a_pseudonym(
        self, indexer: BlindIndexer, suite: Suite
    ) -> None:
        assert indexer.derive(b"csrf") != indexer.index("csrf")
        assert indexer.derive(b"csrf") != pseudonym(suite, indexer.key, b"csrf")
        assert indexer.derive(b"csrf") != suite.mac(indexer.key, b"csrf")

    def test_differs_under_another_index_key(self, indexer: BlindIndexer, suite: Suite) -> None:
        other = BlindIndexer.generate(suite)
        assert other.derive(b"csrf") != indexer.derive(b"csrf")

    def test_differs_between_suites(self, index_key: bytes) -> None:
        aes = BlindIndexer(suite=AES, key=index_key)
        sm4 = BlindIndexer(suite=SM4, key=index_key)
        assert aes.derive(b"csrf") != sm4.derive(b"csrf")

    def test_is_hkdf_with_the_suite_hash_under_its_own_label(
        self, indexer: BlindIndexer, suite: Suite
    ) -> None:
        # Keys derived this way (the CSRF key) must not change between releases.
        expected = HKDF(
            algorithm=suite.hash(), length=32, salt=None, info=b"credence/from-index/v1/csrf"
        ).derive(indexer.key)
        assert indexer.derive(b"csrf") == expected


class TestMasterKeyIndependence:
    def test_index_survives_master_rotation_and_destruction(
        self, suite: Suite, tmp_path: Path
    ) -> None:
        # The index key is stored wrapped; rotating the master under it moves nothing.
        provider = LocalFileKeyProvider(tmp_path / "keys" / "master.json", create=True)
        indexer = BlindIndexer.generate(suite)
        before, csrf = indexer.index(CODE), indexer.derive(b"csrf")
        stored = provider.wrap(1, indexer.key, STORED_AAD)
        provider.create(2)
        stored = provider.wrap(2, provider.unwrap(1, stored, STORED_AAD), STORED_AAD)
        provider.destroy(1)
        restored = BlindIndexer(suite=suite, key=provider.unwrap(2, stored, STORED_AAD))
        assert restored.index(CODE) == before
        assert restored.derive(b"csrf") == csrf


class TestPseudonym:
    def test_is_deterministic_and_32_bytes(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        first = pseudonym(suite, subject, b"export")
        assert first == pseudonym(suite, subject, b"export")
        assert len(first) == 32

    def test_differs_per_subject_key(self, suite: Suite) -> None:
        label = b"export"
        a = pseudonym(suite, os.urandom(suite.key_len), label)
        b = pseudonym(suite, os.urandom(suite.key_len), label)
        assert a != b

    def test_differs_per_label(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        assert pseudonym(suite, subject, b"export") != pseudonym(suite, subject, b"audit")
        assert pseudonym(suite, subject, b"") != pseudonym(suite, subject, b"export")

    def test_differs_between_suites(self) -> None:
        subject = os.urandom(32)
        assert pseudonym(AES, subject, b"export") != pseudonym(SM4, subject, b"export")

    def test_is_not_a_mac_under_the_raw_subject_key(self, suite: Suite) -> None:
        subject = os.urandom(suite.key_len)
        assert pseudonym(suite, subject, b"export") != suite.mac(subject, b"export")

    def test_differs_from_blind_index_under_same_secret(self, suite: Suite) -> None:
        secret = os.urandom(32)
        indexer = BlindIndexer(suite=suite, key=secret)
        assert pseudonym(suite, secret, CODE.encode()) != indexer.index(CODE)


class TestKeyedOnce:
    """The MACs an indexer or a data key keeps give what a MAC keyed per call gives."""

    def test_pseudonym_of_a_data_key_is_the_pseudonym_of_its_material(self, suite: Suite) -> None:
        key = DataKey.generate(suite)
        for label in (b"query-log", b"export", b""):
            assert pseudonym_of(key, label) == pseudonym(suite, key.material, label)
            assert pseudonym_of(key, label) == pseudonym(suite, key.material, label)

    def test_indexer_pseudonym_is_the_pseudonym_under_its_key(
        self, indexer: BlindIndexer, suite: Suite, index_key: bytes
    ) -> None:
        label = b"query-log" + indexer.index(CODE)
        assert indexer.pseudonym(label) == pseudonym(suite, index_key, label)

    def test_a_data_key_derives_each_sub_key_once(self, suite: Suite) -> None:
        key = DataKey.generate(suite)
        first = key.derived_mac(b"credence/pseudonym/v1")
        assert key.derived_mac(b"credence/pseudonym/v1") is first
        assert key.derived_mac(b"credence/other/v1") is not first
        assert key.derived_mac(b"credence/other/v1")(b"x") != first(b"x")

    def test_kept_macs_agree_with_fresh_ones_across_threads(
        self, indexer: BlindIndexer, suite: Suite, index_key: bytes
    ) -> None:
        codes = [f"{n:017d}X" for n in range(300)]
        wrong: list[str] = []

        def work() -> None:
            for code in codes:
                if indexer.index(code) != suite.mac(index_key, code.encode()):
                    wrong.append(code)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert wrong == []

    def test_reprs_hide_the_keys(self, suite: Suite, index_key: bytes) -> None:
        mac = suite.keyed_mac(index_key)
        assert index_key.hex() not in repr(mac)
        assert "redacted" in repr(mac)
        assert index_key.hex() not in repr(suite.aead(index_key[: suite.key_len]))
