"""Master (key-encryption) keys and the providers that hold them.

Invariants: a master key is identified by a positive integer version and never
leaves its provider through this interface: callers ask the provider to wrap or
unwrap a short secret (AES-256-GCM, a fresh 96-bit nonce, 128-bit tag, with the
caller's associated data). A provider never tries keys in turn; a version it does
not hold is a KeyProviderError, a wrong tag a DecryptionError. Destroying a
version makes every secret ever wrapped under it unrecoverable, wherever copies of
the wrapped form survive (WAL, backups, replicas): that is how erasure is made
real. Which version is current is not the provider's business: the database says,
so every process of a fleet agrees. Key material never appears in a repr or an
exception; the local key file is 0600 and refused when group or others can read it.
An in-process provider keeps one keyed AES-GCM object per version it holds, beside that
version's material and never longer: the file provider drops them whenever it reads
its file again, so a destroyed version's cipher goes with its material.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto import secret_files
from crypto.secret_files import SecretFileError
from crypto.suites import NONCE_LEN, TAG_LEN, DecryptionError

MASTER_KEY_LEN = 32
# A key file holds about sixty bytes per version; anything far larger is not ours.
_MAX_FILE_BYTES = 1 << 20
_FILE_FORMAT = 2


class KeyProviderError(RuntimeError):
    """The key provider is missing, unreadable, unsafe, read-only or lacks a key version."""


class KeyProvider(Protocol):
    """Where master keys live: a local file, the environment, or an HSM (PKCS#11)."""

    name: str

    def versions(self) -> list[int]:
        """Every version the provider holds, ascending."""
        ...

    def create(self, version: int) -> None:
        """Create a new key object of this version; refused if held, destroyed or read-only."""
        ...

    def destroy(self, version: int) -> None:
        """Destroy one version for good (idempotent); refused if read-only."""
        ...

    def wrap(self, version: int, secret: bytes, aad: bytes) -> bytes:
        """`nonce | ciphertext | tag` of a secret under one version, sealed inside the provider."""
        ...

    def unwrap(self, version: int, blob: bytes, aad: bytes) -> bytes:
        """The secret a `wrap` of this version and aad produced; DecryptionError if altered."""
        ...

    def close(self) -> None:
        """Release sessions or handles (a no-op for in-process providers)."""
        ...


def seal_with(material: bytes, secret: bytes, aad: bytes) -> bytes:
    """AES-256-GCM under key material held in this process (the file and env providers)."""
    return _seal(AESGCM(material), secret, aad)


def open_with(material: bytes, blob: bytes, aad: bytes) -> bytes:
    """The inverse of `seal_with`; DecryptionError on any failure."""
    return _open(AESGCM(material), blob, aad)


def _seal(cipher: AESGCM, secret: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + cipher.encrypt(nonce, secret, aad)


def _open(cipher: AESGCM, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < NONCE_LEN + TAG_LEN:
        raise DecryptionError("wrapped secret too short")
    try:
        return cipher.decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
    except InvalidTag:
        raise DecryptionError("wrapped secret failed authentication") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _encode(keys: dict[int, bytes], destroyed: set[int]) -> bytes:
    return json.dumps(
        {
            "format": _FILE_FORMAT,
            "keys": {str(v): _b64(k) for v, k in sorted(keys.items())},
            "destroyed": sorted(destroyed),
        }
    ).encode("utf-8")


class _InProcess:
    """Wrap and unwrap with key material this process holds."""

    name = "in-process"

    def _cipher(self, version: int) -> AESGCM:
        raise NotImplementedError

    def wrap(self, version: int, secret: bytes, aad: bytes) -> bytes:
        """AES-256-GCM under the version's key."""
        return _seal(self._cipher(version), secret, aad)

    def unwrap(self, version: int, blob: bytes, aad: bytes) -> bytes:
        """The secret wrapped under the version's key."""
        return _open(self._cipher(version), blob, aad)

    def close(self) -> None:
        """Nothing to release."""


class LocalFileKeyProvider(_InProcess):
    """Master keys in a 0600 JSON file under the data dir (the embedded default).

    Destroying a version rewrites the file without it (write, fsync, rename): the
    old bytes are then in no file. A filesystem with snapshots keeps them there,
    which is why production keeps its master keys in an HSM.
    """

    name = "file"

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self._path = path
        self._lock = threading.Lock()
        if create:
            # Never replaces an existing file, so two first starts agree on one key.
            secret_files.create_private(path, _encode({1: os.urandom(MASTER_KEY_LEN)}, set()))
        self._seen: tuple[int, int, int] | None = None
        # version -> (the material it was keyed from, its cipher); emptied by every `_read`.
        self._ciphers: dict[int, tuple[bytes, AESGCM]] = {}
        self._keys, self._destroyed = self._read()

    def __repr__(self) -> str:
        return f"LocalFileKeyProvider(path={self._path!s})"

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> tuple[dict[int, bytes], set[int]]:
        # Whatever the file says now replaces every cipher keyed from what it said before.
        self._ciphers = {}
        self._seen = self._stamp()
        try:
            raw = secret_files.read_private(self._path, max_bytes=_MAX_FILE_BYTES)
        except SecretFileError as exc:
            raise KeyProviderError(f"master key file {exc}") from None
        try:
            data = json.loads(raw)
            if data["format"] != _FILE_FORMAT:
                raise ValueError("format")
            keys = {int(v): _unb64(k) for v, k in data["keys"].items()}
            listed = data.get("destroyed", [])
            if not isinstance(listed, list) or not all(type(v) is int and v >= 1 for v in listed):
                raise ValueError("destroyed")
            destroyed = set(listed)
        except (ValueError, KeyError, TypeError, AttributeError):
            # Never chain the parser's error: its message may quote key material.
            raise KeyProviderError(f"master key file {self._path} is malformed") from None
        if any(len(k) != MASTER_KEY_LEN or v < 1 for v, k in keys.items()):
            raise KeyProviderError(f"master key file {self._path} holds a key of wrong length")
        return keys, destroyed

    def _material(self, version: int) -> bytes:
        # Another process may have created or destroyed a version since (every change
        # renames a new file into place): a changed stamp means read the file again, so a
        # destroyed version stops working here at once, not at the next restart.
        if self._stamp() != self._seen or version not in self._keys:
            with self._lock:
                self._keys, self._destroyed = self._read()
        key = self._keys.get(version)
        if key is None:
            raise KeyProviderError(f"master key version {version} is not available")
        return key

    def _cipher(self, version: int) -> AESGCM:
        key = self._material(version)
        held = self._ciphers.get(version)
        if held is not None and held[0] is key:
            return held[1]
        cipher = AESGCM(key)
        with self._lock:
            # Kept only while this material is still what the file holds (a `_read` between
            # the lookup above and here would otherwise leave a cipher behind its key).
            if self._keys.get(version) is key:
                self._ciphers[version] = (key, cipher)
        return cipher

    def versions(self) -> list[int]:
        """Every version held, ascending (as the file says now)."""
        with self._lock:
            self._keys, self._destroyed = self._read()
        return sorted(self._keys)

    def create(self, version: int) -> None:
        """Add a random key of this version (locked read-modify-write, safe across processes)."""
        with secret_files.directory_lock(self._path.parent), self._lock:
            keys, destroyed = self._read()
            if version < 1 or version in keys or version in destroyed:
                raise KeyProviderError(f"master key version {version} exists or was destroyed")
            keys[version] = os.urandom(MASTER_KEY_LEN)
            secret_files.replace_private(self._path, _encode(keys, destroyed))
            self._keys, self._destroyed = keys, destroyed

    def destroy(self, version: int) -> None:
        """Rewrite the file without this version; its number is never used again."""
        if version < 1:
            raise KeyProviderError(f"master key version {version} is not a version")
        with secret_files.directory_lock(self._path.parent), self._lock:
            keys, destroyed = self._read()
            keys.pop(version, None)
            destroyed.add(version)
            secret_files.replace_private(self._path, _encode(keys, destroyed))
            self._keys, self._destroyed = keys, destroyed


class EnvKeyProvider(_InProcess):
    """Master keys from one environment value, `1:<base64>,2:<base64>`; read-only."""

    name = "env"

    def __init__(self, value: str) -> None:
        keys: dict[int, bytes] = {}
        try:
            for part in value.split(","):
                version, _, material = part.strip().partition(":")
                if int(version) in keys:
                    raise ValueError("repeated version")
                keys[int(version)] = _unb64(material)
        except ValueError:
            raise KeyProviderError("master key variable is malformed") from None
        if not keys or any(len(k) != MASTER_KEY_LEN or v < 1 for v, k in keys.items()):
            raise KeyProviderError("master key variable must hold 32-byte keys with versions >= 1")
        self._keys = keys
        self._ciphers = {version: AESGCM(material) for version, material in keys.items()}

    def __repr__(self) -> str:
        return f"EnvKeyProvider(versions={self.versions()})"

    def _cipher(self, version: int) -> AESGCM:
        try:
            return self._ciphers[version]
        except KeyError:
            raise KeyProviderError(f"master key version {version} is not available") from None

    def versions(self) -> list[int]:
        """Every version held, ascending."""
        return sorted(self._keys)

    def create(self, version: int) -> None:
        """Refused: the environment is read-only; add a version there and restart."""
        raise KeyProviderError("the environment key provider is read-only; add a version there")

    def destroy(self, version: int) -> None:
        """Refused: the environment is read-only; remove the version there and restart."""
        raise KeyProviderError("the environment key provider is read-only; remove it there")


def encode_env_keys(keys: dict[int, bytes]) -> str:
    """The environment-variable form of a set of master keys."""
    return ",".join(f"{v}:{_b64(k)}" for v, k in sorted(keys.items()))
