"""SQL for the organisation registry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.models import Organisation


def add(session: Session, row: Organisation) -> Organisation:
    """Store a new organisation."""
    session.add(row)
    session.flush()
    return row


def get(session: Session, slug: str) -> Organisation | None:
    """One organisation by slug, enabled or not."""
    return session.get(Organisation, slug)


def listing(session: Session, *, kind: str | None, include_disabled: bool) -> list[Organisation]:
    """Organisations of a kind (or all), ordered by slug."""
    stmt = select(Organisation).order_by(col(Organisation.slug))
    if kind is not None:
        stmt = stmt.where(col(Organisation.kind) == kind)
    if not include_disabled:
        stmt = stmt.where(col(Organisation.disabled_at).is_(None))
    return list(session.exec(stmt))


def rename(session: Session, *, slug: str, name_zh: str, name_en: str) -> bool:
    """Change an organisation's display names; true if it exists."""
    stmt = (
        update(Organisation)
        .where(col(Organisation.slug) == slug)
        .values(name_zh=name_zh, name_en=name_en)
    )
    return bool(getattr(session.execute(stmt), "rowcount", 0))


def disable(session: Session, *, slug: str, now: datetime) -> bool:
    """Disable an enabled organisation; true if it was enabled."""
    stmt = (
        update(Organisation)
        .where(col(Organisation.slug) == slug, col(Organisation.disabled_at).is_(None))
        .values(disabled_at=now)
    )
    return bool(getattr(session.execute(stmt), "rowcount", 0))
