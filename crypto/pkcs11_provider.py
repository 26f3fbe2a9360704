"""Master keys on a PKCS#11 token (an HSM, or SoftHSM2 for tests and small installs).

Invariants:
- A master key is an AES-256 secret-key object on the token, labelled
  `<prefix><version>`, generated inside the token with CKA_TOKEN, CKA_SENSITIVE and
  not CKA_EXTRACTABLE, usable only to encrypt and decrypt: its value never reaches
  this process, and no call here could ask for it.
- `wrap` is C_Encrypt with CKM_AES_GCM inside the token, a fresh 12-byte nonce from
  os.urandom, the caller's associated data and a 128-bit tag; the blob is
  `nonce | ciphertext | tag`, the layout of crypto.keys.seal_with. A blob that fails
  to open is a DecryptionError; a version the token does not hold is a
  KeyProviderError. No PKCS#11 error text is passed on: only our own sentences.
- A destroyed version leaves a CKO_DATA marker `<prefix>destroyed-<version>` on the
  token, written before the key object is deleted; `create` refuses any version at or
  below the highest marked one, so a number once destroyed is never issued again. One
  marker per version keeps every write a single object creation: two processes that
  destroy at once cannot lose each other's record, as a shared list could.
- `create` checks again after generating: if another process created the same label
  meanwhile, or destroyed the number, it deletes its own object and fails, so a label
  never names two keys for long and never one whose number was destroyed.
- The PIN is never put in a message, a repr or an exception.
- Every PKCS#11 call of the process goes through one lock. python-pkcs11 calls
  C_Initialize with no arguments, which tells the library the application will not
  call it from several threads; SoftHSM2 then runs without its own locking, and two
  threads with a session each crashed the interpreter when tried. So the provider
  keeps one session under that lock; sessions per thread would buy nothing here.
  Measured on SoftHSM2 2.6.1 (2 cores, a 32-byte secret): wrap or unwrap about 50 µs
  from one thread (40 µs of it the bare C_Encrypt), about 110-140 µs per operation
  with 8 threads contending (some 8,000 operations a second in all), against 5-8 µs
  for the in-process file provider. A data key is unwrapped once per use, so this is
  far below a request's cost; `versions()` reads every key's label (about 1 ms).
- Login is per application and token in PKCS#11, not per session: a second provider
  on a token that this process has already logged in to cannot call C_Login again, so
  its PIN is checked against a salted digest of the PIN that succeeded. The login
  lives in a session of its own that outlasts every provider using it, because
  closing a logged-in session logs the whole process out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import pkcs11
from pkcs11 import (
    Attribute,
    KeyType,
    Mechanism,
    MechanismFlag,
    ObjectClass,
    Session,
    Token,
)
from pkcs11 import exceptions as p11
from pkcs11.mechanisms import GCMParams
from pkcs11.types import Object

from crypto.keys import KeyProviderError
from crypto.suites import NONCE_LEN, TAG_LEN, DecryptionError

_KEY_BITS = 256
_TAG_BITS = TAG_LEN * 8
_APPLICATION = "credence"

# Every call into the library, from every provider of the process (see the module docstring).
_LOCK = threading.Lock()
# Salt for the digests of PINs that logged in, new in every process.
_PIN_SALT = os.urandom(16)

# What a tampered or truncated blob makes a token answer. SoftHSM2 answers a GCM tag
# mismatch with CKR_GENERAL_ERROR, not CKR_ENCRYPTED_DATA_INVALID, so it is here too.
_BAD_BLOB: tuple[type[Exception], ...] = (
    p11.GeneralError,
    p11.EncryptedDataInvalid,
    p11.EncryptedDataLenRange,
    p11.DataInvalid,
    p11.DataLenRange,
    p11.ArgumentsBad,
    p11.MechanismParamInvalid,
)
# A cached key handle that another process's destroy (or a token reset) made invalid.
_STALE: tuple[type[Exception], ...] = (p11.ObjectHandleInvalid, p11.KeyHandleInvalid)


class _AesKey(Protocol):
    """What this module asks of a key object (python-pkcs11 adds these methods at run time)."""

    def encrypt(self, data: bytes, *, mechanism: Mechanism, mechanism_param: GCMParams) -> bytes:
        """C_Encrypt under this key."""
        ...

    def decrypt(self, data: bytes, *, mechanism: Mechanism, mechanism_param: GCMParams) -> bytes:
        """C_Decrypt under this key."""
        ...

    def destroy(self) -> None:
        """C_DestroyObject."""
        ...


@dataclass
class _Login:
    """One token this process is logged in to, and how many of our providers use it."""

    pin_digest: bytes
    # The session that logged in. python-pkcs11 closes a logged-in session with
    # C_Logout, which logs out every session of the process; so no provider owns it,
    # each works in a session of its own, and this one closes after the last of them.
    holder: Session
    users: int


# Keyed by (library path, token serial); guarded by _LOCK.
_LOGINS: dict[tuple[str, bytes], _Login] = {}


def _pin_digest(pin: str) -> bytes:
    return hashlib.sha256(_PIN_SALT + pin.encode("utf-8")).digest()


def _reason(exc: Exception) -> str:
    # The class name says what went wrong (PinIncorrect, DeviceRemoved) and quotes nothing.
    return type(exc).__name__


class Pkcs11KeyProvider:
    """Master keys as non-extractable AES-256 objects on a PKCS#11 token."""

    name = "pkcs11"

    def __init__(
        self,
        lib_path: str,
        token_label: str,
        pin: str,
        *,
        label_prefix: str = "credence-master-",
    ) -> None:
        if not label_prefix:
            raise KeyProviderError("PKCS#11 key label prefix must not be empty")
        self._lib_path = lib_path
        # python-pkcs11 loads a library once per path string: one file, one name.
        self._lib_real = os.path.realpath(lib_path)
        self._token_label = token_label
        self._prefix = label_prefix
        self._keys: dict[int, _AesKey] = {}
        self._session: Session | None = None
        with _LOCK:
            token = self._find_token()
            self._login_key = (self._lib_real, bytes(token.serial))
            self._session = self._open(token, pin)

    def __repr__(self) -> str:
        return (
            f"Pkcs11KeyProvider(lib={self._lib_path!r}, token={self._token_label!r}, "
            f"prefix={self._prefix!r})"
        )

    # -- start-up ---------------------------------------------------------------------

    def _find_token(self) -> Token:
        if not Path(self._lib_path).is_file():
            raise KeyProviderError(f"PKCS#11 library {self._lib_path} does not exist")
        try:
            lib = pkcs11.lib(self._lib_real)
        except p11.PKCS11Error as exc:
            # SoftHSM2 fails C_Initialize when SOFTHSM2_CONF names no readable config.
            raise KeyProviderError(
                f"PKCS#11 library {self._lib_path} could not be loaded or initialised "
                f"({_reason(exc)}); for SoftHSM2 check SOFTHSM2_CONF"
            ) from None
        try:
            token = lib.get_token(token_label=self._token_label)
        except p11.NoSuchToken:
            raise KeyProviderError(
                f"no PKCS#11 token labelled {self._token_label!r} in {self._lib_path}"
            ) from None
        except p11.MultipleTokensReturned:
            raise KeyProviderError(
                f"more than one PKCS#11 token is labelled {self._token_label!r}"
            ) from None
        except p11.PKCS11Error as exc:
            raise KeyProviderError(
                f"PKCS#11 tokens of {self._lib_path} could not be listed ({_reason(exc)})"
            ) from None
        try:
            mechanisms = token.slot.get_mechanisms()
        except p11.PKCS11Error as exc:
            raise KeyProviderError(
                f"PKCS#11 token {self._token_label!r} mechanisms unreadable ({_reason(exc)})"
            ) from None
        missing = {Mechanism.AES_KEY_GEN, Mechanism.AES_GCM} - set(mechanisms)
        if missing:
            names = ", ".join(sorted(m.name for m in missing))
            raise KeyProviderError(f"PKCS#11 token {self._token_label!r} lacks {names}")
        return token

    def _open(self, token: Token, pin: str) -> Session:
        login = _LOGINS.get(self._login_key)
        if login is None:
            holder = self._open_session(token, pin)
            login = _Login(pin_digest=_pin_digest(pin), holder=holder, users=0)
            _LOGINS[self._login_key] = login
        elif not hmac.compare_digest(login.pin_digest, _pin_digest(pin)):
            # Already logged in here: C_Login would only answer "already logged in".
            raise self._login_failed("wrong PIN")
        try:
            session = self._open_session(token, None)
        except KeyProviderError:
            self._release(login)
            raise
        login.users += 1
        return session

    def _release(self, login: _Login) -> None:
        """Log out and close the holder once no provider of ours uses the login."""
        if login.users > 0:
            return
        _LOGINS.pop(self._login_key, None)
        # The token may be gone already; there is nothing left to release then.
        with suppress(p11.PKCS11Error):
            login.holder.close()

    def _open_session(self, token: Token, pin: str | None) -> Session:
        try:
            return token.open(rw=True, user_pin=pin)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
            raise self._login_failed("wrong PIN") from None
        except p11.PinLocked:
            raise self._login_failed("the PIN is locked") from None
        except p11.PinExpired:
            raise self._login_failed("the PIN has expired") from None
        except p11.UserAlreadyLoggedIn:
            # Other code in this process logged in; we could not tell a wrong PIN.
            raise self._login_failed("the token was logged in by other code") from None
        except p11.PKCS11Error as exc:
            raise self._login_failed(_reason(exc)) from None

    def _login_failed(self, why: str) -> KeyProviderError:
        return KeyProviderError(f"PKCS#11 login to token {self._token_label!r} failed: {why}")

    # -- lookups (callers hold _LOCK) -------------------------------------------------

    def _label(self, version: int) -> str:
        return f"{self._prefix}{version}"

    def _marker_label(self, version: int) -> str:
        return f"{self._prefix}destroyed-{version}"

    @contextmanager
    def _call(self, what: str) -> Iterator[Session]:
        """The session under the lock; token errors become one-line KeyProviderErrors."""
        with _LOCK:
            if self._session is None:
                raise KeyProviderError("the PKCS#11 key provider is closed")
            try:
                yield self._session
            except _STALE:
                self._keys.clear()
                raise KeyProviderError(f"PKCS#11 {what} failed: a key handle went stale") from None
            except p11.PKCS11Error as exc:
                raise KeyProviderError(f"PKCS#11 {what} failed ({_reason(exc)})") from None

    def _find(self, session: Session, cls: ObjectClass, label: str) -> list[Object]:
        # list() runs the search to its end, so C_FindObjectsFinal is called at once.
        return list(session.get_objects({Attribute.CLASS: cls, Attribute.LABEL: label}))

    def _destroyed(self, session: Session) -> set[int]:
        head = f"{self._prefix}destroyed-"
        found = set()
        # Our markers carry CKA_APPLICATION, so the token need not list every data object.
        query = {Attribute.CLASS: ObjectClass.DATA, Attribute.APPLICATION: _APPLICATION}
        for obj in session.get_objects(query):
            label = obj[Attribute.LABEL]
            version = _version_of(label, head)
            if version is not None:
                found.add(version)
        return found

    def _key(self, session: Session, version: int) -> _AesKey:
        key = self._keys.get(version)
        if key is not None:
            return key
        found = self._find(session, ObjectClass.SECRET_KEY, self._label(version))
        if len(found) != 1 or self._find(session, ObjectClass.DATA, self._marker_label(version)):
            # None, destroyed, or (briefly, during a racing create) two: use none of them.
            raise KeyProviderError(f"master key version {version} is not available")
        key = cast(_AesKey, found[0])
        self._keys[version] = key
        return key

    # -- the KeyProvider protocol -----------------------------------------------------

    def versions(self) -> list[int]:
        """Every version on the token (as it is now), ascending; destroyed ones excluded."""
        with self._call("listing keys") as session:
            held = set()
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}):
                version = _version_of(obj[Attribute.LABEL], self._prefix)
                if version is not None:
                    held.add(version)
            return sorted(held - self._destroyed(session))

    def create(self, version: int) -> None:
        """Generate a key of this version in the token; refused if held or not above destroyed."""
        if version < 1:
            raise KeyProviderError("master key versions start at 1")
        label = self._label(version)
        with self._call("creating a key") as session:
            if self._refusal(session, version, label, 0) is not None:
                raise KeyProviderError(f"master key version {version} exists or was destroyed")
            generated = session.generate_key(
                KeyType.AES,
                _KEY_BITS,
                label=label,
                id=os.urandom(16),
                store=True,
                capabilities=MechanismFlag.ENCRYPT | MechanismFlag.DECRYPT,
                template={
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.MODIFIABLE: False,
                    Attribute.ENCRYPT: True,
                    Attribute.DECRYPT: True,
                    Attribute.WRAP: False,
                    Attribute.UNWRAP: False,
                    Attribute.SIGN: False,
                    Attribute.VERIFY: False,
                    Attribute.DERIVE: False,
                },
            )
            key = cast(_AesKey, generated)
            # Another process may have created or destroyed this number since the check.
            if self._refusal(session, version, label, 1) is not None:
                key.destroy()
                raise KeyProviderError(
                    f"master key version {version} was created or destroyed concurrently"
                )
            self._keys[version] = key

    def _refusal(self, session: Session, version: int, label: str, ours: int) -> str | None:
        destroyed = self._destroyed(session)
        if destroyed and version <= max(destroyed):
            return "destroyed"
        if len(self._find(session, ObjectClass.SECRET_KEY, label)) > ours:
            return "exists"
        return None

    def destroy(self, version: int) -> None:
        """Mark the number destroyed, then delete its key object from the token (idempotent)."""
        with self._call("destroying a key") as session:
            marker = self._marker_label(version)
            if not self._find(session, ObjectClass.DATA, marker):
                # The marker first: a crash before the delete still leaves it unusable.
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.DATA,
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: True,
                        Attribute.MODIFIABLE: False,
                        Attribute.LABEL: marker,
                        Attribute.APPLICATION: _APPLICATION,
                        Attribute.VALUE: str(version).encode("ascii"),
                    }
                )
            self._keys.pop(version, None)
            for key in self._find(session, ObjectClass.SECRET_KEY, self._label(version)):
                key.destroy()

    def _with_key(self, version: int, what: str, op: Callable[[_AesKey], bytes]) -> bytes:
        """`op(key)` under the lock; a stale cached handle is looked up again once."""
        with self._call(what) as session:
            try:
                return op(self._key(session, version))
            except _STALE:
                # Another process destroyed the key, or the token was reset: ask again.
                self._keys.pop(version, None)
                return op(self._key(session, version))

    def wrap(self, version: int, secret: bytes, aad: bytes) -> bytes:
        """`nonce | ciphertext | tag`: AES-256-GCM computed inside the token."""
        nonce = os.urandom(NONCE_LEN)
        params = GCMParams(nonce, aad, _TAG_BITS)

        def encrypt(key: _AesKey) -> bytes:
            return bytes(key.encrypt(secret, mechanism=Mechanism.AES_GCM, mechanism_param=params))

        return nonce + self._with_key(version, "wrapping", encrypt)

    def unwrap(self, version: int, blob: bytes, aad: bytes) -> bytes:
        """The secret inside a `wrap` blob; DecryptionError if it or the aad was altered."""
        if len(blob) < NONCE_LEN + TAG_LEN:
            raise DecryptionError("wrapped secret too short")
        params = GCMParams(blob[:NONCE_LEN], aad, _TAG_BITS)

        def decrypt(key: _AesKey) -> bytes:
            body = blob[NONCE_LEN:]
            try:
                return bytes(key.decrypt(body, mechanism=Mechanism.AES_GCM, mechanism_param=params))
            except _BAD_BLOB:
                raise DecryptionError("wrapped secret failed authentication") from None

        return self._with_key(version, "unwrapping", decrypt)

    def close(self) -> None:
        """Close the session; the token logs this process out when our last one closes."""
        with _LOCK:
            session, self._session = self._session, None
            self._keys.clear()
            if session is None:
                return
            # Opened without a PIN, so closing it logs no one out.
            with suppress(p11.PKCS11Error):
                session.close()
            login = _LOGINS.get(self._login_key)
            if login is not None:
                login.users -= 1
                self._release(login)


def _version_of(label: str, head: str) -> int | None:
    """The version a label names after `head`, or None for any other label."""
    if not label.startswith(head):
        return None
    tail = label[len(head) :]
    # Canonical decimal only, so `credence-master-01` is not a second name for version 1.
    if not tail.isdigit() or not tail.isascii() or str(int(tail)) != tail:
        return None
    return int(tail)
