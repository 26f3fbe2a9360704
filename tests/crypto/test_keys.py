"""Master key providers: the local key file and the environment variable.

What every provider must do (wrap, unwrap, versions, destroy, errors) is in
test_provider_contract.py; this file holds what only the file or the variable shows.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.keys import (
    MASTER_KEY_LEN,
    EnvKeyProvider,
    KeyProviderError,
    LocalFileKeyProvider,
    encode_env_keys,
    open_with,
    seal_with,
)
from crypto.suites import NONCE_LEN, TAG_LEN, DecryptionError

REPO = Path(__file__).resolve().parents[2]
AAD = b"credence:data-key:7"
SECRET = bytes(range(32))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _write_key_file(path: Path, content: str, mode: int = 0o600) -> Path:
    path.write_text(content, encoding="utf-8")
    os.chmod(path, mode)
    return path


def _key_file(keys: dict[int, bytes], destroyed: list[int] | None = None) -> str:
    return json.dumps(
        {
            "format": 2,
            "keys": {str(v): _b64(k) for v, k in keys.items()},
            "destroyed": destroyed or [],
        }
    )


def _file_keys(path: Path) -> dict[int, bytes]:
    data = json.loads(path.read_text("utf-8"))
    return {int(v): base64.b64decode(k) for v, k in data["keys"].items()}


def _secret_forms(material: bytes) -> list[str]:
    return [material.hex(), repr(material), repr(material)[2:-1], _b64(material)]


def _byte_forms(material: bytes) -> list[bytes]:
    return [
        material,
        material.hex().encode(),
        material.hex().upper().encode(),
        _b64(material).encode(),
    ]


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "master.json"


def _run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run `work(i)` in `count` threads released together; the errors they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


class TestSealWith:
    """The in-process AES-256-GCM both the file and the environment provider use."""

    def test_round_trip_and_layout(self) -> None:
        material = os.urandom(MASTER_KEY_LEN)
        blob = seal_with(material, SECRET, AAD)
        assert len(blob) == NONCE_LEN + len(SECRET) + TAG_LEN
        assert SECRET not in blob
        assert open_with(material, blob, AAD) == SECRET

    def test_is_plain_aes_gcm_nonce_ciphertext_tag(self) -> None:
        material = os.urandom(MASTER_KEY_LEN)
        blob = seal_with(material, SECRET, AAD)
        assert AESGCM(material).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], AAD) == SECRET
        nonce = os.urandom(NONCE_LEN)
        theirs = nonce + AESGCM(material).encrypt(nonce, SECRET, AAD)
        assert open_with(material, theirs, AAD) == SECRET

    def test_nonces_are_fresh(self) -> None:
        material = os.urandom(MASTER_KEY_LEN)
        nonces = {seal_with(material, SECRET, AAD)[:NONCE_LEN] for _ in range(200)}
        assert len(nonces) == 200

    def test_other_material_fails(self) -> None:
        blob = seal_with(os.urandom(MASTER_KEY_LEN), SECRET, AAD)
        with pytest.raises(DecryptionError):
            open_with(os.urandom(MASTER_KEY_LEN), blob, AAD)

    @pytest.mark.parametrize("length", [0, 1, NONCE_LEN, NONCE_LEN + TAG_LEN - 1])
    def test_too_short_blob_fails(self, length: int) -> None:
        with pytest.raises(DecryptionError, match="too short"):
            open_with(os.urandom(MASTER_KEY_LEN), os.urandom(length), AAD)

    def test_forged_blob_of_minimum_length_fails(self) -> None:
        with pytest.raises(DecryptionError, match="authentication"):
            open_with(os.urandom(MASTER_KEY_LEN), os.urandom(NONCE_LEN + TAG_LEN), AAD)

    def test_error_does_not_chain_the_library_error(self) -> None:
        blob = seal_with(os.urandom(MASTER_KEY_LEN), SECRET, AAD)
        with pytest.raises(DecryptionError) as excinfo:
            open_with(os.urandom(MASTER_KEY_LEN), blob, AAD)
        assert excinfo.value.__cause__ is None
        assert excinfo.value.__suppress_context__


class TestLocalFileCreate:
    def test_created_with_mode_0600_and_version_1(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        assert key_path.exists()
        assert _mode(key_path) == 0o600
        assert provider.versions() == [1]
        assert provider.name == "file"

    def test_created_file_is_format_2(self, key_path: Path) -> None:
        LocalFileKeyProvider(key_path, create=True)
        data = json.loads(key_path.read_text("utf-8"))
        assert set(data) == {"format", "keys", "destroyed"}
        assert data["format"] == 2
        assert data["destroyed"] == []
        assert list(data["keys"]) == ["1"]
        assert len(base64.b64decode(data["keys"]["1"], validate=True)) == MASTER_KEY_LEN

    def test_wraps_with_the_key_in_the_file(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        material = _file_keys(key_path)[1]
        assert open_with(material, provider.wrap(1, SECRET, AAD), AAD) == SECRET
        assert provider.unwrap(1, seal_with(material, SECRET, AAD), AAD) == SECRET

    def test_created_in_missing_directory(self, tmp_path: Path) -> None:
        path = tmp_path / "nested" / "dir" / "master.json"
        LocalFileKeyProvider(path, create=True)
        assert _mode(path) == 0o600

    def test_two_creations_make_different_keys(self, tmp_path: Path) -> None:
        LocalFileKeyProvider(tmp_path / "a.json", create=True)
        LocalFileKeyProvider(tmp_path / "b.json", create=True)
        assert _file_keys(tmp_path / "a.json")[1] != _file_keys(tmp_path / "b.json")[1]

    def test_create_does_not_overwrite_existing_file(self, key_path: Path) -> None:
        first = LocalFileKeyProvider(key_path, create=True)
        blob = first.wrap(1, SECRET, AAD)
        before = key_path.read_bytes()
        second = LocalFileKeyProvider(key_path, create=True)
        assert key_path.read_bytes() == before
        assert second.unwrap(1, blob, AAD) == SECRET

    def test_create_keeps_later_versions_and_destroyed(self, key_path: Path) -> None:
        first = LocalFileKeyProvider(key_path, create=True)
        first.create(2)
        first.destroy(1)
        again = LocalFileKeyProvider(key_path, create=True)
        assert again.versions() == [2]
        with pytest.raises(KeyProviderError):
            again.create(1)

    def test_reopened_provider_sees_same_key(self, key_path: Path) -> None:
        first = LocalFileKeyProvider(key_path, create=True)
        blob = first.wrap(1, SECRET, AAD)
        again = LocalFileKeyProvider(key_path)
        assert again.versions() == [1]
        assert again.unwrap(1, blob, AAD) == SECRET

    def test_missing_file_without_create_raises(self, key_path: Path) -> None:
        with pytest.raises(KeyProviderError, match="missing"):
            LocalFileKeyProvider(key_path)
        assert not key_path.exists()

    def test_repr_hides_material(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        text = repr(provider)
        assert str(key_path) in text
        for material in _file_keys(key_path).values():
            for form in _secret_forms(material):
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
        blob = created.wrap(1, SECRET, AAD)
        os.chmod(key_path, 0o400)
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [1]
        assert reopened.unwrap(1, blob, AAD) == SECRET

    def test_file_made_unsafe_after_opening_is_refused(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        os.chmod(key_path, 0o644)
        before = key_path.read_bytes()
        with pytest.raises(KeyProviderError, match="mode 0644"):
            provider.versions()
        with pytest.raises(KeyProviderError, match="mode 0644"):
            provider.create(2)
        with pytest.raises(KeyProviderError, match="mode 0644"):
            provider.destroy(1)
        assert key_path.read_bytes() == before

    def test_symlink_is_refused(self, key_path: Path) -> None:
        LocalFileKeyProvider(key_path, create=True)
        link = key_path.with_name("link.json")
        link.symlink_to(key_path)
        with pytest.raises(KeyProviderError, match="symlink"):
            LocalFileKeyProvider(link)

    def test_directory_is_refused(self, tmp_path: Path) -> None:
        (tmp_path / "master.json").mkdir(mode=0o700)
        with pytest.raises(KeyProviderError):
            LocalFileKeyProvider(tmp_path / "master.json")

    def test_stays_0600_after_create_and_destroy(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        os.chmod(key_path, 0o400)
        provider.create(2)
        assert _mode(key_path) == 0o600
        provider.destroy(1)
        assert _mode(key_path) == 0o600


class TestLocalFileMalformed:
    @pytest.mark.parametrize(
        "content",
        [
            "",
            "not json",
            "{",
            "[]",
            '"text"',
            "null",
            "123",
            "{}",
            '{"format": 2}',
            '{"format": 2, "destroyed": []}',
            '{"format": 2, "keys": {"one": "%s"}, "destroyed": []}',
            '{"format": 2, "keys": {"1": "not base64!"}, "destroyed": []}',
            '{"format": 2, "keys": {"1": "ключ"}, "destroyed": []}',
            '{"format": 2, "keys": {"0": "%s"}, "destroyed": []}',
            '{"format": 2, "keys": {"-1": "%s"}, "destroyed": []}',
            '{"format": 2, "keys": {"1": "%s"}, "destroyed": null}',
            '{"format": 2, "keys": {"1": "%s"}, "destroyed": 3}',
            '{"format": 2, "keys": {"1": "%s"}, "destroyed": ["two"]}',
            '{"format": 2, "keys": {"1": "%s"}, "destroyed": [[2]]}',
        ],
        ids=[
            "empty",
            "text",
            "truncated",
            "list",
            "string",
            "null",
            "number",
            "empty_object",
            "format_only",
            "no_keys",
            "version_not_int",
            "bad_base64",
            "non_ascii_key",
            "version_zero",
            "version_negative",
            "destroyed_null",
            "destroyed_int",
            "destroyed_not_int",
            "destroyed_nested",
        ],
    )
    def test_malformed_file_is_refused(self, key_path: Path, content: str) -> None:
        key_path.parent.mkdir()
        material = os.urandom(32)
        _write_key_file(key_path, content.replace("%s", _b64(material)))
        with pytest.raises(KeyProviderError) as excinfo:
            LocalFileKeyProvider(key_path)
        for form in _secret_forms(material):
            assert form not in str(excinfo.value)
        assert excinfo.value.__cause__ is None
        assert excinfo.value.__suppress_context__ or excinfo.value.__context__ is None

    def test_invalid_utf8_is_refused(self, key_path: Path) -> None:
        key_path.parent.mkdir()
        key_path.write_bytes(b'{"format": 2, "keys": {"1": "\xff\xfe"}, "destroyed": []}')
        os.chmod(key_path, 0o600)
        with pytest.raises(KeyProviderError, match="malformed"):
            LocalFileKeyProvider(key_path)

    # Regression: a "keys" that is not an object, or key values that are not strings,
    # used to escape as AttributeError (`[].items()`, `(123).encode()`) instead of
    # KeyProviderError.
    @pytest.mark.parametrize(
        "content",
        [
            '{"format": 2, "keys": [], "destroyed": []}',
            '{"format": 2, "keys": "abc", "destroyed": []}',
            '{"format": 2, "keys": null, "destroyed": []}',
            '{"format": 2, "keys": {"1": 123}, "destroyed": []}',
            '{"format": 2, "keys": {"1": null}, "destroyed": []}',
            '{"format": 2, "keys": {"1": ["a"]}, "destroyed": []}',
        ],
        ids=["keys_list", "keys_string", "keys_null", "key_int", "key_null", "key_list"],
    )
    def test_wrongly_typed_json_is_refused(self, key_path: Path, content: str) -> None:
        key_path.parent.mkdir()
        _write_key_file(key_path, content)
        with pytest.raises(KeyProviderError, match="malformed"):
            LocalFileKeyProvider(key_path)

    @pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
    def test_wrong_length_key_is_refused(self, key_path: Path, length: int) -> None:
        key_path.parent.mkdir()
        material = os.urandom(length)
        _write_key_file(key_path, _key_file({1: material}))
        with pytest.raises(KeyProviderError, match="length") as excinfo:
            LocalFileKeyProvider(key_path)
        if material:
            for form in _secret_forms(material):
                assert form not in str(excinfo.value)

    def test_wrong_length_among_good_keys_is_refused(self, key_path: Path) -> None:
        key_path.parent.mkdir()
        _write_key_file(key_path, _key_file({1: os.urandom(32), 2: os.urandom(31)}))
        with pytest.raises(KeyProviderError, match="length"):
            LocalFileKeyProvider(key_path)

    def test_oversized_file_is_refused(self, key_path: Path) -> None:
        key_path.parent.mkdir()
        # Valid JSON, padded past the limit: only the size can be the reason.
        _write_key_file(key_path, _key_file({1: os.urandom(32)}) + " " * (1 << 20))
        with pytest.raises(KeyProviderError, match="too large"):
            LocalFileKeyProvider(key_path)

    def test_file_corrupted_after_opening_is_refused(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        _write_key_file(key_path, "{")
        with pytest.raises(KeyProviderError, match="malformed"):
            provider.versions()
        with pytest.raises(KeyProviderError, match="malformed"):
            provider.create(2)
        assert key_path.read_text("utf-8") == "{"

    def test_valid_hand_written_file_is_accepted(self, key_path: Path) -> None:
        key_path.parent.mkdir()
        k1, k3 = os.urandom(32), os.urandom(32)
        _write_key_file(key_path, _key_file({3: k3, 1: k1}, destroyed=[2]))
        provider = LocalFileKeyProvider(key_path)
        assert provider.versions() == [1, 3]
        assert open_with(k1, provider.wrap(1, SECRET, AAD), AAD) == SECRET
        assert open_with(k3, provider.wrap(3, SECRET, AAD), AAD) == SECRET
        # The destroyed list is honoured: number 2 is never issued again.
        with pytest.raises(KeyProviderError):
            provider.create(2)
        provider.create(4)
        assert provider.versions() == [1, 3, 4]


class TestLocalFileCreateVersion:
    def test_create_adds_a_fresh_key_and_keeps_the_others(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        first = _file_keys(key_path)[1]
        blob = provider.wrap(1, SECRET, AAD)
        provider.create(2)
        keys = _file_keys(key_path)
        assert sorted(keys) == [1, 2]
        assert keys[1] == first
        assert len(keys[2]) == MASTER_KEY_LEN
        assert keys[2] != first
        assert provider.versions() == [1, 2]
        assert provider.unwrap(1, blob, AAD) == SECRET
        assert open_with(keys[2], provider.wrap(2, SECRET, AAD), AAD) == SECRET

    def test_create_persists(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        blob = provider.wrap(2, SECRET, AAD)
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [1, 2]
        assert reopened.unwrap(2, blob, AAD) == SECRET

    def test_any_unused_number_can_be_created(self, key_path: Path) -> None:
        # Which number comes next is the database's decision, not the file's.
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(9)
        provider.create(4)
        assert provider.versions() == [1, 4, 9]
        assert json.loads(key_path.read_text("utf-8"))["keys"].keys() == {"1", "4", "9"}

    @pytest.mark.parametrize("version", [0, -1])
    def test_version_below_one_is_refused(self, key_path: Path, version: int) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        before = key_path.read_bytes()
        with pytest.raises(KeyProviderError):
            provider.create(version)
        assert key_path.read_bytes() == before

    def test_refused_create_leaves_the_file_unchanged(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        provider.destroy(2)
        before = key_path.read_bytes()
        with pytest.raises(KeyProviderError):
            provider.create(1)
        with pytest.raises(KeyProviderError):
            provider.create(2)
        assert key_path.read_bytes() == before

    def test_version_created_by_another_provider_is_used(self, key_path: Path) -> None:
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        a.create(2)
        # b has not listed versions since: it reads the file again on a miss.
        assert b.unwrap(2, a.wrap(2, SECRET, AAD), AAD) == SECRET
        assert a.unwrap(2, b.wrap(2, SECRET, AAD), AAD) == SECRET

    def test_versions_is_what_the_file_says_now(self, key_path: Path) -> None:
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        a.create(2)
        assert b.versions() == [1, 2]
        a.destroy(1)
        assert b.versions() == [2]

    def test_number_created_by_another_provider_is_refused(self, key_path: Path) -> None:
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        a.create(2)
        blob = a.wrap(2, SECRET, AAD)
        with pytest.raises(KeyProviderError):
            b.create(2)
        assert LocalFileKeyProvider(key_path).unwrap(2, blob, AAD) == SECRET

    def test_no_temporary_file_left_behind(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        provider.destroy(1)
        with pytest.raises(KeyProviderError):
            provider.create(2)
        assert sorted(p.name for p in key_path.parent.iterdir()) == [key_path.name]

    def test_concurrent_create_from_threads_gives_distinct_versions(self, key_path: Path) -> None:
        LocalFileKeyProvider(key_path, create=True)
        count = 8
        # One provider per thread: only the directory lock keeps them from losing updates.
        providers = [LocalFileKeyProvider(key_path) for _ in range(count)]
        blobs: dict[int, bytes] = {}

        def create(i: int) -> None:
            for j in range(5):
                version = 2 + i + count * j
                providers[i].create(version)
                blobs[version] = providers[i].wrap(version, SECRET, str(version).encode())

        assert _run_threads(count, create) == []
        expected = list(range(1, 2 + 5 * count))
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == expected
        assert len(set(_file_keys(key_path).values())) == len(expected)
        for version, blob in blobs.items():
            assert reopened.unwrap(version, blob, str(version).encode()) == SECRET
        assert _mode(key_path) == 0o600
        assert sorted(p.name for p in key_path.parent.iterdir()) == [key_path.name]

    def test_concurrent_create_of_one_number_has_one_winner(self, key_path: Path) -> None:
        LocalFileKeyProvider(key_path, create=True)
        count = 8
        providers = [LocalFileKeyProvider(key_path) for _ in range(count)]
        won: list[bytes] = []

        def create(i: int) -> None:
            try:
                providers[i].create(2)
            except KeyProviderError:
                return
            won.append(providers[i].wrap(2, SECRET, AAD))

        assert _run_threads(count, create) == []
        assert len(won) == 1
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [1, 2]
        assert reopened.unwrap(2, won[0], AAD) == SECRET

    def test_concurrent_create_from_processes_gives_distinct_versions(self, key_path: Path) -> None:
        LocalFileKeyProvider(key_path, create=True)
        count, each = 4, 8
        plans = [[100] + [2 + i + count * j for j in range(each)] for i in range(count)]
        outputs: list[str] = []
        with contextlib.ExitStack() as stack:
            children = [
                stack.enter_context(
                    subprocess.Popen(
                        [sys.executable, "-c", _CREATE_CHILD, str(key_path), *map(str, plan)],
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                        cwd=REPO,
                        env={**os.environ, "PYTHONPATH": str(REPO)},
                    )
                )
                for plan in plans
            ]
            # Every child has opened the file before any of them writes to it.
            for child in children:
                assert child.stdout is not None
                line = child.stdout.readline()
                assert line == "ready\n", line + child.stdout.read()
            for child in children:
                assert child.stdin is not None
                child.stdin.write("go\n")
                child.stdin.close()
            for child in children:
                assert child.stdout is not None
                outputs.append(child.stdout.read())
                child.wait()
        assert [c.returncode for c in children] == [0] * count, outputs
        results = [json.loads(out.splitlines()[-1]) for out in outputs]
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [1, *range(2, 2 + count * each), 100]
        winners = [r["100"] for r in results if r["100"] is not None]
        assert len(winners) == 1
        for result in results:
            for version, blob in result.items():
                if version != "100":
                    assert blob is not None, version
                if blob is not None:
                    aad = version.encode()
                    assert reopened.unwrap(int(version), bytes.fromhex(blob), aad) == SECRET
        assert sorted(p.name for p in key_path.parent.iterdir()) == [key_path.name]


_CREATE_CHILD = """
import json, sys
from pathlib import Path
from crypto.keys import KeyProviderError, LocalFileKeyProvider
provider = LocalFileKeyProvider(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
results = {}
for version in map(int, sys.argv[2:]):
    try:
        provider.create(version)
    except KeyProviderError:
        results[version] = None
    else:
        results[version] = provider.wrap(version, bytes(range(32)), str(version).encode()).hex()
print(json.dumps(results), flush=True)
"""


class TestLocalFileDestroy:
    def test_destroyed_key_bytes_are_in_no_file_of_the_directory(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        provider.create(3)
        keys = _file_keys(key_path)
        provider.destroy(2)
        files = [p for p in key_path.parent.rglob("*") if p.is_file()]
        assert files == [key_path]
        content = key_path.read_bytes()
        for form in _byte_forms(keys[2]):
            assert form not in content
        assert _file_keys(key_path) == {1: keys[1], 3: keys[3]}

    def test_destroy_rewrites_the_file_in_format_2(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        provider.destroy(1)
        data = json.loads(key_path.read_text("utf-8"))
        assert data["format"] == 2
        assert list(data["keys"]) == ["2"]
        assert data["destroyed"] == [1]

    def test_destroyed_list_is_persisted_and_sorted(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        provider.destroy(7)  # never created: recorded all the same
        provider.destroy(1)
        provider.destroy(1)
        assert json.loads(key_path.read_text("utf-8"))["destroyed"] == [1, 7]
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == [2]
        for version in (1, 7):
            with pytest.raises(KeyProviderError):
                reopened.create(version)
        # Creating another version keeps the record.
        reopened.create(3)
        assert json.loads(key_path.read_text("utf-8"))["destroyed"] == [1, 7]

    def test_destroyed_version_stays_unusable_after_reopen(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.create(2)
        old = provider.wrap(1, SECRET, AAD)
        kept = provider.wrap(2, SECRET, AAD)
        provider.destroy(1)
        reopened = LocalFileKeyProvider(key_path)
        with pytest.raises(KeyProviderError):
            reopened.unwrap(1, old, AAD)
        assert reopened.unwrap(2, kept, AAD) == SECRET

    def test_destroying_every_version_leaves_an_empty_usable_file(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        provider.destroy(1)
        reopened = LocalFileKeyProvider(key_path)
        assert reopened.versions() == []
        reopened.create(2)
        assert reopened.versions() == [2]

    # Another process (`credence keys retire` next to a running server) destroys a
    # version: this provider must stop using it at once, not at its next restart.
    def test_destroy_through_another_provider_takes_effect(self, key_path: Path) -> None:
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        blob = b.wrap(1, SECRET, AAD)
        a.destroy(1)
        with pytest.raises(KeyProviderError):
            b.unwrap(1, blob, AAD)

    def test_a_version_in_use_destroyed_elsewhere_neither_wraps_nor_unwraps(
        self, key_path: Path
    ) -> None:
        # `b` has keyed its cipher for version 1 (it wrapped and unwrapped with it).
        a = LocalFileKeyProvider(key_path, create=True)
        b = LocalFileKeyProvider(key_path)
        blob = b.wrap(1, SECRET, AAD)
        assert b.unwrap(1, blob, AAD) == SECRET
        a.destroy(1)
        with pytest.raises(KeyProviderError):
            b.wrap(1, SECRET, AAD)
        with pytest.raises(KeyProviderError):
            b.unwrap(1, blob, AAD)

    def test_concurrent_create_and_destroy_lose_no_update(self, key_path: Path) -> None:
        provider = LocalFileKeyProvider(key_path, create=True)
        for version in range(2, 10):
            provider.create(version)
        count = 8
        providers = [LocalFileKeyProvider(key_path) for _ in range(count)]

        def work(i: int) -> None:
            # Half the threads destroy 3, 5, 7 and 9, the others create 10 to 13.
            if i % 2:
                providers[i].destroy(3 + 2 * (i // 2))
            else:
                providers[i].create(10 + i // 2)

        assert _run_threads(count, work) == []
        assert LocalFileKeyProvider(key_path).versions() == [1, 2, 4, 6, 8, 10, 11, 12, 13]
        data = json.loads(key_path.read_text("utf-8"))
        assert data["destroyed"] == [3, 5, 7, 9]


def _env(*versions: int) -> tuple[str, dict[int, bytes]]:
    keys = {v: os.urandom(32) for v in versions}
    return encode_env_keys(keys), keys


class TestEnvKeyProvider:
    def test_parses_every_version(self) -> None:
        value, keys = _env(1, 2, 3)
        provider = EnvKeyProvider(value)
        assert provider.versions() == [1, 2, 3]
        assert provider.name == "env"
        for version, material in keys.items():
            aad = f"v{version}".encode()
            assert open_with(material, provider.wrap(version, SECRET, aad), aad) == SECRET
            assert provider.unwrap(version, seal_with(material, SECRET, aad), aad) == SECRET

    def test_versions_are_ascending_whatever_the_order(self) -> None:
        k = {v: os.urandom(32) for v in (7, 3, 5)}
        provider = EnvKeyProvider(",".join(f"{v}:{_b64(m)}" for v, m in k.items()))
        assert provider.versions() == [3, 5, 7]

    def test_encode_env_keys_format(self) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        assert encode_env_keys({2: k2, 1: k1}) == f"1:{_b64(k1)},2:{_b64(k2)}"

    def test_encode_env_keys_round_trips(self) -> None:
        value, keys = _env(4, 1, 9)
        provider = EnvKeyProvider(value)
        assert provider.versions() == [1, 4, 9]
        for version, material in keys.items():
            assert provider.unwrap(version, seal_with(material, SECRET, AAD), AAD) == SECRET

    def test_whitespace_around_parts_is_tolerated(self) -> None:
        k1, k2 = os.urandom(32), os.urandom(32)
        provider = EnvKeyProvider(f"  1:{_b64(k1)} , 2:{_b64(k2)}\n")
        assert provider.versions() == [1, 2]
        assert provider.unwrap(1, seal_with(k1, SECRET, AAD), AAD) == SECRET
        assert provider.unwrap(2, seal_with(k2, SECRET, AAD), AAD) == SECRET

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
            "1.5:" + _b64(b"k" * 32),
            "1:not base64!",
            "1:ключ",
            "1:" + _b64(b"k" * 32) + ",",
            "1:" + _b64(b"k" * 32) + ",2:",
            "1:" + _b64(b"k" * 32) + ";2:" + _b64(b"k" * 32),
        ],
        ids=[
            "empty",
            "comma",
            "garbage",
            "no_colon",
            "no_key",
            "no_version",
            "version_not_int",
            "version_fraction",
            "bad_base64",
            "non_ascii_key",
            "trailing_comma",
            "second_empty",
            "semicolon_separator",
        ],
    )
    def test_malformed_values_are_refused(self, value: str) -> None:
        with pytest.raises(KeyProviderError):
            EnvKeyProvider(value)

    @pytest.mark.parametrize("length", [16, 31, 33, 64])
    def test_wrong_length_keys_are_refused(self, length: int) -> None:
        material = os.urandom(length)
        with pytest.raises(KeyProviderError, match="32-byte") as excinfo:
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

    def test_create_and_destroy_are_refused_and_change_nothing(self) -> None:
        value, keys = _env(1, 2)
        provider = EnvKeyProvider(value)
        blob = provider.wrap(1, SECRET, AAD)
        attempts: list[Callable[[], None]] = [
            lambda: provider.create(3),
            lambda: provider.create(1),
            lambda: provider.destroy(1),
            lambda: provider.destroy(5),
        ]
        for attempt in attempts:
            with pytest.raises(KeyProviderError, match="read-only") as excinfo:
                attempt()
            for material in keys.values():
                for form in _secret_forms(material):
                    assert form not in str(excinfo.value)
        assert provider.versions() == [1, 2]
        assert provider.unwrap(1, blob, AAD) == SECRET

    def test_repr_hides_material(self) -> None:
        value, keys = _env(1, 2)
        provider = EnvKeyProvider(value)
        text = repr(provider)
        assert "[1, 2]" in text
        assert value not in text
        for material in keys.values():
            for form in _secret_forms(material):
                assert form not in text

    @pytest.mark.parametrize(
        "template",
        ["1:{k},x:{k}", "1:{k},2:{k}!", "{k}", "1:{k},2:{k}:3", "1:{k}{k}"],
        ids=["bad_version", "bad_base64", "no_version", "extra_colon", "too_long"],
    )
    def test_errors_hide_the_value(self, template: str) -> None:
        material = os.urandom(32)
        value = template.format(k=_b64(material))
        with pytest.raises(KeyProviderError) as excinfo:
            EnvKeyProvider(value)
        for text in (str(excinfo.value), repr(excinfo.value)):
            assert value not in text
            for form in _secret_forms(material):
                assert form not in text
        assert excinfo.value.__cause__ is None
        assert excinfo.value.__suppress_context__ or excinfo.value.__context__ is None
