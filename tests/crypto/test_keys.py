"""Master key providers: the local key file and the environment variable."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from crypto.keys import (
    MASTER_KEY_LEN,
    EnvKeyProvider,
    KeyProviderError,
    LocalFileKeyProvider,
    MasterKey,
    encode_env_keys,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _write_key_file(path: Path, content: str, mode: int = 0o600) -> Path:
    path.write_text(content, encoding="utf-8")
    os.chmod(path, mode)
    return path


def _secret_forms(material: bytes) -> list[str]:
    return [material.hex(), repr(material), repr(material)[2:-1], _b64(material)]


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "master.json"


class TestLocalFileCreate:
    def test_created_with_mode_0600_and_version_1(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        assert key_path.exists()
        assert _mode(key_path) == 0o600
        assert provider.versions() == [1]
        assert provider.current().version == 1
        assert provider.index_key().version == 1
        assert len(provider.current().material) == MASTER_KEY_LEN

    def test_created_file_holds_the_served_key(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        data = json.loads(key_path.read_text("utf-8"))
        assert data["current"] == 1
        assert data["index"] == 1
        assert base64.b64decode(data["keys"]["1"]) == provider.get(1).material

    def test_created_in_missing_directory(self, tmp_path: Path) -> None:
        path = tmp_path / "nested" / "dir" / "master.json"
        LocalFileKeyProvider(path, create=True)
        assert _mode(path) == 0o600

    def test_two_creations_make_different_keys(self, tmp_path: Path) -> None:
        a = LocalFileKeyProvider(tmp_path / "a.json", create=True)
        b = LocalFileKeyProvider(tmp_path / "b.json", create=True)
        assert a.current().material != b.current().material

    def test_create_does_not_overwrite_existing_file(self, key_path: Path) -> None:
        first = LocalFileKeyProvider(key_path, create=True)
        second = LocalFileKeyProvider(key_path, create=True)
        assert second.current().material == first.current().material

    def test_reopened_provider_sees_same_key(self, key_path: Path) -> None:
        first = LocalFileKeyProvider(key_path, create=True)
        again = LocalFileKeyProvider(key_path)
        assert again.get(1) == first.get(1)

    def test_missing_file_without_create_raises(self, key_path: Path) -> None:
        with pytest.raises(KeyProviderError, match="missing"):
            LocalFileKeyProvider(key_path)
        assert not key_path.exists()

    def test_missing_version_raises(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        with pytest.raises(KeyProviderError):
            provider.get(2)

    def test_repr_hides_material(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        text = repr(provider)
        assert str(key_path) in text
        for form in _secret_forms(provider.current().material):
            assert form not in text


class TestLocalFilePermissions:
    @pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700 | 0o020, 0o601])
    def test_group_or_other_access_is_refused(self, key_path: Path, mode: int) -> None:
        LocalFileKeyProvider(key_path, create=True)
        os.chmod(key_path, mode)
        with pytest.raises(KeyProviderError, match=f"mode {mode:04o}"):
            LocalFileKeyProvider(key_path)

    def test_owner_only_0400_is_accepted(self, key_path: Path) -> None:
        created = LocalFileKeyProvider(key_path, create=True)
        os.chmod(key_path, 0o400)
        assert LocalFileKeyProvider(key_path).current() == created.current()


class TestLocalFileMalformed:
    @pytest.mark.parametrize(
        "content",
        [
            "",
            "not json",
            "{",
            "[]",
            '"text"',
            "{}",
            '{"current": 1, "index": 1}',
            '{"index": 1, "keys": {"1": "%s"}}',
            '{"current": 1, "keys": {"1": "%s"}}',
            '{"current": "one", "index": 1, "keys": {"1": "%s"}}',
            '{"current": 1, "index": 1, "keys": {"one": "%s"}}',
            '{"current": 1, "index": 1, "keys": {"1": "not base64!"}}',
        ],
        ids=[
            "empty",
            "text",
            "truncated",
            "list",
            "string",
            "empty_object",
            "no_keys",
            "no_current",
            "no_index",
            "current_not_int",
            "version_not_int",
            "bad_base64",
        ],
    )
    def test_malformed_file_is_refused(self, key_path: Path, content: str) -> None:
        key = _b64(os.urandom(32))
        _write_key_file(key_path, content.replace("%s", key))
        with pytest.raises(KeyProviderError):
            LocalFileKeyProvider(key_path)

    # Regression: a "keys" that is not an object, or key values that are not strings,
    # used to escape as AttributeError (`[].items()`, `(123).encode()`) instead of
    # KeyProviderError.
    @pytest.mark.parametrize(
        "content",
        [
            '{"current": 1, "index": 1, "keys": []}',
            '{"current": 1, "index": 1, "keys": {"1": 123}}',
            '{"current": 1, "index": 1, "keys": {"1": null}}',
        ],
        ids=["keys_list", "key_int", "key_null"],
    )
    def test_wrongly_typed_json_is_refused(self, key_path: Path, content: str) -> None:
        _write_key_file(key_path, content)
        with pytest.raises(KeyProviderError):
            LocalFileKeyProvider(key_path)

    @pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
    def test_wrong_length_key_is_refused(self, key_path: Path, length: int) -> None:
        material = os.urandom(length)
        content = json.dumps({"current": 1, "index": 1, "keys": {"1": _b64(material)}})
        _write_key_file(key_path, content)
        with pytest.raises(KeyProviderError, match="length") as excinfo:
            LocalFileKeyProvider(key_path)
        if material:
            for form in _secret_forms(material):
                assert form not in str(excinfo.value)

    def test_wrong_length_among_good_keys_is_refused(self, key_path: Path) -> None:
        keys = {"1": _b64(os.urandom(32)), "2": _b64(os.urandom(31))}
        _write_key_file(key_path, json.dumps({"current": 1, "index": 1, "keys": keys}))
        with pytest.raises(KeyProviderError):
            LocalFileKeyProvider(key_path)

    def test_current_version_absent_is_refused(self, key_path: Path) -> None:
        keys = {"1": _b64(os.urandom(32))}
        _write_key_file(key_path, json.dumps({"current": 2, "index": 1, "keys": keys}))
        with pytest.raises(KeyProviderError, match="current version"):
            LocalFileKeyProvider(key_path)

    def test_index_version_absent_is_refused(self, key_path: Path) -> None:
        keys = {"2": _b64(os.urandom(32))}
        _write_key_file(key_path, json.dumps({"current": 2, "index": 1, "keys": keys}))
        with pytest.raises(KeyProviderError):
            LocalFileKeyProvider(key_path)

    def test_valid_hand_written_file_is_accepted(self, key_path: Path) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        keys = {"1": _b64(k1), "2": _b64(k2)}
        _write_key_file(key_path, json.dumps({"current": 2, "index": 1, "keys": keys}))
        provider = LocalFileKeyProvider(key_path)
        assert provider.current() == MasterKey(2, k2)
        assert provider.index_key() == MasterKey(1, k1)
        assert provider.versions() == [1, 2]


class TestLocalFileRotation:
    def test_add_version_makes_2_current_and_keeps_1(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        first = provider.current()
        index_before = provider.index_key()
        added = provider.add_version()
        assert added.version == 2
        assert len(added.material) == MASTER_KEY_LEN
        assert added.material != first.material
        assert provider.current() == added
        assert provider.get(1) == first
        assert provider.versions() == [1, 2]
        assert provider.index_key() == index_before
        assert provider.index_key().version == 1

    def test_add_version_persists(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        first = provider.current()
        added = provider.add_version()
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [1, 2]
        assert reopened.current() == added
        assert reopened.get(1) == first
        assert reopened.index_key() == first

    def test_file_stays_0600_after_rotation(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.add_version()
        provider.add_version()
        assert _mode(key_path) == 0o600
        assert LocalFileKeyProvider(key_path).versions() == [1, 2, 3]

    def test_no_temporary_file_left_behind(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.add_version()
        assert sorted(p.name for p in key_path.parent.iterdir()) == [key_path.name]

    def test_concurrent_add_version_gives_distinct_versions(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        threads_n = 8
        barrier = threading.Barrier(threads_n)
        results: list[MasterKey] = []
        errors: list[BaseException] = []
        results_lock = threading.Lock()

        def rotate() -> None:
            try:
                barrier.wait()
                key = provider.add_version()
            except BaseException as exc:  # pragma: no cover - reported below
                with results_lock:
                    errors.append(exc)
                return
            with results_lock:
                results.append(key)

        threads = [threading.Thread(target=rotate) for _ in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        versions = sorted(k.version for k in results)
        assert versions == list(range(2, 2 + threads_n))
        assert len({k.material for k in results}) == threads_n
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == list(range(1, 2 + threads_n))
        for key in results:
            assert reopened.get(key.version) == key
        assert _mode(key_path) == 0o600

    # BUG (crypto/keys.py, LocalFileKeyProvider.add_version, lines 147-161): add_version
    # computes the next version from this instance's cached keys and never re-reads the
    # file, so a second provider over the same file (another process, e.g. two
    # `credence keys rotate` runs) writes its own "version 2" over the first one's,
    # destroying a master key that data keys may already be wrapped under. Left failing.
    def test_second_provider_over_same_file_does_not_overwrite_a_version(
        self, key_path: Path
    ) -> None:
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        from_a = a.add_version()
        from_b = b.add_version()
        assert from_a.version != from_b.version
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.get(from_a.version) == from_a
        assert reopened.get(from_b.version) == from_b


def _env(*versions: int) -> tuple[str, dict[int, bytes]]:
    keys = {v: os.urandom(32) for v in versions}
    return encode_env_keys(keys), keys


class TestEnvKeyProvider:
    def test_parses_every_version(self) -> None:
        value, keys = _env(1, 2, 3)
        provider = EnvKeyProvider(value)
        assert provider.versions() == [1, 2, 3]
        for version, material in keys.items():
            assert provider.get(version) == MasterKey(version, material)

    def test_encode_env_keys_format(self) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        assert encode_env_keys({2: k2, 1: k1}) == f"1:{_b64(k1)},2:{_b64(k2)}"

    def test_highest_is_current_lowest_is_index(self) -> None:
        value, keys = _env(7, 3, 5)
        provider = EnvKeyProvider(value)
        assert provider.current() == MasterKey(7, keys[7])
        assert provider.index_key() == MasterKey(3, keys[3])

    def test_single_version_is_both_current_and_index(self) -> None:
        value, keys = _env(4)
        provider = EnvKeyProvider(value)
        assert provider.current() == provider.index_key() == MasterKey(4, keys[4])

    def test_whitespace_around_parts_is_tolerated(self) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        provider = EnvKeyProvider(f"  1:{_b64(k1)} , 2:{_b64(k2)}\n")
        assert provider.get(1).material == k1
        assert provider.get(2).material == k2

    def test_missing_version_raises(self) -> None:
        value, _ = _env(1, 2)
        with pytest.raises(KeyProviderError):
            EnvKeyProvider(value).get(3)

    @pytest.mark.parametrize(
        "value",
        [
            "",
            ",",
            "garbage",
            "1",
            "1:",
            ":" + _b64(b"k" * 32),
            "one:" + _b64(b"k" * 32),
            "1:not base64!",
            "1:" + _b64(b"k" * 32) + ",",
            "1:" + _b64(b"k" * 32) + ",2:",
        ],
        ids=[
            "empty",
            "comma",
            "garbage",
            "no_colon",
            "no_key",
            "no_version",
            "version_not_int",
            "bad_base64",
            "trailing_comma",
            "second_empty",
        ],
    )
    def test_malformed_values_are_refused(self, value: str) -> None:
        with pytest.raises(KeyProviderError):
            EnvKeyProvider(value)

    @pytest.mark.parametrize("length", [16, 31, 33, 64])
    def test_wrong_length_keys_are_refused(self, length: int) -> None:
        material = os.urandom(length)
        with pytest.raises(KeyProviderError) as excinfo:
            EnvKeyProvider(encode_env_keys({1: material}))
        for form in _secret_forms(material):
            assert form not in str(excinfo.value)

    def test_short_key_among_good_ones_is_refused(self) -> None:
        with pytest.raises(KeyProviderError):
            EnvKeyProvider(encode_env_keys({1: os.urandom(32), 2: os.urandom(16)}))

    @pytest.mark.parametrize("version", [0, -1])
    def test_version_below_one_is_refused(self, version: int) -> None:
        with pytest.raises(KeyProviderError):
            EnvKeyProvider(f"{version}:{_b64(os.urandom(32))}")

    def test_add_version_raises_and_changes_nothing(self) -> None:
        value, _ = _env(1, 2)
        provider = EnvKeyProvider(value)
        before = provider.current()
        with pytest.raises(KeyProviderError, match="read-only"):
            provider.add_version()
        assert provider.versions() == [1, 2]
        assert provider.current() == before

    def test_repr_hides_material(self) -> None:
        value, keys = _env(1, 2)
        provider = EnvKeyProvider(value)
        text = repr(provider)
        assert "[1, 2]" in text
        assert value not in text
        for material in keys.values():
            for form in _secret_forms(material):
                assert form not in text

    def test_malformed_error_hides_value(self) -> None:
        material = os.urandom(32)
        value = f"1:{_b64(material)},x:{_b64(material)}"
        with pytest.raises(KeyProviderError) as excinfo:
            EnvKeyProvider(value)
        message = str(excinfo.value)
        for form in _secret_forms(material):
            assert form not in message
