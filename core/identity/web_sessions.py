"""Browser sessions and pending OIDC sign-ins, shared by every worker through the database.

Invariants:
- A row is found by the SHA-256 of its random id (256 bits from the OS); the id itself
  is never stored, so reading the table gives no session away.
- A session's access token (a citizen's carries their credit code) and a pending
  sign-in's state, nonce, code verifier and return path are sealed with the configured
  AEAD suite under a fresh data key per row. The data key is wrapped by the current
  master key and kept in the row; the AAD names the table, the kind and the row, so a
  ciphertext moved to another row does not open. Deleting the row destroys both.
- A row past its `expires_at` is never returned, and a row that no longer opens (its
  master version gone) counts as absent. Expired rows are deleted when read, whenever a
  row is stored, and by the maintenance tick.
- A pending sign-in is taken at most once: only the caller whose delete removed the row
  gets its contents, and it is gone whether or not the callback then succeeds.
- The CSRF key is derived from the blind-index master version, which every worker holds
  and rotation does not move, so a form rendered by one worker posts to any other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlmodel import Session

from core.identity import web_sessions_repository as repo
from core.keyring import Keyring
from core.models import WebSessionRow
from crypto.envelope import FieldContext, open_field, seal, unwrap
from crypto.keys import KeyProviderError
from crypto.suites import DecryptionError

SESSION: Final = "session"
LOGIN: Final = "login"
_TABLE: Final = "web_session"


def id_hash(raw_id: str) -> bytes:
    """The stored key of a session or sign-in id: its SHA-256 (the id is 256 random bits)."""
    return hashlib.sha256(raw_id.encode("utf-8")).digest()


def csrf_key(keyring: Keyring) -> bytes:
    """The key CSRF tokens are computed under, the same in every worker and across rotations."""
    return keyring.csrf_key


@dataclass(frozen=True)
class StoredSession:
    """A signed-in session as stored: its access token and what the page header shows."""

    token: str = field(repr=False)
    role: str
    label: str
    expires_at: datetime


@dataclass(frozen=True)
class SessionLookup:
    """What reading a session id found: the live session, or whether a dead row is there."""

    session: StoredSession | None
    stale: bool = False


@dataclass(frozen=True)
class PendingLogin:
    """A sign-in waiting for the provider's callback."""

    state: str = field(repr=False)
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    return_to: str | None = None


def _ctx(kind: str, hashed: bytes) -> FieldContext:
    return FieldContext(table=_TABLE, column=kind, row_key=hashed.hex())


def _new_row(
    keyring: Keyring,
    *,
    kind: str,
    hashed: bytes,
    plaintext: bytes,
    now: datetime,
    expires_at: datetime,
    role: str | None = None,
    label: str | None = None,
) -> WebSessionRow:
    key, wrapped, _version = keyring.new_data_key()
    return WebSessionRow(
        id_hash=hashed,
        kind=kind,
        role=role,
        label=label,
        data_key_id=key.id,
        wrapped_key=wrapped,
        sealed=seal(key, plaintext, _ctx(kind, hashed)),
        created_at=now,
        expires_at=expires_at,
    )


def _open(keyring: Keyring, row: WebSessionRow) -> bytes | None:
    """The row's sealed bytes, or None when they no longer open (key gone, row tampered)."""
    try:
        # Not through the keyring's cache: session keys would only crowd out entry keys.
        key = unwrap(row.data_key_id, row.wrapped_key, keyring.provider)
        return open_field(key, row.sealed, _ctx(row.kind, row.id_hash))
    except (DecryptionError, KeyProviderError, ValueError):
        return None


def save_session(
    *,
    session: Session,
    keyring: Keyring,
    sid: str,
    token: str,
    role: str,
    label: str,
    expires_at: datetime,
    now: datetime,
) -> None:
    """Store a signed-in session under a fresh id (expired rows are cleared on the way)."""
    repo.remove_expired(session, now=now)
    repo.add(
        session,
        _new_row(
            keyring,
            kind=SESSION,
            hashed=id_hash(sid),
            plaintext=token.encode("ascii"),
            now=now,
            expires_at=expires_at,
            role=role,
            label=label,
        ),
    )


def load_session(*, session: Session, keyring: Keyring, sid: str, now: datetime) -> SessionLookup:
    """The live session under `sid`; `stale` when a row is there that must be deleted."""
    row = repo.get(session, id_hash=id_hash(sid), kind=SESSION)
    if row is None:
        return SessionLookup(None)
    if row.expires_at <= now or row.role is None:
        return SessionLookup(None, stale=True)
    token = _open(keyring, row)
    if token is None:
        return SessionLookup(None, stale=True)
    return SessionLookup(
        StoredSession(
            token=token.decode("ascii"),
            role=row.role,
            label=row.label or "",
            expires_at=row.expires_at,
        )
    )


def drop_session(*, session: Session, sid: str) -> bool:
    """Delete a session (sign-out, or a stale row found on read)."""
    return repo.remove(session, id_hash=id_hash(sid), kind=SESSION)


def save_login(
    *,
    session: Session,
    keyring: Keyring,
    login_id: str,
    login: PendingLogin,
    expires_at: datetime,
    now: datetime,
) -> None:
    """Store a pending sign-in under a fresh id until its callback (or `expires_at`)."""
    payload = {
        "state": login.state,
        "nonce": login.nonce,
        "code_verifier": login.code_verifier,
        "return_to": login.return_to,
    }
    repo.remove_expired(session, now=now)
    repo.add(
        session,
        _new_row(
            keyring,
            kind=LOGIN,
            hashed=id_hash(login_id),
            plaintext=json.dumps(payload, separators=(",", ":")).encode("utf-8"),
            now=now,
            expires_at=expires_at,
        ),
    )


def take_login(
    *, session: Session, keyring: Keyring, login_id: str, now: datetime
) -> PendingLogin | None:
    """Remove a pending sign-in and return it if it was live; None for every other case."""
    hashed = id_hash(login_id)
    row = repo.get(session, id_hash=hashed, kind=LOGIN)
    if row is None:
        return None
    # Deleted before anything is checked: a sign-in id is good for one callback only.
    if not repo.remove(session, id_hash=hashed, kind=LOGIN) or row.expires_at <= now:
        return None
    raw = _open(keyring, row)
    if raw is None:
        return None
    data = json.loads(raw)
    return_to = data.get("return_to")
    return PendingLogin(
        state=str(data["state"]),
        nonce=str(data["nonce"]),
        code_verifier=str(data["code_verifier"]),
        return_to=return_to if isinstance(return_to, str) else None,
    )


def purge_expired(*, session: Session, now: datetime) -> int:
    """Delete every expired session and pending sign-in; how many went."""
    return repo.remove_expired(session, now=now)
