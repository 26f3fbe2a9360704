"""Master keys and the providers that hold them.

Invariants: master keys are 32 random bytes identified by a positive integer
version; a provider never hands out a key it does not hold (no trying keys in
turn); key material never appears in a repr or an exception; the local key file
is created with mode 0600 and refused when group or others can read it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

MASTER_KEY_LEN = 32


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


class LocalFileKeyProvider:
    """Master keys in a JSON file under the data dir (the embedded default)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self._path = path
        self._lock = threading.Lock()
        if not path.exists():
            if not create:
                raise KeyProviderError(f"master key file {path} is missing")
            self._write({"current": 1, "index": 1, "keys": {"1": _b64(os.urandom(32))}})
        self._data = self._read()

    def __repr__(self) -> str:
        return f"LocalFileKeyProvider(path={self._path!s})"

    def _read(self) -> dict[str, object]:
        try:
            mode = self._path.stat().st_mode
        except OSError as exc:
            raise KeyProviderError(f"master key file {self._path} is unreadable") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyProviderError(
                f"master key file {self._path} is readable by others "
                f"(mode {stat.S_IMODE(mode):04o}); chmod 600 it"
            )
        try:
            data = json.loads(self._path.read_text("utf-8"))
            keys = {int(v): _unb64(k) for v, k in data["keys"].items()}
            current, index = int(data["current"]), int(data["index"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyProviderError(f"master key file {self._path} is malformed") from exc
        if current not in keys or index not in keys:
            raise KeyProviderError(f"master key file {self._path} lacks its current version")
        if any(len(k) != MASTER_KEY_LEN for k in keys.values()):
            raise KeyProviderError(f"master key file {self._path} holds a key of wrong length")
        return {"current": current, "index": index, "keys": keys}

    def _write(self, data: dict[str, object]) -> None:
        tmp = self._path.with_suffix(".tmp")
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)

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
        # The key file is replaced on write, so lock its directory instead (no extra file).
        fd = os.open(self._path.parent, os.O_RDONLY)
        try:
            # Another process may be rotating too: hold the lock and re-read first,
            # so no two writers ever mint the same version number.
            fcntl.flock(fd, fcntl.LOCK_EX)
            with self._lock:
                self._data = self._read()
                keys = dict(self._keys())
                version = max(keys) + 1
                keys[version] = os.urandom(MASTER_KEY_LEN)
                index = self._data["index"]
                self._write(
                    {
                        "current": version,
                        "index": index,
                        "keys": {str(v): _b64(k) for v, k in keys.items()},
                    }
                )
                self._data = {"current": version, "index": index, "keys": keys}
                return MasterKey(version, keys[version])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


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
