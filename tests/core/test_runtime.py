"""Start-up refuses a missing, wrong or unsafe master key instead of serving garbage."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

import pytest
from pydantic import SecretStr

from core.errors import KeysUnavailable
from core.runtime import open_runtime
from core.settings import Settings
from crypto.keys import encode_env_keys
from tests.conftest import ON_HSM


def _settings(tmp_path, url: str, **kw) -> Settings:
    # The provider is named, so a suite run on the HSM still tests the file here.
    kw.setdefault("key_provider", "file")
    return Settings(data_dir=tmp_path / "data", database_url=SecretStr(url), **kw)


class TestKeyFile:
    def test_first_run_creates_key_file_0600_and_second_run_reuses_it(self, tmp_path, fresh_url):
        settings = _settings(tmp_path, fresh_url)
        rt = open_runtime(settings)
        rt.engine.dispose()
        assert oct(settings.key_file.stat().st_mode & 0o777) == "0o600"
        before = settings.key_file.read_bytes()
        open_runtime(settings).engine.dispose()
        assert settings.key_file.read_bytes() == before

    def test_missing_key_file_with_existing_data_is_refused_not_recreated(
        self, tmp_path, fresh_url
    ):
        settings = _settings(tmp_path, fresh_url)
        open_runtime(settings).engine.dispose()
        settings.key_file.unlink()
        with pytest.raises(KeysUnavailable, match="missing"):
            open_runtime(settings)
        assert not settings.key_file.exists()

    def test_wrong_key_file_is_refused(self, tmp_path, fresh_url):
        settings = _settings(tmp_path, fresh_url)
        open_runtime(settings).engine.dispose()
        settings.key_file.unlink()
        other = _settings(tmp_path / "other", f"sqlite:///{tmp_path / 'other.db'}")
        open_runtime(other).engine.dispose()
        os.replace(other.key_file, settings.key_file)
        with pytest.raises(KeysUnavailable, match="wrong"):
            open_runtime(settings)

    def test_key_file_readable_by_others_is_refused(self, tmp_path, fresh_url):
        settings = _settings(tmp_path, fresh_url)
        open_runtime(settings).engine.dispose()
        settings.key_file.chmod(0o644)
        with pytest.raises(KeysUnavailable, match="accessible to others"):
            open_runtime(settings)


class TestEnvProvider:
    def test_env_keys_work_and_a_different_env_key_is_refused(self, tmp_path, fresh_url):
        keys = encode_env_keys({1: secrets.token_bytes(32)})
        settings = _settings(tmp_path, fresh_url, key_provider="env", master_keys=SecretStr(keys))
        open_runtime(settings).engine.dispose()
        wrong = _settings(
            tmp_path,
            fresh_url,
            key_provider="env",
            master_keys=SecretStr(encode_env_keys({1: secrets.token_bytes(32)})),
        )
        with pytest.raises(KeysUnavailable):
            open_runtime(wrong)

    def test_env_provider_without_keys_is_refused(self, tmp_path, fresh_url):
        with pytest.raises(KeysUnavailable, match="CREDENCE_MASTER_KEYS"):
            open_runtime(_settings(tmp_path, fresh_url, key_provider="env"))

    def test_switching_suite_is_refused(self, tmp_path, fresh_url):
        settings = _settings(tmp_path, fresh_url)
        open_runtime(settings).engine.dispose()
        with pytest.raises(KeysUnavailable, match="suite"):
            open_runtime(_settings(tmp_path, fresh_url, crypto_suite="sm4"))


@pytest.mark.skipif(not ON_HSM, reason="needs the SoftHSM2 token (scripts/with-softhsm.sh)")
class TestPkcs11Provider:
    def test_keys_are_made_in_the_token_and_found_again(self, tmp_path, fresh_url):
        settings = _settings(tmp_path, fresh_url, key_provider="pkcs11")
        first = open_runtime(settings)
        assert first.keyring.provider.name == "pkcs11"
        assert first.keyring.provider.versions() == [1]
        first.engine.dispose()
        assert not settings.key_file.exists()
        again = open_runtime(settings)
        assert again.keyring.current_version() == 1
        again.engine.dispose()

    @pytest.mark.parametrize(
        ("env", "says"),
        [
            ({"CREDENCE_PKCS11_PIN": "9999"}, "wrong PIN"),
            ({"CREDENCE_PKCS11_TOKEN": "no-such-token"}, "no PKCS#11 token labelled"),
            ({"CREDENCE_PKCS11_LIB": "/nonexistent/libpkcs11.so"}, "PKCS#11"),
        ],
        ids=["wrong-pin", "absent-token", "missing-module"],
    )
    def test_a_broken_hsm_stops_start_up_with_one_line(
        self, tmp_path, fresh_url, monkeypatch, env, says
    ):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(KeysUnavailable, match=says) as refused:
            open_runtime(_settings(tmp_path, fresh_url, key_provider="pkcs11"))
        message = str(refused.value)
        assert "\n" not in message
        assert "1234" not in message
        assert "9999" not in message

    def test_an_absent_key_object_is_refused(self, tmp_path, fresh_url, monkeypatch):
        settings = _settings(tmp_path, fresh_url, key_provider="pkcs11")
        open_runtime(settings).engine.dispose()
        # Another prefix: the token no longer holds the key this database needs.
        monkeypatch.setenv("CREDENCE_PKCS11_LABEL_PREFIX", "elsewhere-")
        with pytest.raises(KeysUnavailable, match="master key version 1"):
            open_runtime(_settings(tmp_path, fresh_url, key_provider="pkcs11"))


class TestIndexRotationAfterErasure:
    def test_the_tick_rotates_the_index_key_after_erasures_on_postgresql_only(
        self, tmp_path, fresh_url
    ):
        rt = open_runtime(_settings(tmp_path, fresh_url, erasure_index_rotation_hours=6))
        try:
            if rt.engine.dialect.name == "postgresql":
                assert rt.index_rotation_after == timedelta(hours=6)
            else:
                # Secure delete and WAL truncation leave SQLite no remnant to outlive a key.
                assert rt.index_rotation_after is None
        finally:
            rt.engine.dispose()
