"""SQL for browser sessions and pending sign-ins (rows keyed by the hash of their id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from core.models import WebSessionRow


def add(session: Session, row: WebSessionRow) -> None:
    """Store a new row (its id is fresh random, so it never replaces one)."""
    session.add(row)


def get(session: Session, *, id_hash: bytes, kind: str) -> WebSessionRow | None:
    """The row of one kind under one id hash, expired or not."""
    stmt = select(WebSessionRow).where(
        col(WebSessionRow.id_hash) == id_hash, col(WebSessionRow.kind) == kind
    )
    return session.execute(stmt).scalars().first()


def remove(session: Session, *, id_hash: bytes, kind: str) -> bool:
    """Delete one row; true only for the caller whose delete removed it."""
    stmt = delete(WebSessionRow).where(
        col(WebSessionRow.id_hash) == id_hash, col(WebSessionRow.kind) == kind
    )
    return bool(getattr(session.execute(stmt), "rowcount", 0))


def remove_expired(session: Session, *, now: datetime) -> int:
    """Delete every row whose time is up; how many went."""
    stmt = delete(WebSessionRow).where(col(WebSessionRow.expires_at) <= now)
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)
