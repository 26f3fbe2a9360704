"""The embedded issuer's signing keys: Ed25519 JWKs kept in one JSON file.

Invariants: every key is an OKP Ed25519 key for alg `EdDSA` and use `sig`,
with a random 16-hex-character kid; exactly one key is current and signs new
tokens; older keys stay published (and verify the tokens they signed) until
retired; the file is created atomically with mode 0600, replaced atomically on
every change, and refused when group or others have any access to it or when
it is malformed; key material never appears in a repr or an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from core.clock import clock
from crypto import secret_files
from crypto.secret_files import SecretFileError

ALG = "EdDSA"
CURVE: Final = "Ed25519"
FILE_VERSION = 1
_KID = re.compile(r"^[0-9a-f]{16}$")
# A key file is a few hundred bytes per key; anything far larger is not ours.
_MAX_FILE_BYTES = 1 << 20


class IssuerKeysError(RuntimeError):
    """The issuer key file is unsafe (others may read it), unreadable or malformed."""


class _Malformed(ValueError):
    """A structural fault in the key file; its message never quotes the file."""


@dataclass(frozen=True)
class _Key:
    kid: str
    created_at: str
    private: OKPKey
    public: OKPKey

    def __repr__(self) -> str:
        return f"_Key(kid={self.kid}, created_at={self.created_at})"


@dataclass(frozen=True)
class _State:
    current: str
    keys: tuple[_Key, ...]

    def get(self, kid: str) -> _Key | None:
        return next((k for k in self.keys if k.kid == kid), None)


def _new_key() -> _Key:
    kid = secrets.token_hex(8)
    private = OKPKey.generate_key(CURVE, parameters={"kid": kid, "alg": ALG, "use": "sig"})
    public = OKPKey.import_key(private.as_dict(private=False))
    return _Key(kid, clock.now().isoformat(), private, public)


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse_key(entry: object) -> _Key:
    if not isinstance(entry, dict):
        raise _Malformed("key entry is not an object")
    jwk, created_at = entry.get("jwk"), entry.get("created_at")
    if not isinstance(jwk, dict) or not isinstance(created_at, str):
        raise _Malformed("key entry lacks jwk or created_at")
    kid = jwk.get("kid")
    if not (isinstance(kid, str) and _KID.match(kid)):
        raise _Malformed("bad kid")
    if (jwk.get("kty"), jwk.get("crv"), jwk.get("alg"), jwk.get("use")) != (
        "OKP",
        CURVE,
        ALG,
        "sig",
    ):
        raise _Malformed("not an Ed25519 signing key")
    if not isinstance(jwk.get("d"), str) or not isinstance(jwk.get("x"), str):
        raise _Malformed("key lacks its private or public part")
    private = OKPKey.import_key(jwk)
    # A file whose `x` does not belong to its `d` would publish a key that verifies nothing.
    derived = private.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if derived != _b64url_decode(str(jwk["x"])):
        raise _Malformed("public part does not match the private part")
    public = OKPKey.import_key(private.as_dict(private=False))
    return _Key(kid, created_at, private, public)


def _parse(data: object) -> _State:
    if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
        raise _Malformed("unknown file version")
    entries, current = data.get("keys"), data.get("current")
    if not isinstance(entries, list) or not entries or not isinstance(current, str):
        raise _Malformed("no keys or no current key")
    keys = tuple(_parse_key(e) for e in entries)
    if len({k.kid for k in keys}) != len(keys):
        raise _Malformed("duplicate kid")
    state = _State(current, keys)
    if state.get(current) is None:
        raise _Malformed("current kid is not among the keys")
    return state


def _serialise(state: _State) -> bytes:
    return json.dumps(
        {
            "version": FILE_VERSION,
            "current": state.current,
            "keys": [
                {"created_at": k.created_at, "jwk": k.private.as_dict(private=True)}
                for k in state.keys
            ],
        },
        indent=1,
    ).encode("utf-8")


def _read(path: Path) -> _State:
    try:
        raw = secret_files.read_private(path, max_bytes=_MAX_FILE_BYTES)
    except SecretFileError as exc:
        raise IssuerKeysError(f"issuer key file {exc}") from None
    try:
        return _parse(json.loads(raw))
    except _Malformed as exc:
        raise IssuerKeysError(f"issuer key file {path} is malformed ({exc})") from None
    except (ValueError, TypeError, KeyError, binascii.Error, JoseError):
        # A library's message may quote key material: say only that the file is bad.
        raise IssuerKeysError(f"issuer key file {path} is malformed") from None


class IssuerKeys:
    """The embedded issuer's Ed25519 signing keys, persisted in one 0600 JSON file."""

    def __init__(self, path: Path, state: _State) -> None:
        self._path = path
        self._state = state
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = self._state
        return (
            f"IssuerKeys(path={self._path!s}, current_kid={state.current}, keys={len(state.keys)})"
        )

    @classmethod
    def load_or_create(cls, path: Path) -> IssuerKeys:
        """Load the key file, creating it with one fresh key (mode 0600) when absent."""
        if not path.exists() and not path.is_symlink():
            try:
                cls._create(path)
            except OSError as exc:
                raise IssuerKeysError(f"cannot create issuer key file {path}: {exc}") from None
        return cls(path, _read(path))

    @staticmethod
    def _create(path: Path) -> None:
        key = _new_key()
        # Never replaces: when two processes start at once, the loser loads the winner's file.
        secret_files.create_private(path, _serialise(_State(key.kid, (key,))))

    @property
    def path(self) -> Path:
        """Where the keys are stored."""
        return self._path

    @property
    def current_kid(self) -> str:
        """The kid of the key that signs new tokens."""
        return self._state.current

    @property
    def kids(self) -> tuple[str, ...]:
        """Every published kid, oldest first."""
        return tuple(k.kid for k in self._state.keys)

    def private_jwk(self) -> OKPKey:
        """The current private signing key (for minting tokens)."""
        state = self._state
        key = state.get(state.current)
        if key is None:  # _parse guarantees the current kid is held
            raise IssuerKeysError("the current issuer key is missing")
        return key.private

    def public_jwk(self, kid: str) -> OKPKey | None:
        """The public key published under `kid`, or None when it is not (or no longer) held."""
        key = self._state.get(kid)
        return key.public if key is not None else None

    def jwks(self) -> dict[str, object]:
        """The public JWK Set: every non-retired key, with kid, alg and use."""
        return {"keys": [dict(k.public.as_dict(private=False)) for k in self._state.keys]}

    def reload(self) -> None:
        """Re-read the file (another process, e.g. `credence keys rotate`, may have changed it)."""
        state = _read(self._path)
        with self._lock:
            self._state = state

    def rotate(self) -> str:
        """Make a new key current; older keys stay published for verification. Returns its kid."""
        with secret_files.directory_lock(self._path.parent), self._lock:
            # Re-read under the lock so a rotation by another process is never lost.
            state = _read(self._path)
            key = _new_key()
            new = _State(key.kid, (*state.keys, key))
            self._replace(new)
            return key.kid

    def retire(self, kid: str) -> None:
        """Stop publishing a non-current key and destroy it; its tokens stop verifying."""
        with secret_files.directory_lock(self._path.parent), self._lock:
            state = _read(self._path)
            if kid == state.current:
                raise IssuerKeysError("the current issuer key cannot be retired; rotate first")
            if state.get(kid) is None:
                raise IssuerKeysError("no issuer key has that kid")
            self._replace(_State(state.current, tuple(k for k in state.keys if k.kid != kid)))

    def _replace(self, state: _State) -> None:
        secret_files.replace_private(self._path, _serialise(state))
        self._state = state
