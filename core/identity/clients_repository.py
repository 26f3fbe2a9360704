"""SQL for registered OAuth clients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from core.models import OAuthClient


def add_client(session: Session, client: OAuthClient) -> OAuthClient:
    """Store a new client row (its secret already hashed)."""
    session.add(client)
    session.flush()
    return client


def get_client(session: Session, client_id: str) -> OAuthClient | None:
    """One client by id, enabled or not."""
    return session.get(OAuthClient, client_id)


def set_secret_hash(session: Session, *, client_id: str, old: str, new: str) -> bool:
    """Replace a client's hash only if it is still the one read (rehash on new parameters)."""
    stmt = (
        update(OAuthClient)
        .where(col(OAuthClient.client_id) == client_id, col(OAuthClient.secret_hash) == old)
        .values(secret_hash=new)
    )
    return bool(getattr(session.execute(stmt), "rowcount", 0))


def disable_client(session: Session, *, client_id: str, now: datetime) -> bool:
    """Disable an enabled client for good; true if it was enabled."""
    stmt = (
        update(OAuthClient)
        .where(col(OAuthClient.client_id) == client_id, col(OAuthClient.disabled_at).is_(None))
        .values(disabled_at=now)
    )
    return bool(getattr(session.execute(stmt), "rowcount", 0))


def list_clients(session: Session) -> list[OAuthClient]:
    """Every registered client, oldest first."""
    stmt = select(OAuthClient).order_by(col(OAuthClient.created_at), col(OAuthClient.client_id))
    return list(session.execute(stmt).scalars().all())
