"""Citizen authorizations (consents) and record freezes (SPEC §6).

Invariants:
- an authorization belongs to one subject, found by the blind index of the
  citizen's code; a citizen sees and revokes only their own, and another's id
  is reported as not found;
- purposes are catalogue codes, never free text; a grant lasts at most one year
  and at most `MAX_USES` uses; revocation is final and stamped, never deleted;
- a use is spent by one conditional UPDATE (`uses < max_uses` and every other
  rule in its WHERE), so concurrent queries can never overspend; a refused use
  changes nothing and names its rule, checked in a fixed order;
- a freeze is a period: freezing opens one, unfreezing closes it, the history
  stays; at most one is open per subject (a unique partial index enforces it);
- these functions never commit; the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.consents import repository as repo
from core.consents.schemas import (
    AuthorizationCreate,
    AuthorizationState,
    AuthorizationView,
    one_year_after,
)
from core.context import Context
from core.entries.subjects import own_subject, subject_by_index
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Subject
from core.models.consents import Authorization, SubjectFreeze
from core.queries.catalogues import purpose as catalogued_purpose
from core.queries.refusals import Refused

POLICY_VERSION = 1
NO_SUCH_AUTHORIZATION = "no such authorization"


def state_of(auth: Authorization, *, now: datetime) -> AuthorizationState:
    """The state of an authorization at an instant, in the order use refusals are checked."""
    if auth.revoked_at is not None:
        return "revoked"
    if now < auth.starts_at:
        return "pending"
    if now >= auth.expires_at:
        return "expired"
    if auth.uses >= auth.max_uses:
        return "used_up"
    return "active"


def in_scope(auth: Authorization, *, list_kind: str, domain: str) -> bool:
    """Whether an entry of this list kind and domain may be answered under the authorization."""
    return list_kind in auth.list_kinds and (not auth.domains or domain in auth.domains)


def _view(auth: Authorization, *, now: datetime) -> AuthorizationView:
    return AuthorizationView.model_validate({**auth.model_dump(), "state": state_of(auth, now=now)})


def _subject(session: Session, code_index: bytes) -> Subject:
    subject = subject_by_index(session=session, code_index=code_index)
    if subject is None:
        raise NotFound("there is no record for this citizen yet", rule="no_record")
    return subject


def grant(
    ctx: Context,
    *,
    code_index: bytes,
    payload: AuthorizationCreate,
    now: datetime | None = None,
    code: str | None = None,
) -> AuthorizationView:
    """Record the citizen's consent; their subject row is created from `code` if still missing."""
    now = ctx.now() if now is None else now
    subject = own_subject(
        session=ctx.session, keyring=ctx.keyring, code_index=code_index, code=code, now=now
    )
    if subject is None:
        raise NotFound("there is no record for this citizen yet", rule="no_record")
    catalogued_purpose(payload.purpose)
    start = now if payload.starts_at is None else payload.starts_at
    if not start < payload.expires_at <= one_year_after(start):
        raise InvalidInput("the validity window is not valid at this time", rule="bad_window")
    auth = Authorization(
        id=uuid.uuid4(),
        subject_id=subject.id,
        agency=payload.agency,
        purpose=payload.purpose,
        list_kinds=list(payload.list_kinds),
        domains=list(payload.domains),
        starts_at=start,
        expires_at=payload.expires_at,
        max_uses=payload.max_uses,
        uses=0,
        created_at=now,
        policy_version=POLICY_VERSION,
    )
    repo.add(ctx.session, auth)
    return _view(auth, now=now)


def list_authorizations(
    ctx: Context, *, code_index: bytes, now: datetime | None = None
) -> list[AuthorizationView]:
    """The citizen's own authorizations, newest first, each with its state now."""
    now = ctx.now() if now is None else now
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    if subject is None:
        return []
    return [_view(a, now=now) for a in repo.authorizations_of(ctx.session, subject_id=subject.id)]


def revoke(
    ctx: Context, *, code_index: bytes, authorization_id: uuid.UUID, now: datetime | None = None
) -> AuthorizationView:
    """Revoke one of the citizen's own authorizations; revoking twice is a conflict."""
    now = ctx.now() if now is None else now
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    if subject is None:
        raise NotFound(NO_SUCH_AUTHORIZATION)
    found = repo.authorization_of(
        ctx.session, authorization_id=authorization_id, subject_id=subject.id
    )
    if found is None:
        raise NotFound(NO_SUCH_AUTHORIZATION)
    if not repo.revoke(ctx.session, authorization_id=authorization_id, now=now):
        raise Conflict("the authorization is already revoked", rule="already_revoked")
    auth = repo.authorization_of(
        ctx.session, authorization_id=authorization_id, subject_id=subject.id
    )
    if auth is None:  # pragma: no cover - the row was read a moment ago in this transaction
        raise NotFound(NO_SUCH_AUTHORIZATION)
    return _view(auth, now=now)


def freeze(*, session: Session, code_index: bytes, now: datetime) -> None:
    """Freeze the citizen's record: authorization-based queries are refused until unfrozen."""
    subject = _subject(session, code_index)
    if repo.open_freeze(session, subject_id=subject.id) is not None:
        raise Conflict("the record is already frozen", rule="already_frozen")
    try:
        with session.begin_nested():
            repo.add(session, SubjectFreeze(id=uuid.uuid4(), subject_id=subject.id, frozen_at=now))
    except IntegrityError:
        # A concurrent freeze won the unique open-freeze index.
        raise Conflict("the record is already frozen", rule="already_frozen") from None


def unfreeze(*, session: Session, code_index: bytes, now: datetime) -> None:
    """Lift the citizen's freeze; the frozen period stays in the history."""
    subject = _subject(session, code_index)
    if not repo.lift_freeze(session, subject_id=subject.id, now=now):
        raise Conflict("the record is not frozen", rule="not_frozen")


def is_frozen(*, session: Session, subject_id: uuid.UUID) -> bool:
    """Whether the subject's record is frozen now."""
    return repo.open_freeze(session, subject_id=subject_id) is not None


def use_for_query(
    *,
    session: Session,
    authorization_id: uuid.UUID,
    subject_id: uuid.UUID,
    agency: str,
    purpose: str,
    now: datetime,
) -> Authorization:
    """Spend one use of an authorization for an agency's query, or refuse and change nothing.

    The answer must then be limited with `in_scope` to the returned authorization's
    list kinds and domains.
    """
    spent = repo.take_use(
        session,
        authorization_id=authorization_id,
        subject_id=subject_id,
        agency=agency,
        purpose=purpose,
        now=now,
    )
    if spent is not None:
        return spent
    # Nothing was spent: the row is now locked or stable, so say which rule failed first.
    auth = repo.authorization_of(session, authorization_id=authorization_id, subject_id=subject_id)
    _usable(session, auth, agency=agency, purpose=purpose, now=now)
    raise Conflict("the authorization changed meanwhile; try again", rule="retry")


def check_for_query(
    *,
    session: Session,
    authorization_id: uuid.UUID,
    subject_id: uuid.UUID,
    agency: str,
    purpose: str,
    now: datetime,
) -> Authorization:
    """The authorization a query would spend, read without spending it, or its refusal.

    Lets the answer be prepared outside the write lock; `use_for_query` then spends the
    use atomically and checks every rule again.
    """
    auth = repo.authorization_of(session, authorization_id=authorization_id, subject_id=subject_id)
    return _usable(session, auth, agency=agency, purpose=purpose, now=now)


def _usable(
    session: Session, auth: Authorization | None, *, agency: str, purpose: str, now: datetime
) -> Authorization:
    """The authorization if it may serve this query; else raise the first rule it breaks."""
    if auth is None or auth.agency != agency:
        raise NotFound(NO_SUCH_AUTHORIZATION)
    if auth.revoked_at is not None:
        raise Refused("the authorization was revoked", rule="authorization_revoked")
    if now < auth.starts_at:
        raise Refused("the authorization has not started", rule="authorization_not_started")
    if now >= auth.expires_at:
        raise Refused("the authorization has expired", rule="authorization_expired")
    if auth.uses >= auth.max_uses:
        raise Refused("the authorization is used up", rule="authorization_used_up")
    if auth.purpose != purpose:
        raise Refused("the purpose differs from the one authorized", rule="purpose_mismatch")
    if is_frozen(session=session, subject_id=auth.subject_id):
        raise Refused("the record is frozen by its owner", rule="record_frozen")
    return auth
