"""The PKCS#11 provider on a SoftHSM2 token: what only a token can show.

The key objects' attributes as the token reports them, a second session and a second
process sharing the token, and the start-up errors (the settings that name the token,
and the PIN file, are tested in tests/core/test_pkcs11_settings.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crypto.keys import KeyProviderError
from crypto.suites import DecryptionError
from tests.crypto.test_provider_contract import (
    AAD,
    SECRET,
    SETUP_SCRIPT,
    SoftHsm,
    fresh_prefix,
    softhsm,  # noqa: F401 - the session fixture, shared with the contract tests
)

pkcs11 = pytest.importorskip("pkcs11")
from crypto.pkcs11_provider import Pkcs11KeyProvider  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WRONG_PIN = "wrong-pin-5150"


@pytest.fixture
def hsm(softhsm: SoftHsm) -> SoftHsm:  # noqa: F811 - the imported fixture, by name
    """The run's SoftHSM2 token."""
    return softhsm


@pytest.fixture
def provider(hsm: SoftHsm) -> Iterator[Pkcs11KeyProvider]:
    """A provider with a label prefix of its own on the run's token."""
    made = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=fresh_prefix())
    yield made
    made.close()


@contextmanager
def raw_session(hsm: SoftHsm, *, rw: bool = False) -> Iterator[Any]:
    """A plain python-pkcs11 session; a provider must be open (it holds the login)."""
    # The provider loads the library by its real path; python-pkcs11 keys loads by name.
    token = pkcs11.lib(os.path.realpath(hsm.lib)).get_token(token_label=hsm.token)
    # Login is per process and token: the open provider's login covers this session.
    session = token.open(rw=rw)
    try:
        yield session
    finally:
        session.close()


def _objects(session: Any, cls: Any, label: str) -> list[Any]:
    attrs = {pkcs11.Attribute.CLASS: cls, pkcs11.Attribute.LABEL: label}
    return list(session.get_objects(attrs))


def assert_one_line_without(exc: BaseException, *forbidden: str) -> None:
    """The error is one non-empty line, without the secrets, and carries no PKCS#11 error."""
    text = str(exc)
    assert text
    assert "\n" not in text
    for secret in forbidden:
        assert secret not in text
        assert secret not in repr(exc)
    # Raised `from None`: no PKCS#11 exception rides along to be printed.
    assert exc.__cause__ is None
    assert exc.__suppress_context__ or exc.__context__ is None


def _run_python(hsm: SoftHsm, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SOFTHSM2_CONF": str(hsm.conf),
        "HSM_LIB": hsm.lib,
        "HSM_TOKEN": hsm.token,
        "HSM_PIN": hsm.pin,
    }
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )


_CHILD_PRELUDE = """
import os, sys
from crypto.pkcs11_provider import Pkcs11KeyProvider
p = Pkcs11KeyProvider(os.environ["HSM_LIB"], os.environ["HSM_TOKEN"], os.environ["HSM_PIN"],
                      label_prefix=sys.argv[1])
"""


class TestKeyObjects:
    """A master key is a sensitive, non-extractable AES-256 object for encryption only."""

    def test_attributes_as_the_token_reports_them(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        attr = pkcs11.Attribute
        with raw_session(hsm) as session:
            (key,) = _objects(session, pkcs11.ObjectClass.SECRET_KEY, f"{provider._prefix}1")
            assert key[attr.KEY_TYPE] == pkcs11.KeyType.AES
            assert key[attr.VALUE_LEN] == 32
            assert key[attr.TOKEN] is True
            assert key[attr.PRIVATE] is True
            assert key[attr.SENSITIVE] is True
            assert key[attr.ALWAYS_SENSITIVE] is True
            assert key[attr.EXTRACTABLE] is False
            assert key[attr.NEVER_EXTRACTABLE] is True
            assert key[attr.ENCRYPT] is True
            assert key[attr.DECRYPT] is True
            for usage in (attr.WRAP, attr.UNWRAP, attr.SIGN, attr.VERIFY, attr.DERIVE):
                assert key[usage] is False, usage
            with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                key[attr.VALUE]

    def test_blob_is_nonce_then_gcm_output_of_the_token(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        blob = provider.wrap(1, SECRET, AAD)
        with raw_session(hsm) as session:
            (key,) = _objects(session, pkcs11.ObjectClass.SECRET_KEY, f"{provider._prefix}1")
            params = pkcs11.mechanisms.GCMParams(blob[:12], AAD, 128)
            opened = key.decrypt(
                blob[12:], mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params
            )
        assert opened == SECRET

    def test_destroy_leaves_a_marker_and_no_key(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(3)
        provider.destroy(3)
        with raw_session(hsm) as session:
            assert _objects(session, pkcs11.ObjectClass.SECRET_KEY, f"{provider._prefix}3") == []
            (marker,) = _objects(session, pkcs11.ObjectClass.DATA, f"{provider._prefix}destroyed-3")
            assert marker[pkcs11.Attribute.VALUE] == b"3"

    def test_no_number_at_or_below_a_destroyed_one_is_issued(
        self, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(3)
        provider.destroy(3)
        for number in (1, 2, 3):
            with pytest.raises(KeyProviderError, match="destroyed"):
                provider.create(number)
        provider.create(4)
        assert provider.versions() == [4]

    def test_version_zero_or_negative_is_refused(self, provider: Pkcs11KeyProvider) -> None:
        for number in (0, -1):
            with pytest.raises(KeyProviderError):
                provider.create(number)

    def test_other_labels_on_the_token_are_not_versions(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(2)
        with raw_session(hsm, rw=True) as session:
            for stray in ("01", "2x", "x", ""):
                session.generate_key(
                    pkcs11.KeyType.AES, 256, label=f"{provider._prefix}{stray}", store=True
                )
        assert provider.versions() == [2]

    def test_closed_provider_refuses_work(self, hsm: SoftHsm) -> None:
        made = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=fresh_prefix())
        made.create(1)
        made.close()
        made.close()  # idempotent
        with pytest.raises(KeyProviderError, match="closed"):
            made.wrap(1, SECRET, AAD)


class TestSharing:
    """Another session, or another process, sees the same keys."""

    def test_second_instance_sees_versions_and_unwraps(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        blob = provider.wrap(1, SECRET, AAD)
        other = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=provider._prefix)
        try:
            assert other.versions() == [1]
            assert other.unwrap(1, blob, AAD) == SECRET
            other.create(2)
            assert provider.versions() == [1, 2]
            assert provider.unwrap(2, other.wrap(2, SECRET, AAD), AAD) == SECRET
        finally:
            other.close()
        # Closing one instance does not log the other out.
        assert provider.unwrap(1, blob, AAD) == SECRET

    def test_closing_the_first_instance_keeps_the_second_logged_in(self, hsm: SoftHsm) -> None:
        prefix = fresh_prefix()
        first = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=prefix)
        second = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=prefix)
        try:
            first.create(1)
            blob = first.wrap(1, SECRET, AAD)
            first.close()
            assert second.unwrap(1, blob, AAD) == SECRET
            second.create(2)
        finally:
            first.close()
            second.close()
        # With every instance closed the process is logged out, and a new one logs in.
        third = Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=prefix)
        try:
            assert third.versions() == [1, 2]
        finally:
            third.close()

    def test_instances_on_many_threads_share_the_library_safely(self, hsm: SoftHsm) -> None:
        # SoftHSM2 runs without locks of its own under python-pkcs11: two instances used
        # at once from many threads must still be serialised, or the process crashes.
        prefix = fresh_prefix()
        instances = [
            Pkcs11KeyProvider(hsm.lib, hsm.token, hsm.pin, label_prefix=prefix) for _ in range(2)
        ]
        try:
            instances[0].create(1)

            def worker(n: int) -> bool:
                mine = instances[n % 2]
                for i in range(40):
                    aad = f"{n}-{i}".encode()
                    blob = mine.wrap(1, SECRET, aad)
                    if instances[(n + 1) % 2].unwrap(1, blob, aad) != SECRET:
                        return False
                    mine.versions()
                return True

            with ThreadPoolExecutor(max_workers=8) as pool:
                assert list(pool.map(worker, range(8))) == [True] * 8
        finally:
            for made in instances:
                made.close()

    def test_second_process_unwraps_and_creates(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        blob = provider.wrap(1, SECRET, AAD)
        code = _CHILD_PRELUDE + (
            "print(p.versions())\n"
            "print(p.unwrap(1, bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])).hex())\n"
            "p.create(2)\n"
            "p.close()\n"
        )
        done = _run_python(hsm, code, provider._prefix, blob.hex(), AAD.hex())
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["[1]", SECRET.hex()]
        assert provider.versions() == [1, 2]
        assert provider.unwrap(2, provider.wrap(2, SECRET, AAD), AAD) == SECRET

    def test_destroy_in_another_process_ends_use_here(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        blob = provider.wrap(1, SECRET, AAD)  # the key handle is now cached here
        done = _run_python(hsm, _CHILD_PRELUDE + "p.destroy(1)\np.close()\n", provider._prefix)
        assert done.returncode == 0, done.stderr
        with pytest.raises(KeyProviderError, match="not available"):
            provider.unwrap(1, blob, AAD)
        with pytest.raises(KeyProviderError, match="destroyed"):
            provider.create(1)

    def test_tampered_blob_is_a_decryption_error_not_a_token_error(
        self, provider: Pkcs11KeyProvider
    ) -> None:
        provider.create(1)
        blob = bytearray(provider.wrap(1, SECRET, AAD))
        blob[-1] ^= 0x80
        with pytest.raises(DecryptionError) as caught:
            provider.unwrap(1, bytes(blob), AAD)
        assert_one_line_without(caught.value, SECRET.hex())


class TestStartUpErrors:
    """Start-up failures are one KeyProviderError line that never holds the PIN."""

    def test_wrong_pin_while_this_process_is_logged_in(
        self, hsm: SoftHsm, provider: Pkcs11KeyProvider
    ) -> None:
        with pytest.raises(KeyProviderError, match="wrong PIN") as caught:
            Pkcs11KeyProvider(hsm.lib, hsm.token, WRONG_PIN, label_prefix=provider._prefix)
        assert_one_line_without(caught.value, WRONG_PIN, hsm.pin)
        # The refused instance took nothing from the one that is open.
        provider.create(1)
        assert provider.versions() == [1]

    def test_wrong_pin_in_a_fresh_process(self, hsm: SoftHsm) -> None:
        code = (
            "import os, sys\n"
            "from crypto.keys import KeyProviderError\n"
            "from crypto.pkcs11_provider import Pkcs11KeyProvider\n"
            "try:\n"
            "    Pkcs11KeyProvider(os.environ['HSM_LIB'], os.environ['HSM_TOKEN'], sys.argv[1])\n"
            "except KeyProviderError as exc:\n"
            "    print(exc)\n"
            "    print(exc.__cause__ is None and exc.__suppress_context__)\n"
        )
        done = _run_python(hsm, code, WRONG_PIN)
        assert done.returncode == 0, done.stderr
        message, clean = done.stdout.splitlines()
        assert "wrong PIN" in message
        assert WRONG_PIN not in message
        assert clean == "True"

    def test_unknown_token_label(self, hsm: SoftHsm) -> None:
        with pytest.raises(KeyProviderError, match="no PKCS#11 token labelled 'nosuch'") as caught:
            Pkcs11KeyProvider(hsm.lib, "nosuch", WRONG_PIN)
        assert_one_line_without(caught.value, WRONG_PIN)

    def test_missing_library(self, tmp_path: Path, hsm: SoftHsm) -> None:
        missing = tmp_path / "nowhere" / "libpkcs11.so"
        with pytest.raises(KeyProviderError, match="does not exist") as caught:
            Pkcs11KeyProvider(str(missing), hsm.token, WRONG_PIN)
        assert_one_line_without(caught.value, WRONG_PIN)

    def test_file_that_is_no_library(self, tmp_path: Path, hsm: SoftHsm) -> None:
        fake = tmp_path / "libfake.so"
        fake.write_bytes(b"not an ELF file")
        with pytest.raises(KeyProviderError, match="could not be loaded") as caught:
            Pkcs11KeyProvider(str(fake), hsm.token, WRONG_PIN)
        assert_one_line_without(caught.value, WRONG_PIN)


class TestSetupScript:
    """scripts/softhsm-setup.sh is idempotent and keeps everything under its directory."""

    def test_second_run_changes_nothing(self, hsm: SoftHsm) -> None:
        directory = hsm.conf.parent
        before = sorted(p.name for p in (directory / "tokens").iterdir())
        again = subprocess.run(
            [str(SETUP_SCRIPT), str(directory)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert again.stdout.strip() == (
            f"export SOFTHSM2_CONF={hsm.conf}; export CREDENCE_PKCS11_TOKEN={hsm.token}; "
            f"export CREDENCE_PKCS11_PIN={hsm.pin}"
        )
        assert sorted(p.name for p in (directory / "tokens").iterdir()) == before
        assert len(before) == 1
        conf = hsm.conf.read_text(encoding="utf-8")
        assert f"directories.tokendir = {directory}/tokens" in conf
        assert "objectstore.backend = file" in conf
