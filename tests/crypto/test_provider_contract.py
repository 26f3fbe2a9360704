"""The KeyProvider contract, held by every provider: the key file, the environment, PKCS#11.

The PKCS#11 provider runs against a SoftHSM2 token that scripts/softhsm-setup.sh makes
in the run's temporary directory; where that cannot be done the PKCS#11 cases skip,
unless CREDENCE_REQUIRE_HSM=1 makes them fail.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import random
import string
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from crypto import secret_files
from crypto.keys import (
    MASTER_KEY_LEN,
    EnvKeyProvider,
    KeyProvider,
    KeyProviderError,
    LocalFileKeyProvider,
    encode_env_keys,
)
from crypto.suites import NONCE_LEN, TAG_LEN, DecryptionError

SETUP_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "softhsm-setup.sh"
AAD = b"credence:data-key:42"
SECRET = bytes(range(32))


@dataclass(frozen=True)
class SoftHsm:
    """A SoftHSM2 token made for this run: library, label, PIN and config file."""

    lib: str
    token: str
    pin: str
    conf: Path


def _parse_exports(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for statement in text.replace("\n", ";").split(";"):
        statement = statement.strip()
        if statement.startswith("export "):
            name, _, value = statement[len("export ") :].partition("=")
            found[name] = value
    return found


def _run_token(lib: str) -> SoftHsm | None:
    """The token the whole run is on (scripts/with-softhsm.sh), if it is on one.

    SoftHSM2 reads its config once per process: the keyrings of the other tests have
    loaded the run's, so a second token made here would be out of this process's reach
    while a child process given its config would reach only that one.
    """
    conf = os.environ.get("SOFTHSM2_CONF")
    token = os.environ.get("CREDENCE_PKCS11_TOKEN")
    pin = os.environ.get("CREDENCE_PKCS11_PIN")
    if os.environ.get("CREDENCE_KEY_PROVIDER") != "pkcs11" or not (conf and token and pin):
        return None
    return SoftHsm(lib=lib, token=token, pin=pin, conf=Path(conf))


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """A SoftHSM2 token for the run, SOFTHSM2_CONF set in os.environ (and restored after)."""
    lib = os.environ.get("CREDENCE_PKCS11_LIB", "/usr/lib/softhsm/libsofthsm2.so")
    run_token = _run_token(lib)
    if run_token is not None:
        yield run_token
        return
    # One directory per run: both HSM test modules use this fixture, the setup is
    # idempotent, and SoftHSM2 reads its config once per process, so all must agree.
    directory = tmp_path_factory.getbasetemp() / "softhsm"
    try:
        done = subprocess.run(
            [str(SETUP_SCRIPT), str(directory)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        problem = None if done.returncode == 0 else done.stderr.strip().splitlines()[-1:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        problem = [type(exc).__name__]
    if problem is None and not Path(lib).is_file():
        problem = [f"no PKCS#11 library at {lib}"]
    if problem is None and importlib.util.find_spec("pkcs11") is None:
        problem = ["python-pkcs11 is not installed (pip install -e '.[test]')"]
    if problem is not None:
        reason = f"SoftHSM2 could not be set up: {' '.join(problem) or 'setup failed'}"
        if os.environ.get("CREDENCE_REQUIRE_HSM") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    exports = _parse_exports(done.stdout)
    saved = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = exports["SOFTHSM2_CONF"]
    yield SoftHsm(
        lib=lib,
        token=exports["CREDENCE_PKCS11_TOKEN"],
        pin=exports["CREDENCE_PKCS11_PIN"],
        conf=Path(exports["SOFTHSM2_CONF"]),
    )
    if saved is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = saved


def fresh_prefix() -> str:
    """A label prefix of letters only, so no test sees another's keys (or a stray PIN)."""
    tail = "".join(random.choices(string.ascii_lowercase, k=12))  # noqa: S311 - a name, not a key
    return f"test-{tail}-"


@dataclass
class Harness:
    """One provider under the contract, and what must never appear in its text."""

    provider: KeyProvider
    writable: bool
    held: list[int]
    secrets: list[str] = field(default_factory=list)
    refresh_secrets: Callable[[], list[str]] = lambda: []

    def version(self, number: int) -> int:
        """A version the provider holds: created here when writable, else a preset one."""
        if self.writable:
            self.provider.create(number)
            return number
        return self.held[number - 1]

    def forbidden(self) -> list[str]:
        """Every textual form of key material or PIN known now."""
        return self.secrets + self.refresh_secrets()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _file_harness(tmp_path: Path) -> Harness:
    path = tmp_path / "keys" / "master.json"
    # An empty key file, so the file provider starts empty like a fresh token.
    secret_files.create_private(path, b'{"format": 2, "keys": {}, "destroyed": []}')
    provider = LocalFileKeyProvider(path)

    def material() -> list[str]:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = [base64.b64decode(k) for k in data["keys"].values()]
        return [form for k in keys for form in (_b64(k), k.hex())]

    return Harness(provider=provider, writable=True, held=[], refresh_secrets=material)


def _env_harness() -> Harness:
    keys = {1: os.urandom(MASTER_KEY_LEN), 2: os.urandom(MASTER_KEY_LEN)}
    forms = [form for k in keys.values() for form in (_b64(k), k.hex())]
    return Harness(
        provider=EnvKeyProvider(encode_env_keys(keys)), writable=False, held=[1, 2], secrets=forms
    )


def _pkcs11_harness(hsm: SoftHsm) -> Harness:
    from crypto.pkcs11_provider import Pkcs11KeyProvider

    provider = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=fresh_prefix())
    return Harness(provider=provider, writable=True, held=[], secrets=[hsm.pin])


@pytest.fixture(params=["file", "env", "pkcs11"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """Each provider in turn, fresh for every test."""
    if request.param == "file":
        made = _file_harness(tmp_path)
    elif request.param == "env":
        made = _env_harness()
    else:
        made = _pkcs11_harness(request.getfixturevalue("softhsm"))
    yield made
    made.provider.close()


def _flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


class TestKeyProviderContract:
    """What envelope encryption may rely on, whichever provider holds the master keys."""

    def test_created_version_is_listed(self, harness: Harness) -> None:
        v = harness.version(1)
        harness.version(2)
        assert harness.provider.versions() == [1, 2]
        assert v in harness.provider.versions()

    def test_read_only_provider_refuses_create_and_destroy(self, harness: Harness) -> None:
        if harness.writable:
            harness.provider.create(3)
            harness.provider.destroy(3)
            assert 3 not in harness.provider.versions()
            return
        before = harness.provider.versions()
        with pytest.raises(KeyProviderError, match="read-only"):
            harness.provider.create(3)
        with pytest.raises(KeyProviderError, match="read-only"):
            harness.provider.destroy(1)
        assert harness.provider.versions() == before

    def test_wrap_unwrap_round_trip_with_aad(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        assert len(blob) == NONCE_LEN + len(SECRET) + TAG_LEN
        assert SECRET not in blob
        assert harness.provider.unwrap(v, blob, AAD) == SECRET

    def test_empty_aad_round_trips(self, harness: Harness) -> None:
        v = harness.version(1)
        assert harness.provider.unwrap(v, harness.provider.wrap(v, SECRET, b""), b"") == SECRET

    def test_wrong_aad_fails(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        with pytest.raises(DecryptionError):
            harness.provider.unwrap(v, blob, AAD + b"x")
        with pytest.raises(DecryptionError):
            harness.provider.unwrap(v, blob, b"")

    def test_flipped_byte_in_any_position_fails(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        for index in range(len(blob)):
            with pytest.raises(DecryptionError):
                harness.provider.unwrap(v, _flip(blob, index), AAD)
        # A failed decryption leaves the provider (and an HSM session) fit for the next.
        assert harness.provider.unwrap(v, blob, AAD) == SECRET

    def test_truncated_or_extended_blob_fails(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        for bad in (
            b"",
            blob[:NONCE_LEN],
            blob[: NONCE_LEN + TAG_LEN - 1],
            blob[:-1],
            blob + b"\0",
        ):
            with pytest.raises(DecryptionError):
                harness.provider.unwrap(v, bad, AAD)

    def test_unwrap_under_another_version_fails(self, harness: Harness) -> None:
        v1, v2 = harness.version(1), harness.version(2)
        blob = harness.provider.wrap(v1, SECRET, AAD)
        with pytest.raises(DecryptionError):
            harness.provider.unwrap(v2, blob, AAD)

    def test_unknown_version_is_a_provider_error(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        with pytest.raises(KeyProviderError):
            harness.provider.wrap(99, SECRET, AAD)
        with pytest.raises(KeyProviderError):
            harness.provider.unwrap(99, blob, AAD)

    def test_destroy_makes_old_blobs_unrecoverable(self, harness: Harness) -> None:
        v1, v2 = harness.version(1), harness.version(2)
        blob = harness.provider.wrap(v1, SECRET, AAD)
        if not harness.writable:
            with pytest.raises(KeyProviderError):
                harness.provider.destroy(v1)
            assert harness.provider.unwrap(v1, blob, AAD) == SECRET
            return
        harness.provider.destroy(v1)
        assert harness.provider.versions() == [v2]
        with pytest.raises(KeyProviderError):
            harness.provider.unwrap(v1, blob, AAD)
        with pytest.raises(KeyProviderError):
            harness.provider.wrap(v1, SECRET, AAD)
        # The other version is untouched.
        assert harness.provider.unwrap(v2, harness.provider.wrap(v2, SECRET, AAD), AAD) == SECRET

    def test_destroy_is_idempotent(self, harness: Harness) -> None:
        if not harness.writable:
            pytest.skip("a read-only provider refuses destroy (tested above)")
        v = harness.version(1)
        harness.provider.destroy(v)
        harness.provider.destroy(v)
        harness.provider.destroy(7)  # a number never created is recorded all the same
        assert harness.provider.versions() == []

    def test_destroyed_number_cannot_be_created_again(self, harness: Harness) -> None:
        if not harness.writable:
            pytest.skip("a read-only provider refuses create (tested above)")
        v = harness.version(1)
        harness.provider.destroy(v)
        with pytest.raises(KeyProviderError):
            harness.provider.create(v)
        assert harness.provider.versions() == []

    def test_held_number_cannot_be_created_again(self, harness: Harness) -> None:
        if not harness.writable:
            pytest.skip("a read-only provider refuses create (tested above)")
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        with pytest.raises(KeyProviderError):
            harness.provider.create(v)
        # The refusal replaced nothing: the old blob still opens.
        assert harness.provider.unwrap(v, blob, AAD) == SECRET

    def test_two_wraps_of_one_secret_differ(self, harness: Harness) -> None:
        v = harness.version(1)
        first = harness.provider.wrap(v, SECRET, AAD)
        second = harness.provider.wrap(v, SECRET, AAD)
        assert first[:NONCE_LEN] != second[:NONCE_LEN]
        assert first != second
        assert harness.provider.unwrap(v, second, AAD) == SECRET

    def test_repr_and_errors_show_no_key_material_or_pin(self, harness: Harness) -> None:
        v = harness.version(1)
        blob = harness.provider.wrap(v, SECRET, AAD)
        texts = [repr(harness.provider), str(harness.provider)]
        attempts: list[Callable[[], object]] = [
            lambda: harness.provider.unwrap(v, _flip(blob, NONCE_LEN), AAD),
            lambda: harness.provider.unwrap(99, blob, AAD),
            lambda: harness.provider.wrap(99, SECRET, AAD),
            lambda: harness.provider.create(v),
            lambda: harness.provider.unwrap(v, blob[:5], AAD),
        ]
        for attempt in attempts:
            with pytest.raises((KeyProviderError, DecryptionError)) as caught:
                attempt()
            texts += [str(caught.value), repr(caught.value)]
            assert caught.value.__cause__ is None
            assert caught.value.__suppress_context__ or caught.value.__context__ is None
        forbidden = harness.forbidden()
        assert forbidden, "the harness must know what to look for"
        for text in texts:
            for secret in forbidden:
                assert secret not in text
            assert SECRET.hex() not in text

    def test_concurrent_wrap_unwrap_from_eight_threads(self, harness: Harness) -> None:
        v1, v2 = harness.version(1), harness.version(2)

        def worker(n: int) -> bool:
            for i in range(40):
                version = (v1, v2)[(n + i) % 2]
                secret = os.urandom(32)
                aad = f"thread-{n}-{i}".encode()
                blob = harness.provider.wrap(version, secret, aad)
                if harness.provider.unwrap(version, blob, aad) != secret:
                    return False
                try:
                    harness.provider.unwrap(version, _flip(blob, len(blob) - 1), aad)
                except DecryptionError:
                    pass
                else:
                    return False
            return True

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(worker, range(8)))
        assert results == [True] * 8
