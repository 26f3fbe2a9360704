"""SQL for issued reports: store one, find one by its code's hash, see if a number is taken."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.models import IssuedReport


def add(session: Session, row: IssuedReport) -> IssuedReport:
    """Store a newly issued report."""
    session.add(row)
    session.flush()
    return row


def number_taken(session: Session, number: str) -> bool:
    """Whether a report was already issued under `number`."""
    return session.get(IssuedReport, number) is not None


def by_code_hash(session: Session, code_hash: bytes) -> IssuedReport | None:
    """The issued report whose verification code hashes to `code_hash`."""
    stmt = select(IssuedReport).where(col(IssuedReport.code_hash) == code_hash)
    return session.exec(stmt).first()
