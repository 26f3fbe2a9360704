"""SQL for repair applications, used certificates and the certifying-organisation registry.

Officer reads are scoped by department here as well as in the service; a decision is an
UPDATE conditioned on the version and status the officer read, so of two racing
officers exactly one changes the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.models import (
    CertifyingOrganisation,
    DataKeyRow,
    Entry,
    EvidenceFile,
    RepairApplication,
    UsedCertificate,
)

OPEN = ("filed", "accepted")


# --- certifying organisations -------------------------------------------------------------


def organisation_by_code(session: Session, code: str) -> CertifyingOrganisation | None:
    """The registered organisation with this code."""
    stmt = select(CertifyingOrganisation).where(col(CertifyingOrganisation.code) == code)
    return session.execute(stmt).scalar_one_or_none()


def organisation_by_id(
    session: Session, organisation_id: uuid.UUID
) -> CertifyingOrganisation | None:
    """One registered organisation."""
    return session.get(CertifyingOrganisation, organisation_id)


def organisations(session: Session) -> Sequence[CertifyingOrganisation]:
    """Every registered organisation, by code."""
    stmt = select(CertifyingOrganisation).order_by(col(CertifyingOrganisation.code))
    return session.execute(stmt).scalars().all()


def add_organisation(session: Session, row: CertifyingOrganisation) -> bool:
    """Insert an organisation; False (nothing inserted) if its code is taken."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def set_organisation_active(session: Session, *, organisation_id: uuid.UUID, active: bool) -> bool:
    """Switch an organisation on or off; False if it does not exist."""
    result = session.execute(
        update(CertifyingOrganisation)
        .where(col(CertifyingOrganisation.id) == organisation_id)
        .values(active=active)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


# --- certificates ---------------------------------------------------------------------------


def certificate_used(session: Session, *, organisation_id: uuid.UUID, index: bytes) -> bool:
    """Whether this certificate (by its keyed index) is held by a repair already."""
    stmt = select(col(UsedCertificate.id)).where(
        col(UsedCertificate.organisation_id) == organisation_id,
        col(UsedCertificate.certificate_index) == index,
    )
    return session.execute(stmt).first() is not None


def reserve_certificate(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    index: bytes,
    repair_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Hold a certificate for one repair; False if another repair holds it (unique key)."""
    try:
        with session.begin_nested():
            session.execute(
                insert(UsedCertificate).values(
                    id=uuid.uuid4(),
                    organisation_id=organisation_id,
                    certificate_index=index,
                    repair_id=repair_id,
                    created_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def release_certificates(session: Session, *, repair_id: uuid.UUID) -> None:
    """Free the certificate a repair held (it ended without repairing anything)."""
    session.execute(delete(UsedCertificate).where(col(UsedCertificate.repair_id) == repair_id))


# --- entries as repair sees them ------------------------------------------------------------


def entry_of_subject(
    session: Session, *, entry_id: uuid.UUID, subject_id: uuid.UUID
) -> Entry | None:
    """One entry of one subject, locked against a concurrent filing for it (PostgreSQL)."""
    stmt = (
        select(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.subject_id) == subject_id)
        .with_for_update()
    )
    return session.execute(stmt).scalar_one_or_none()


def entry_by_id(session: Session, entry_id: uuid.UUID) -> Entry | None:
    """One entry."""
    return session.get(Entry, entry_id)


def entries_by_id(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Entry]:
    """Entries by id."""
    if not ids:
        return {}
    stmt = select(Entry).where(col(Entry.id).in_(set(ids)))
    return {e.id: e for e in session.execute(stmt).scalars()}


def data_key_row(session: Session, key_id: uuid.UUID) -> DataKeyRow | None:
    """One data key row (a case's or an entry's)."""
    return session.get(DataKeyRow, key_id)


# --- repair applications ----------------------------------------------------------------------


def add_repair(session: Session, row: RepairApplication) -> None:
    """Insert a new application."""
    session.add(row)
    session.flush()


def open_repair_for_entry(session: Session, *, entry_id: uuid.UUID) -> RepairApplication | None:
    """The entry's application still being processed, if any."""
    stmt = select(RepairApplication).where(
        col(RepairApplication.entry_id) == entry_id, col(RepairApplication.status).in_(OPEN)
    )
    return session.execute(stmt).scalars().first()


def latest_retry_from(session: Session, *, entry_id: uuid.UUID) -> date | None:
    """The latest 'apply again from' date any rejection of this entry set."""
    stmt = select(func.max(col(RepairApplication.retry_from))).where(
        col(RepairApplication.entry_id) == entry_id,
        col(RepairApplication.status) == "rejected",
    )
    value = session.execute(stmt).scalar_one_or_none()
    return value if isinstance(value, date) else None


def repairs_of_subject(session: Session, *, subject_id: uuid.UUID) -> Sequence[RepairApplication]:
    """A subject's applications, newest first."""
    stmt = (
        select(RepairApplication)
        .where(col(RepairApplication.subject_id) == subject_id)
        .order_by(col(RepairApplication.created_at).desc(), col(RepairApplication.id))
    )
    return session.execute(stmt).scalars().all()


def repair_for_department(
    session: Session, *, repair_id: uuid.UUID, department: str
) -> RepairApplication | None:
    """One application of one department (another department's does not exist)."""
    stmt = select(RepairApplication).where(
        col(RepairApplication.id) == repair_id, col(RepairApplication.department) == department
    )
    return session.execute(stmt).scalar_one_or_none()


def _overdue(today: date) -> ColumnElement[bool]:
    return or_(
        and_(col(RepairApplication.status) == "filed", col(RepairApplication.accept_due) < today),
        and_(
            col(RepairApplication.status) == "accepted", col(RepairApplication.decide_due) < today
        ),
    )


def repairs_for_department(
    session: Session,
    *,
    department: str,
    today: date,
    status: str | None,
    overdue: bool | None,
    escalated: bool | None,
    limit: int,
) -> Sequence[RepairApplication]:
    """A department's applications: overdue first, then open by due date, then newest."""
    late = _overdue(today)
    stmt = select(RepairApplication).where(col(RepairApplication.department) == department)
    if status is not None:
        stmt = stmt.where(col(RepairApplication.status) == status)
    if overdue is not None:
        stmt = stmt.where(late if overdue else ~late)
    if escalated is not None:
        stmt = stmt.where(col(RepairApplication.escalated).is_(escalated))
    due = case(
        (col(RepairApplication.status) == "filed", col(RepairApplication.accept_due)),
        (col(RepairApplication.status) == "accepted", col(RepairApplication.decide_due)),
        else_=None,
    )
    stmt = stmt.order_by(
        case((late, 0), else_=1),
        case((col(RepairApplication.status).in_(OPEN), 0), else_=1),
        due,
        col(RepairApplication.created_at).desc(),
        col(RepairApplication.id),
    ).limit(limit)
    return session.execute(stmt).scalars().all()


def decide(
    session: Session,
    *,
    repair_id: uuid.UUID,
    version: int,
    status: str,
    values: Mapping[str, object],
) -> bool:
    """Apply a decision only if the case is still at the version and status read."""
    result = session.execute(
        update(RepairApplication)
        .where(
            col(RepairApplication.id) == repair_id,
            col(RepairApplication.version) == version,
            col(RepairApplication.status) == status,
        )
        .values(version=version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def overdue_unescalated(session: Session, *, today: date) -> Sequence[tuple[uuid.UUID, str]]:
    """(id, status) of open applications past their step's due date, not yet escalated."""
    stmt = (
        select(col(RepairApplication.id), col(RepairApplication.status))
        .where(_overdue(today), col(RepairApplication.escalated).is_(False))
        .order_by(col(RepairApplication.id))
    )
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


def mark_escalated(
    session: Session, *, repair_id: uuid.UUID, status: str, today: date, now: datetime
) -> bool:
    """Flag one overdue case escalated, unless it moved or was flagged meanwhile.

    The version is left alone: an escalation never makes an officer's decision lose.
    """
    result = session.execute(
        update(RepairApplication)
        .where(
            col(RepairApplication.id) == repair_id,
            col(RepairApplication.status) == status,
            col(RepairApplication.escalated).is_(False),
            _overdue(today),
        )
        .values(escalated=True, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def count_overdue(session: Session, *, today: date) -> int:
    """Open applications past their step's due date, in every department."""
    stmt = select(func.count()).select_from(RepairApplication).where(_overdue(today))
    return int(session.execute(stmt).scalar_one())


def evidence_file(
    session: Session, *, repair_id: uuid.UUID, file_id: uuid.UUID
) -> EvidenceFile | None:
    """One evidence file of one repair case."""
    stmt = select(EvidenceFile).where(
        col(EvidenceFile.id) == file_id,
        col(EvidenceFile.case_kind) == "repair",
        col(EvidenceFile.case_id) == repair_id,
    )
    return session.execute(stmt).scalar_one_or_none()
