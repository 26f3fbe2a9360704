"""Master keys and the providers that hold them.

Invariants: master keys are 32 random bytes identified by a positive integer
version; a provider never hands out a key it does not hold (no trying keys in
turn); key material never appears in a repr or an exception; the local key file
is created with mode 0600 and refused when group or others can read it.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from crypto import secret_files
from crypto.secret_files import SecretFileError

MASTER_KEY_LEN = 32
# A key file holds a few hundred bytes per version; anything far larger is not ours.
_MAX_FILE_BYTES = 1 << 20


class KeyProviderError(RuntimeError):
    """The key provider is missing, unreadable, unsafe or lacks a key version."""


@dataclass(frozen=True)
class MasterKey:
    """A versioned master (key-encryption) key."""

    version: int
    material: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"MasterKey(version={self.version}, material=<redacted>)"


class KeyProvider(Protocol):
    """Where master keys come from: a local file, the environment, or a KMS/HSM."""

    def current(self) -> MasterKey:
        """The version new data keys are wrapped with."""
        ...

    def get(self, version: int) -> MasterKey:
        """The key of one version; raises KeyProviderError if absent or retired."""
        ...

    def versions(self) -> list[int]:
        """Every version this provider can still unwrap with, ascending."""
        ...

    def index_key(self) -> MasterKey:
        """The master version the blind index key is derived from (fixed across rotations)."""
        ...

    def add_version(self) -> MasterKey:
        """Create a new current version (rotation); raises if the provider is read-only."""
        ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _encode(current: int, index: int, keys: dict[int, bytes]) -> bytes:
    return json.dumps(
        {"current": current, "index": index, "keys": {str(v): _b64(k) for v, k in keys.items()}}
    ).encode("utf-8")


class LocalFileKeyProvider:
    """Master keys in a JSON file under the data dir (the embedded default)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self._path = path
        self._lock = threading.Lock()
        if create:
            # Never replaces an existing file, so two first starts agree on one key.
            secret_files.create_private(path, _encode(1, 1, {1: os.urandom(MASTER_KEY_LEN)}))
        self._data = self._read()

    def __repr__(self) -> str:
        return f"LocalFileKeyProvider(path={self._path!s})"

    def _read(self) -> dict[str, object]:
        try:
            raw = secret_files.read_private(self._path, max_bytes=_MAX_FILE_BYTES)
        except SecretFileError as exc:
            raise KeyProviderError(f"master key file {exc}") from None
        try:
            data = json.loads(raw)
            keys = {int(v): _unb64(k) for v, k in data["keys"].items()}
            current, index = int(data["current"]), int(data["index"])
        except (ValueError, KeyError, TypeError, AttributeError):
            # Never chain the parser's error: its message may quote key material.
            raise KeyProviderError(f"master key file {self._path} is malformed") from None
        if current not in keys or index not in keys:
            raise KeyProviderError(f"master key file {self._path} lacks its current version")
        if any(len(k) != MASTER_KEY_LEN for k in keys.values()):
            raise KeyProviderError(f"master key file {self._path} holds a key of wrong length")
        return {"current": current, "index": index, "keys": keys}

    def _keys(self) -> dict[int, bytes]:
        keys = self._data["keys"]
        if not isinstance(keys, dict):
            raise KeyProviderError("key data corrupted")
        return keys

    def current(self) -> MasterKey:
        """The version new data keys are wrapped with."""
        return self.get(int(str(self._data["current"])))

    def index_key(self) -> MasterKey:
        """The master version the blind index key is derived from."""
        return self.get(int(str(self._data["index"])))

    def get(self, version: int) -> MasterKey:
        """The key of one version; re-reads the file once when another process has rotated."""
        keys = self._keys()
        if version not in keys:
            with self._lock:
                self._data = self._read()
            keys = self._keys()
        try:
            return MasterKey(version, keys[version])
        except KeyError:
            raise KeyProviderError(f"master key version {version} is not available") from None

    def versions(self) -> list[int]:
        """Every version held, ascending."""
        return sorted(self._keys())

    def add_version(self) -> MasterKey:
        """Append a new random version and make it current (atomic, safe across processes)."""
        # Another process may be rotating too: lock and re-read first, so no two
        # writers ever mint the same version number.
        with secret_files.directory_lock(self._path.parent), self._lock:
            self._data = self._read()
            keys = dict(self._keys())
            version = max(keys) + 1
            keys[version] = os.urandom(MASTER_KEY_LEN)
            index = int(str(self._data["index"]))
            secret_files.replace_private(self._path, _encode(version, index, keys))
            self._data = {"current": version, "index": index, "keys": keys}
            return MasterKey(version, keys[version])


class EnvKeyProvider:
    """Master keys from one environment value: `1:<base64>,2:<base64>`; the highest is current."""

    def __init__(self, value: str) -> None:
        keys: dict[int, bytes] = {}
        try:
            for part in value.split(","):
                version, _, material = part.strip().partition(":")
                keys[int(version)] = _unb64(material)
        except ValueError:
            raise KeyProviderError("master key variable is malformed") from None
        if not keys or any(len(k) != MASTER_KEY_LEN or v < 1 for v, k in keys.items()):
            raise KeyProviderError("master key variable must hold 32-byte keys with versions >= 1")
        self._keys = keys

    def __repr__(self) -> str:
        return f"EnvKeyProvider(versions={self.versions()})"

    def current(self) -> MasterKey:
        """The highest version."""
        return self.get(max(self._keys))

    def index_key(self) -> MasterKey:
        """The lowest version: the blind index must not move when a key is added."""
        return self.get(min(self._keys))

    def get(self, version: int) -> MasterKey:
        """The key of one version."""
        try:
            return MasterKey(version, self._keys[version])
        except KeyError:
            raise KeyProviderError(f"master key version {version} is not available") from None

    def versions(self) -> list[int]:
        """Every version held, ascending."""
        return sorted(self._keys)

    def add_version(self) -> MasterKey:
        """Refused: the environment is read-only; add a version to the variable and restart."""
        raise KeyProviderError("the environment key provider is read-only; add a version there")


def encode_env_keys(keys: dict[int, bytes]) -> str:
    """The environment-variable form of a set of master keys."""
    return ",".join(f"{v}:{_b64(k)}" for v, k in sorted(keys.items()))
