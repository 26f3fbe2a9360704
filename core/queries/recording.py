"""Logging queries (SPEC §6, §12): a batch of prepared answers and refusals, one transaction.

Invariants:
- Every item of a batch becomes one leaf, in the order given, at dense indices, under
  the log's one lock; its audit projection (and rule flags), its subject's notice and the
  deliveries of what it returned are written in the same transaction, or none are.
- An answer spends its authorization's use under the same lock, in a savepoint of its
  own: if the consent changed since it was prepared, that item alone becomes a logged
  refusal and the rest of the batch stands.
- The subjects' chain heads are read once the log is locked, so a subject's leaves chain
  in log order whichever process appends them.
- The whole batch is proven against one checkpoint note signed for the tree right after
  it (stored when the cadence calls for one, after the check before signing); nothing
  here commits, so a receipt is only handed out once the caller's commit is durable.
- A query sent with an Idempotency-Key claims it under the lock before its use is spent,
  and its answer is remembered in the same transaction (core/queries/idempotency.py).
- The leaf holds no personal data (crypto/leaf_binding.py): whose record, under which
  consent and what left are only in its salted `commit`, whose opening the subject keeps
  in the notice, sealed under their own key, and the agency gets with its receipt.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import cast

from sqlalchemy import Engine
from sqlmodel import Session

from core.audit import service as audit
from core.audit.rules import AuditRules
from core.clock import CST
from core.consents import service as consents
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as record_repo
from core.errors import Conflict, DomainError
from core.models import Authorization
from core.queries import idempotency
from core.queries import notices_repository as notice_repo
from core.queries.idempotency import Claim
from core.queries.schemas import AnsweredEntry, QueryAnswer, QueryRequest
from core.querylog import appends, leaves, proofs
from core.querylog import repository as log_repo
from core.querylog.checkpoints import Cadence, batch_note, checkpoint_for_batch
from core.querylog.leaves import LEAF_VERSION, leaf_time
from crypto.envelope import DataKey, FieldContext, seal
from crypto.leaf_binding import b64, canonical, chain_tag, commit, new_secret, salt_of
from crypto.log_signer import LogSigner

DEFAULT_RULES = AuditRules()
DEFAULT_CADENCE = Cadence()
# The audit projection of a malformed query: searchable by agency and time like any other.
NO_SUBJECT = ""
NO_BASIS = "none"


@dataclass(frozen=True)
class Consent:
    """What a prepared query read of the authorization it will spend (a plain copy: the
    read session it came from is gone by the time the batch spends it)."""

    id: uuid.UUID
    subject_id: uuid.UUID
    list_kinds: list[str]
    domains: list[str]
    policy_version: int

    @classmethod
    def of(cls, auth: Authorization) -> Consent:
        """The copy of an authorization row."""
        return cls(
            id=auth.id,
            subject_id=auth.subject_id,
            list_kinds=list(auth.list_kinds),
            domains=list(auth.domains),
            policy_version=auth.policy_version,
        )


@dataclass(frozen=True)
class PreparedQuery:
    """A query read, authorized and answered, not yet logged (nothing has been written)."""

    agency: str
    payload: QueryRequest
    now: datetime
    subject: record_repo.QuerySubject | None
    authorization: Consent | None
    frozen: bool
    entries: list[AnsweredEntry]
    warning: bool
    pseudonym: str
    subject_key: DataKey | None  # to seal what the subject is shown of the leaf
    # Sent with an Idempotency-Key: its claim, and the leaf secret made from it.
    claim: Claim | None = None
    secret: bytes | None = None


@dataclass(frozen=True)
class Refusal:
    """A refused query to log: `payload` None when it named no valid subject (malformed),
    and `error` the refusal its caller raises once it is logged."""

    agency: str
    rule: str
    now: datetime
    payload: QueryRequest | None = None
    subject: record_repo.QuerySubject | None = None
    subject_key: DataKey | None = None
    pseudonym: str = NO_SUBJECT
    error: DomainError | None = None


LogItem = PreparedQuery | Refusal


@dataclass(frozen=True)
class Logged:
    """One item as logged: its index and receipt, with the answer for an answered query
    or the refusal to raise (one the batch itself decided, or the item's own)."""

    index: int
    receipt: dict[str, object]
    answer: QueryAnswer | None = None
    error: DomainError | None = None


def _basis(payload: QueryRequest) -> str:
    return "authorization" if payload.legal_basis is None else "legal"


def private_fields(payload: QueryRequest, subject: str, entry_ids: list[str]) -> dict[str, object]:
    """The fields a leaf only commits to: whose record, under which consent, what left."""
    return {
        "subject": subject,
        "authorization_id": None
        if payload.authorization_id is None
        else str(payload.authorization_id),
        "entries": entry_ids,
    }


def _leaf(
    *,
    agency: str,
    payload: QueryRequest,
    outcome: str,
    now: datetime,
    private: dict[str, object],
    secret: bytes,
    prev: bytes | None,
    policy_version: int | None,
    frozen: bool,
    sealed: bool,
    rule: str | None = None,
) -> dict[str, object]:
    return {
        "v": LEAF_VERSION,
        "kind": "query",
        "at": leaf_time(now),
        "agency": agency,
        "purpose": payload.purpose,
        "basis": _basis(payload),
        "legal_basis": payload.legal_basis,
        "policy_version": policy_version,
        "commit": commit(salt_of(secret), private),
        "prev": None if prev is None else b64(prev),
        "outcome": outcome,
        # How many entries left, not which: the ids are committed with the subject.
        "returned": len(cast(list[str], private["entries"])),
        "refusal_rule": rule,
        "frozen": frozen,
        # Only a seal that was granted: a refused query is never hidden (§6).
        "sealed_until": None
        if not sealed or payload.sealed_until is None
        else payload.sealed_until.isoformat(),
    }


def _malformed_leaf(agency: str, rule: str, now: datetime) -> dict[str, object]:
    """Nothing of a malformed request but who sent it, when, and which rule refused it:
    its fields were not valid, so none can be trusted to be free of personal data."""
    return {
        "v": LEAF_VERSION,
        "kind": "query",
        "at": leaf_time(now),
        "agency": agency,
        "purpose": None,
        "basis": None,
        "legal_basis": None,
        "policy_version": None,
        "commit": None,
        "prev": None,
        "outcome": "refused",
        "returned": 0,
        "refusal_rule": rule,
        "frozen": False,
        "sealed_until": None,
    }


@dataclass
class _Staged:
    """One item on its way into the log: its leaf and what its other rows need."""

    item: LogItem
    leaf: dict[str, object]
    outcome: str
    basis: str
    frozen: bool
    subject: record_repo.QuerySubject | None = None
    subject_key: DataKey | None = None
    private: dict[str, object] | None = None
    secret: bytes | None = None
    chained: bool = False
    sealed_until: date | None = None
    entries: Sequence[AnsweredEntry] = ()
    error: DomainError | None = None


def _spend(session: Session, prepared: PreparedQuery) -> DomainError | None:
    """Spend the authorization's use in a savepoint; the refusal if it may not be spent."""
    auth = prepared.authorization
    if auth is None:
        return None
    try:
        with session.begin_nested():
            spent = consents.use_for_query(
                session=session,
                authorization_id=auth.id,
                subject_id=auth.subject_id,
                agency=prepared.agency,
                purpose=prepared.payload.purpose,
                now=prepared.now,
            )
            if (list(spent.list_kinds), list(spent.domains)) != (auth.list_kinds, auth.domains):
                raise Conflict("the authorization changed meanwhile; try again", rule="retry")
    except DomainError as refused:
        return refused
    return None


def _refused(prepared: PreparedQuery, error: DomainError) -> Refusal:
    return Refusal(
        agency=prepared.agency,
        rule=error.rule or error.type_slug,
        now=prepared.now,
        payload=prepared.payload,
        subject=prepared.subject,
        subject_key=prepared.subject_key,
        pseudonym=prepared.pseudonym,
        error=error,
    )


def _stage(item: LogItem, heads: dict[uuid.UUID, bytes | None]) -> _Staged:
    """The item's leaf, chained after its subject's newest unsealed one (updating `heads`)."""
    if isinstance(item, Refusal) and item.payload is None:
        return _Staged(
            item=item,
            leaf=_malformed_leaf(item.agency, item.rule, item.now),
            outcome="refused",
            basis=NO_BASIS,
            frozen=False,
            error=item.error,
        )
    payload = cast(QueryRequest, item.payload)
    if isinstance(item, PreparedQuery):
        entries: Sequence[AnsweredEntry] = item.entries
        outcome = "answered" if entries else "empty"
        frozen, sealed, rule = item.frozen, payload.sealed_until is not None, None
        policy_version = None if item.authorization is None else item.authorization.policy_version
    else:
        entries, outcome, frozen, sealed, rule = (), "refused", False, False, item.rule
        policy_version = None
    given = item.secret if isinstance(item, PreparedQuery) else None
    secret = new_secret() if given is None else given
    subject = item.subject
    prev = None if subject is None else heads.get(subject.id)
    private = private_fields(payload, item.pseudonym, [str(e.id) for e in entries])
    leaf = _leaf(
        agency=item.agency,
        payload=payload,
        outcome=outcome,
        now=item.now,
        private=private,
        secret=secret,
        prev=prev,
        policy_version=policy_version,
        frozen=frozen,
        sealed=sealed,
        rule=rule,
    )
    chained = leaf["sealed_until"] is None
    if subject is not None and chained:
        heads[subject.id] = chain_tag(secret)
    return _Staged(
        item=item,
        leaf=leaf,
        outcome=outcome,
        basis=_basis(payload),
        frozen=frozen,
        subject=subject,
        subject_key=item.subject_key,
        private=private,
        secret=secret,
        chained=chained,
        sealed_until=payload.sealed_until if sealed else None,
        entries=entries,
        error=item.error if isinstance(item, Refusal) else None,
    )


@dataclass(frozen=True)
class _Written:
    """A batch as written in its transaction: what each item became, and the stored
    checkpoint note its receipts are against, if the batch stored one."""

    staged: list[_Staged]
    bodies: list[bytes]
    batch: appends.Batch
    note: str | None


def record_batch(
    *,
    session: Session,
    signer: LogSigner,
    items: Sequence[LogItem],
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> list[Logged]:
    """Log every item in order in the caller's transaction; one `Logged` per item."""
    if not items:
        return []
    return _receipts(_write(session, signer, items, rules, cadence), signer)


def flush(
    engine: Engine,
    signer: LogSigner,
    items: Sequence[LogItem],
    *,
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> list[Logged]:
    """One sequencer batch: fence the log, write every item, commit (durable), then make
    the receipts, which need nothing from the database: the write lock is held only for
    the writing."""
    if not items:
        return []
    with Session(engine, expire_on_commit=False) as session:
        log_repo.fence(session)
        written = _write(session, signer, items, rules, cadence)
        session.commit()
        return _receipts(written, signer)


def _write(
    session: Session,
    signer: LogSigner,
    items: Sequence[LogItem],
    rules: AuditRules,
    cadence: Cadence,
) -> _Written:
    now = max(item.now for item in items)
    state = appends.lock_log(session, now)
    claims = idempotency.Claims.open(session, now)
    ready: list[LogItem] = []
    for item in items:
        refused = None
        if isinstance(item, PreparedQuery):
            # A key is claimed before the use is spent: a second request under it spends none.
            refused = None if item.claim is None else claims.take(item.claim)
            refused = refused or _spend(session, item)
        ready.append(item if refused is None else _refused(cast(PreparedQuery, item), refused))
    subjects = {i.subject.id for i in ready if i.subject is not None}
    heads = notice_repo.chain_heads(session, sorted(subjects))
    staged = [_stage(item, heads) for item in ready]
    bodies = [leaves.canonical_leaf(s.leaf) for s in staged]
    batch = appends.append_locked(session, state, bodies, now)
    notices: list[dict[str, object]] = []
    deliveries: list[dict[str, object]] = []
    flags: list[dict[str, object]] = []
    for offset, s in enumerate(staged):
        index = batch.start + offset
        audit.record_query(
            session=session,
            index=index,
            at=s.item.now,
            agency=s.item.agency,
            subject=s.item.pseudonym,
            outcome=s.outcome,
            basis=s.basis,
            rules=rules,
            frozen=s.frozen,
            flags=flags,
        )
        if s.subject is not None:
            notices.append(_notice(s, index))
        # Who received which entry: corrections propagate along these rows (§6).
        deliveries.extend(
            {"log_index": index, "entry_id": e.id, "agency": s.item.agency, "at": s.item.now}
            for e in s.entries
        )
        if isinstance(s.item, PreparedQuery) and s.item.claim is not None:
            claims.answered(
                s.item.claim, index=index, receipt_size=batch.frontier.size, at=s.item.now
            )
    claims.store()
    audit.add_new_flags(session, flags)
    notice_repo.add_notices(session, notices)
    lifecycle_repo.add_deliveries(session, deliveries)
    stored = checkpoint_for_batch(
        session=session, signer=signer, cadence=cadence, batch=batch, now=now
    )
    return _Written(staged, bodies, batch, None if stored is None else stored.note)


def _receipts(written: _Written, signer: LogSigner) -> list[Logged]:
    """Every item's receipt against one note for the batch's tree (the stored one if any)."""
    batch = written.batch
    note = written.note if written.note is not None else batch_note(signer=signer, batch=batch)
    return [
        _logged(s, body, batch, batch.start + k, note)
        for k, (s, body) in enumerate(zip(written.staged, written.bodies, strict=True))
    ]


def _logged(s: _Staged, body: bytes, batch: appends.Batch, index: int, note: str) -> Logged:
    receipt = proofs.batch_receipt(batch=batch, index=index, note=note)
    # The leaf as stored: what the agency is shown is what the receipt proves.
    leaf = json.loads(body)
    if s.outcome == "refused":
        return Logged(index=index, receipt={**receipt, "leaf": leaf}, error=s.error)
    item = cast(PreparedQuery, s.item)
    opening = {"leaf": leaf, "private": s.private, "salt": b64(salt_of(cast(bytes, s.secret)))}
    answer = QueryAnswer(
        log_index=index,
        outcome=s.outcome,
        entries=item.entries,
        warning_list=item.warning,
        receipt={**receipt, **opening},
    )
    return Logged(index=index, receipt=answer.receipt, answer=answer)


def _notice(s: _Staged, index: int) -> dict[str, object]:
    """Tell the subject of every query; a sealed one only once its seal lifts (§6). The
    notice keeps, sealed under the subject's key, what opens the leaf for them."""
    subject = cast(record_repo.QuerySubject, s.subject)
    now = s.item.now
    visible = now
    if s.sealed_until is not None:
        start = datetime.combine(s.sealed_until, time.min, tzinfo=CST)
        visible = max(now, start.astimezone(UTC))
    private_ct = None
    if s.subject_key is not None:
        opening = {"secret": b64(cast(bytes, s.secret)), "private": s.private}
        private_ct = seal(s.subject_key, canonical(opening), opening_context(index))
    return notice_repo.notice_row(
        subject_id=subject.id,
        log_index=index,
        visible_from=visible,
        now=now,
        private_ct=private_ct,
        chain_tag=chain_tag(cast(bytes, s.secret)) if s.chained else None,
    )


def opening_context(index: int) -> FieldContext:
    """The sealing context of what opens leaf `index` for its subject."""
    return FieldContext(table="query_notice", column="private", row_key=str(index))
