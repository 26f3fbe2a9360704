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
- a grant names a registered, enabled agency (`core.directory`), else nothing is stored;
- each grant has a short code the citizen hands the agency, shown once when granted: only
  its keyed MAC is stored (under the stable certificate key, so an index-key rotation does
  not void it), and it resolves only for the agency and the subject it was granted for;
- an agency holds the grants sent to its inbox and those it has used; it sees them with
  the subject masked (`policy.masked_subject`), decrypted here after that check, and
  never a code;
- these functions never commit; the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.consents import policy
from core.consents import repository as repo
from core.consents.schemas import (
    PAGE_MAX,
    AuthorizationCreate,
    AuthorizationGranted,
    AuthorizationPage,
    AuthorizationState,
    AuthorizationView,
    HeldAuthorization,
    HeldAuthorizationPage,
    one_year_after,
)
from core.context import Context
from core.directory import service as directory
from core.entries.subjects import own_subject, subject_by_index
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import Subject
from core.models.consents import Authorization, SubjectFreeze
from core.queries.catalogues import purpose as catalogued_purpose
from core.queries.refusals import Refused
from crypto.envelope import FieldContext, open_field

POLICY_VERSION = 1
NO_SUCH_AUTHORIZATION = "no such authorization"
_CODE_LABEL = b"credence/authorization-code/v1\x00"
# A fresh code clashing with another of the same agency and subject is all but impossible;
# a few draws make it impossible in practice.
_CODE_DRAWS = 4
_MINE = "mine"
_HELD = "held"
IN_FORCE: tuple[AuthorizationState, ...] = ("active", "pending")


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


def code_hash(keyring: Keyring, code: str) -> bytes:
    """The keyed MAC stored for a normalised authorization code (never the code itself)."""
    return keyring.suite.mac(keyring.certificate_key, _CODE_LABEL + code.encode("ascii"))


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be between 1 and {PAGE_MAX}", rule="page_size")


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
) -> AuthorizationGranted:
    """Record the citizen's consent to a registered agency, with the short code to hand it;
    their subject row is created from `code` if still missing."""
    now = ctx.now() if now is None else now
    directory.require_agency(ctx, slug=payload.agency)
    subject = own_subject(
        session=ctx.session, keyring=ctx.keyring, code_index=code_index, code=code, now=now
    )
    if subject is None:
        raise NotFound("there is no record for this citizen yet", rule="no_record")
    catalogued_purpose(payload.purpose)
    start = now if payload.starts_at is None else payload.starts_at
    if not start < payload.expires_at <= one_year_after(start):
        raise InvalidInput("the validity window is not valid at this time", rule="bad_window")
    code, hashed = _fresh_code(ctx, agency=payload.agency, subject_id=subject.id)
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
        code_hash=hashed,
    )
    repo.add(ctx.session, auth)
    view = _view(auth, now=now)
    return AuthorizationGranted(**view.model_dump(), authorization_code=policy.shown_code(code))


def _fresh_code(ctx: Context, *, agency: str, subject_id: uuid.UUID) -> tuple[str, bytes]:
    """A new code and its keyed MAC, unlike any other this agency holds for this subject."""
    for _ in range(_CODE_DRAWS):
        code = policy.new_code()
        hashed = code_hash(ctx.keyring, code)
        taken = repo.authorization_by_code(
            ctx.session, code_hash=hashed, agency=agency, subject_id=subject_id
        )
        if taken is None:
            return code, hashed
    raise Conflict("no fresh authorization code could be drawn; try again", rule="retry")


def list_authorizations(
    ctx: Context, *, code_index: bytes, now: datetime | None = None
) -> list[AuthorizationView]:
    """The citizen's own authorizations, newest first, each with its state now."""
    now = ctx.now() if now is None else now
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    if subject is None:
        return []
    return [_view(a, now=now) for a in repo.authorizations_of(ctx.session, subject_id=subject.id)]


def authorizations_page(
    ctx: Context, *, code_index: bytes, cursor: str | None = None, limit: int = 50
) -> AuthorizationPage:
    """One page of the citizen's own authorizations, newest first, each with its state now."""
    _check_limit(limit)
    after = None if cursor is None else policy.read_cursor(cursor, scope=_MINE)
    now = ctx.now()
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    if subject is None:
        return AuthorizationPage(items=[])
    rows = repo.page_of_subject(ctx.session, subject_id=subject.id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return AuthorizationPage(
        items=[_view(a, now=now) for a in rows],
        next_cursor=None if last is None else policy.write_cursor(_MINE, last.created_at, last.id),
    )


def held_authorizations(
    ctx: Context, *, agency: str, cursor: str | None = None, limit: int = 50
) -> HeldAuthorizationPage:
    """One page of the grants `agency` holds (sent to its inbox, or used), newest first."""
    _check_limit(limit)
    after = None if cursor is None else policy.read_cursor(cursor, scope=_HELD)
    now = ctx.now()
    rows = repo.held_by(ctx.session, agency=agency, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    codes = _subject_codes(ctx, {a.subject_id for a in rows})
    last = rows[-1] if more else None
    return HeldAuthorizationPage(
        items=[
            HeldAuthorization.model_validate(
                {
                    **a.model_dump(),
                    "subject": policy.masked_subject(codes.get(a.subject_id)),
                    "state": state_of(a, now=now),
                }
            )
            for a in rows
        ],
        next_cursor=None if last is None else policy.write_cursor(_HELD, last.created_at, last.id),
    )


def _subject_codes(ctx: Context, subject_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The codes of these subjects, decrypted (an erased subject has none)."""
    codes: dict[uuid.UUID, str] = {}
    for sid, sealed in repo.sealed_codes(ctx.session, subject_ids).items():
        if sealed.code_ct is None or sealed.wrapped is None:
            continue
        key = ctx.keyring.data_key(sealed.key_id, sealed.wrapped)
        context = FieldContext(table="subject", column="code", row_key=str(sid))
        codes[sid] = open_field(key, sealed.code_ct, context).decode()
    return codes


def deliver(
    ctx: Context, *, code_index: bytes, authorization_id: uuid.UUID, now: datetime | None = None
) -> AuthorizationView:
    """Send one of the citizen's grants in force to its agency's inbox (again: no change)."""
    now = ctx.now() if now is None else now
    auth = _own(ctx, code_index, authorization_id)
    if state_of(auth, now=now) not in IN_FORCE:
        raise Conflict("only a grant in force can be sent to the agency", rule="not_deliverable")
    directory.require_agency(ctx, slug=auth.agency)
    repo.deliver(ctx.session, authorization_id=auth.id, now=now)
    return _view(_own(ctx, code_index, authorization_id), now=now)


def _own(ctx: Context, code_index: bytes, authorization_id: uuid.UUID) -> Authorization:
    """One of the citizen's own authorizations, read fresh; another's does not exist."""
    subject = subject_by_index(session=ctx.session, code_index=code_index)
    found = (
        None
        if subject is None
        else repo.authorization_of(
            ctx.session, authorization_id=authorization_id, subject_id=subject.id
        )
    )
    if found is None:
        raise NotFound(NO_SUCH_AUTHORIZATION)
    return found


def resolve_code(
    *, session: Session, keyring: Keyring, code: str, agency: str, subject_id: uuid.UUID | None
) -> uuid.UUID:
    """The id of the grant a presented code names for this agency and subject, or a refusal.

    Nothing is spent here; a code of another agency or subject is refused like one that
    was never given out, so a refusal says nothing about other grants.
    """
    normalised = policy.normalised_code(code)
    found = (
        None
        if normalised is None or subject_id is None
        else repo.authorization_by_code(
            session,
            code_hash=code_hash(keyring, normalised),
            agency=agency,
            subject_id=subject_id,
        )
    )
    if found is None:
        raise Refused(
            "the authorization code names no grant of this subject to this agency",
            rule="authorization_code_unknown",
        )
    return found.id


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
