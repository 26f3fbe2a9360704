"""SQL of repairs alone: the department's list in its order, an entry's retry date, used
certificates and the certifying-organisation registry.

The shared case SQL (scoped lookups, guarded decisions, overdue scans) is in
core.cases.repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from core.cases.kind import OPEN
from core.models import (
    CertifyingOrganisation,
    Entry,
    OrganisationKey,
    RepairApplication,
    UsedCertificate,
)

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


def organisation_keys(session: Session, organisation_id: uuid.UUID) -> Sequence[OrganisationKey]:
    """An organisation's keys, oldest first."""
    stmt = (
        select(OrganisationKey)
        .where(col(OrganisationKey.organisation_id) == organisation_id)
        .order_by(col(OrganisationKey.valid_from), col(OrganisationKey.id))
    )
    return session.execute(stmt).scalars().all()


def key_valid_at(
    session: Session, *, organisation_id: uuid.UUID, at: datetime
) -> Sequence[OrganisationKey]:
    """The keys that signed for an organisation at this time (normally one)."""
    stmt = select(OrganisationKey).where(
        col(OrganisationKey.organisation_id) == organisation_id,
        col(OrganisationKey.valid_from) <= at,
        (col(OrganisationKey.retired_at).is_(None)) | (col(OrganisationKey.retired_at) > at),
    )
    return session.execute(stmt).scalars().all()


def add_key(session: Session, row: OrganisationKey, *, now: datetime) -> bool:
    """Retire the organisation's current key and add this one; False if it was registered."""
    try:
        with session.begin_nested():
            session.execute(
                update(OrganisationKey)
                .where(
                    col(OrganisationKey.organisation_id) == row.organisation_id,
                    col(OrganisationKey.retired_at).is_(None),
                )
                .values(retired_at=now)
                .execution_options(synchronize_session=False)
            )
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


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


# --- repair applications ----------------------------------------------------------------------


def latest_retry_from(session: Session, *, entry_id: uuid.UUID) -> date | None:
    """The latest 'apply again from' date any rejection of this entry set."""
    stmt = select(func.max(col(RepairApplication.retry_from))).where(
        col(RepairApplication.entry_id) == entry_id,
        col(RepairApplication.status) == "rejected",
    )
    value = session.execute(stmt).scalar_one_or_none()
    return value if isinstance(value, date) else None


# The department's list after the overdue cases: open ones by due date, then the newest.
QUEUE_ORDER: Final = (
    case((col(RepairApplication.status).in_(OPEN), 0), else_=1),
    case(
        (col(RepairApplication.status) == "filed", col(RepairApplication.accept_due)),
        (col(RepairApplication.status) == "accepted", col(RepairApplication.decide_due)),
        else_=None,
    ),
    col(RepairApplication.created_at).desc(),
    col(RepairApplication.id),
)
