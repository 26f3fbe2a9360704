"""The PKCS#11 settings: CREDENCE_PKCS11_* name the library, token, PIN (or PIN file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.runtime import hsm_provider
from core.settings import Settings
from crypto.keys import KeyProvider, KeyProviderError
from tests.crypto.test_pkcs11_provider import WRONG_PIN, assert_one_line_without
from tests.crypto.test_provider_contract import (
    AAD,
    SECRET,
    SoftHsm,
    softhsm,  # noqa: F401 - the session fixture, shared with the contract tests
)

pytest.importorskip("pkcs11")


@pytest.fixture
def hsm(softhsm: SoftHsm) -> SoftHsm:  # noqa: F811 - the imported fixture, by name
    """The run's SoftHSM2 token."""
    return softhsm


class TestFromEnvironment:
    """The settings read the library, token and PIN (or a private PIN file) from the environment."""

    @pytest.fixture(autouse=True)
    def _own_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # A run on the HSM sets these for every test; each test here names its own.
        for name in [n for n in os.environ if n.startswith("CREDENCE_PKCS11_")]:
            monkeypatch.delenv(name)
        self._monkeypatch = monkeypatch

    def _from_env(self, env: dict[str, str]) -> KeyProvider:
        """The provider the settings read from exactly these CREDENCE_PKCS11_* variables."""
        for name, value in env.items():
            self._monkeypatch.setenv(name, value)
        return hsm_provider(Settings())

    def _env(self, hsm: SoftHsm, **extra: str) -> dict[str, str]:
        return {"CREDENCE_PKCS11_LIB": hsm.lib, "CREDENCE_PKCS11_TOKEN": hsm.token, **extra}

    def test_pin_variable(self, hsm: SoftHsm) -> None:
        made = self._from_env(self._env(hsm, CREDENCE_PKCS11_PIN=hsm.pin))
        try:
            assert made.name == "pkcs11"
            assert hsm.pin not in repr(made)
        finally:
            made.close()

    def test_library_defaults_to_softhsm(self, hsm: SoftHsm) -> None:
        if hsm.lib != "/usr/lib/softhsm/libsofthsm2.so":
            pytest.skip("this run's library is not at the default path")
        env = {"CREDENCE_PKCS11_TOKEN": hsm.token, "CREDENCE_PKCS11_PIN": hsm.pin}
        self._from_env(env).close()

    def test_private_pin_file(self, tmp_path: Path, hsm: SoftHsm) -> None:
        pin_file = tmp_path / "pin"
        pin_file.write_text(hsm.pin + "\n", encoding="utf-8")
        pin_file.chmod(0o600)
        made = self._from_env(self._env(hsm, CREDENCE_PKCS11_PIN_FILE=str(pin_file)))
        try:
            made.create(1)
            assert made.unwrap(1, made.wrap(1, SECRET, AAD), AAD) == SECRET
        finally:
            made.destroy(1)
            made.close()

    def test_pin_file_readable_by_others_is_refused(self, tmp_path: Path, hsm: SoftHsm) -> None:
        pin_file = tmp_path / "pin"
        pin_file.write_text(WRONG_PIN, encoding="utf-8")
        pin_file.chmod(0o644)
        with pytest.raises(KeyProviderError, match="chmod 600") as caught:
            self._from_env(self._env(hsm, CREDENCE_PKCS11_PIN_FILE=str(pin_file)))
        assert_one_line_without(caught.value, WRONG_PIN)

    def test_missing_pin_file_is_refused(self, tmp_path: Path, hsm: SoftHsm) -> None:
        missing = tmp_path / "no-pin"
        with pytest.raises(KeyProviderError, match="missing"):
            self._from_env(self._env(hsm, CREDENCE_PKCS11_PIN_FILE=str(missing)))

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            ({}, "CREDENCE_PKCS11_PIN or CREDENCE_PKCS11_PIN_FILE must be set"),
            ({"CREDENCE_PKCS11_PIN": "1", "CREDENCE_PKCS11_PIN_FILE": "/x"}, "not both"),
        ],
    )
    def test_pin_settings_must_be_one(
        self, hsm: SoftHsm, extra: dict[str, str], message: str
    ) -> None:
        with pytest.raises(KeyProviderError, match=message):
            self._from_env(self._env(hsm, **extra))

    def test_token_is_required(self, hsm: SoftHsm) -> None:
        with pytest.raises(KeyProviderError, match="CREDENCE_PKCS11_TOKEN"):
            self._from_env({"CREDENCE_PKCS11_PIN": hsm.pin})
