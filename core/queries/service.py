"""Agency queries: authorized, scoped to what is displayed now, logged before the answer leaves.

Invariants:
- A query names one subject and a purpose, and either an authorization the subject
  granted to this agency (by id, or by the short code the subject gave it, which resolves
  only for this agency and subject) or a legal basis from the catalogue; nothing else is
  accepted.
- The answer holds only entries that are active and displayed on the project clock's
  date, and, for an authorization, inside its list kinds and domains.
- Every query — answered, empty or refused — becomes one query-log leaf. The leaf holds
  no personal data and links to nobody in public: the subject's pseudonym (derived from
  the subject's own data key), the authorization and the entries returned are only in
  its `commit`, a salted commitment the subject (and the asking agency) can open; `prev`
  chains the subject's unsealed leaves so the subject can tell none is left out of their
  history (crypto/leaf_binding.py). Every receipt carries its leaf, so what is shown is
  what is proven.
- The receipt (inclusion proof against a checkpoint signed for the log's size right
  after the leaf's batch) is made in the transaction that appends the leaf, so an answer
  never leaves without its log entry (core/queries/recording.py). Stored, published
  checkpoints follow the cadence instead.
- A query is prepared (read, authorized, decrypted) before anything is written, so the
  route prepares it on a read snapshot and hands only its logging to the process's log
  sequencer, which writes many queries in one transaction; the authorization's use is
  spent atomically then, under every rule again.
- The read is SQL-lean (SPEC §12): one prepared statement brings the subject, its key, its
  freeze and its entries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlmodel import Session

from core import paging
from core.audit.rules import AuditRules
from core.clock import local_date
from core.consents import service as consents
from core.context import Context
from core.entries import repository as record_repo
from core.entries.visibility import derived_warning, shown_state
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import Authorization, QueryIdempotency
from core.ops import keys_repository as key_repo
from core.paging import Page
from core.queries import idempotency_repository as idem_repo
from core.queries import notices_repository as notice_repo
from core.queries.catalogues import legal_basis as legal_basis_of
from core.queries.idempotency import Claim, claim_of, leaf_secret, remembered
from core.queries.recording import (
    DEFAULT_CADENCE,
    DEFAULT_RULES,
    Consent,
    PreparedQuery,
    Refusal,
    opening_context,
    private_fields,
    record_batch,
)
from core.queries.schemas import AnsweredEntry, QueryAnswer, QueryHistoryItem, QueryRequest
from core.querylog import proofs
from core.querylog import repository as log_repo
from core.querylog.checkpoints import Cadence
from core.querylog.leaves import leaf_time
from core.querylog.witnesses import WitnessSet, published_checkpoint
from crypto.blind_index import pseudonym_of
from crypto.envelope import DataKey, FieldContext, open_field
from crypto.leaf_binding import b64, commit, salt_of
from crypto.log_signer import LogSigner

_LOG_LABEL = b"query-log"


def _subject_pseudonym(keyring: Keyring, key: DataKey | None, code_index: bytes) -> str:
    """`s:` + a MAC under the subject's own key, or `u:` + a keyed MAC of the index if none."""
    if key is None:
        # No record (or an erased one): still attributable, never reversible without the keys.
        return "u:" + keyring.indexer.pseudonym(_LOG_LABEL + code_index).hex()
    return "s:" + pseudonym_of(key, _LOG_LABEL).hex()


def _open(key: DataKey, blob: bytes, column: str, entry_id: uuid.UUID) -> str:
    return open_field(key, blob, FieldContext("entry", column, str(entry_id))).decode()


def _answered(keyring: Keyring, entry: record_repo.QueryEntry) -> AnsweredEntry:
    """An entry as the agency receives it, decrypted (the caller has checked it may)."""
    key = keyring.data_key(entry.key_id, cast(bytes, entry.wrapped))
    return AnsweredEntry(
        id=entry.id,
        department=entry.department,
        list_kind=entry.list_kind,
        domain=entry.domain,
        severity=entry.severity,
        subject_name=_open(key, entry.subject_name_ct, "subject_name", entry.id),
        facts=_open(key, entry.facts_ct, "facts", entry.id),
        legal_basis=entry.legal_basis,
        decided_on=entry.decided_on,
        display_until=entry.display_until,
        under_objection=entry.under_objection,
        statement=None
        if entry.statement_ct is None
        else _open(key, entry.statement_ct, "statement", entry.id),
    )


def _answer(
    keyring: Keyring,
    rows: Sequence[record_repo.QueryEntry],
    auth: Authorization | None,
    now: datetime,
) -> list[AnsweredEntry]:
    today = local_date(now)
    answered: list[AnsweredEntry] = []
    for entry in rows:
        if entry.wrapped is None:
            continue
        if shown_state(entry, today) != "displayed":
            continue
        if auth is not None and not consents.in_scope(
            auth, list_kind=entry.list_kind, domain=entry.domain
        ):
            continue
        answered.append(_answered(keyring, entry))
    return answered


def _warning(
    rows: Sequence[record_repo.QueryEntry], auth: Authorization | None, now: datetime
) -> bool:
    """The derived warning list (§5.5), for legal bases and for consents that include it."""
    if auth is not None and "warning" not in auth.list_kinds:
        return False
    return derived_warning(rows, local_date(now))


def _subject_key(keyring: Keyring, subject: record_repo.QuerySubject | None) -> DataKey | None:
    if subject is None or subject.wrapped is None:
        return None
    return keyring.data_key(subject.key_id, subject.wrapped)


def _by_id(
    ctx: Context,
    payload: QueryRequest,
    *,
    agency: str,
    subject: record_repo.QuerySubject | None,
) -> QueryRequest:
    """The request naming its grant by id: a short code resolved for this agency and subject."""
    if payload.authorization_code is None:
        return payload
    found = consents.resolve_code(
        session=ctx.session,
        keyring=ctx.keyring,
        code=payload.authorization_code,
        agency=agency,
        subject_id=None if subject is None else subject.id,
    )
    return payload.model_copy(update={"authorization_id": found, "authorization_code": None})


def prepare_query(
    ctx: Context,
    *,
    agency: str,
    payload: QueryRequest,
    now: datetime | None = None,
    claim: Claim | None = None,
) -> PreparedQuery:
    """Read, authorize and answer a query (asked `now`, by default the project clock's);
    writes nothing, so it may run on a read snapshot. With an idempotency claim, its leaf
    secret is made from it, so a retry can be answered again exactly."""
    session, keyring = ctx.session, ctx.keyring
    now = ctx.now() if now is None else now
    code_index = keyring.blind_index(payload.subject_code)
    # The subject and its entries in one read; nothing is decrypted before the checks below.
    subject, rows = record_repo.subject_for_query(session, code_index)
    auth: Authorization | None = None
    frozen = False
    # From here on the query names its grant by id; the code goes no further (not logged).
    payload = _by_id(ctx, payload, agency=agency, subject=subject)
    if payload.authorization_id is not None:
        auth = consents.check_for_query(
            session=session,
            authorization_id=payload.authorization_id,
            subject_id=subject.id if subject is not None else uuid.UUID(int=0),
            agency=agency,
            purpose=payload.purpose,
            now=now,
        )
    else:
        basis = legal_basis_of(str(payload.legal_basis))
        if payload.sealed_until is not None and not basis.investigating_body:
            raise InvalidInput(
                "only an investigating body's legal basis may seal a query", rule="seal_not_allowed"
            )
        frozen = subject is not None and subject.frozen
    subject_key = _subject_key(keyring, subject)
    return PreparedQuery(
        agency=agency,
        payload=payload,
        now=now,
        subject=subject,
        authorization=None if auth is None else Consent.of(auth),
        frozen=frozen,
        entries=_answer(keyring, rows, auth, now),
        warning=_warning(rows, auth, now),
        pseudonym=_subject_pseudonym(keyring, subject_key, code_index),
        subject_key=subject_key,
        claim=claim,
        secret=None if claim is None else leaf_secret(keyring, claim, leaf_time(now)),
    )


def remembered_answer(
    ctx: Context, *, signer: LogSigner, agency: str, payload: QueryRequest, key: str
) -> tuple[Claim, QueryAnswer | None]:
    """A request's idempotency claim, and the answer it was given if it was sent before
    (in the key's window); a different request under the key is refused."""
    claim = claim_of(ctx.keyring, agency=agency, key=key, payload=payload)
    row = remembered(ctx.session, claim, ctx.now())
    if row is None:
        return claim, None
    return claim, _replay(ctx, signer=signer, agency=agency, payload=payload, claim=claim, row=row)


def _unavailable() -> Conflict:
    return Conflict(
        "the answer to this Idempotency-Key can no longer be given again; use a new key",
        rule="idempotency_replay_unavailable",
    )


def _replay(
    ctx: Context,
    *,
    signer: LogSigner,
    agency: str,
    payload: QueryRequest,
    claim: Claim,
    row: QueryIdempotency,
) -> QueryAnswer:
    """The answer a remembered query was given, rebuilt from the log: the same leaf, the
    same opening (checked against the leaf's commitment) and the same receipt."""
    session, keyring, index = ctx.session, ctx.keyring, row.log_index
    leaf = json.loads(log_repo.leaf_bodies(session, [index])[index])
    code_index = keyring.blind_index(payload.subject_code)
    subject, rows = record_repo.subject_for_query(session, code_index)
    try:
        payload = _by_id(ctx, payload, agency=agency, subject=subject)
    except DomainError:
        raise _unavailable() from None
    delivered = idem_repo.delivered(session, index)
    # In the order the answer gave them (the read's order), as the commitment names them.
    entries = [_answered(keyring, e) for e in rows if e.id in delivered and e.wrapped]
    subject_key = _subject_key(keyring, subject)
    pseudonym = _subject_pseudonym(keyring, subject_key, code_index)
    private = private_fields(payload, pseudonym, [str(e.id) for e in entries])
    salt = salt_of(leaf_secret(keyring, claim, str(leaf["at"])))
    if leaf["agency"] != agency or commit(salt, private) != leaf["commit"]:
        # What it answered can no longer be read (an entry erased, a key rotated).
        raise _unavailable()
    auth = None
    if payload.authorization_id is not None:
        auth = session.get(Authorization, payload.authorization_id)
    at = datetime.fromisoformat(str(leaf["at"]))
    receipt = proofs.receipt_again(
        session=session, signer=signer, index=index, size=row.receipt_size
    )
    return QueryAnswer(
        log_index=index,
        outcome=str(leaf["outcome"]),
        entries=entries,
        warning_list=_warning(rows, auth, at),
        receipt={**receipt, "leaf": leaf, "private": private, "salt": b64(salt)},
    )


def record_query(
    *,
    session: Session,
    signer: LogSigner,
    prepared: PreparedQuery,
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> QueryAnswer:
    """Spend the authorization's use and log the prepared answer in the caller's
    transaction (a batch of one); a refusal raises, and the caller rolls it back."""
    (logged,) = record_batch(
        session=session, signer=signer, items=[prepared], rules=rules, cadence=cadence
    )
    if logged.error is not None:
        raise logged.error
    return cast(QueryAnswer, logged.answer)


def run_query(
    *,
    session: Session,
    keyring: Keyring,
    signer: LogSigner,
    agency: str,
    payload: QueryRequest,
    now: datetime,
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> QueryAnswer:
    """Authorize, answer and log one query in one transaction; refusals raise."""
    prepared = prepare_query(
        Context(session=session, keyring=keyring), agency=agency, payload=payload, now=now
    )
    return record_query(
        session=session, signer=signer, prepared=prepared, rules=rules, cadence=cadence
    )


def prepare_refusal(
    ctx: Context,
    *,
    agency: str,
    payload: QueryRequest,
    rule: str,
    now: datetime,
    error: DomainError | None = None,
) -> Refusal:
    """A refused query ready to log: its subject (if on record) read, nothing written."""
    keyring = ctx.keyring
    code_index = keyring.blind_index(payload.subject_code)
    subject, _entries = record_repo.subject_for_query(ctx.session, code_index)
    subject_key = _subject_key(keyring, subject)
    return Refusal(
        agency=agency,
        rule=rule,
        now=now,
        payload=payload,
        subject=subject,
        subject_key=subject_key,
        pseudonym=_subject_pseudonym(keyring, subject_key, code_index),
        error=error,
    )


def log_refusal(
    *,
    session: Session,
    keyring: Keyring,
    signer: LogSigner,
    agency: str,
    payload: QueryRequest,
    rule: str,
    now: datetime,
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> int:
    """Log a refused query (call in a fresh transaction after rolling the refused one back)."""
    refusal = prepare_refusal(
        Context(session=session, keyring=keyring),
        agency=agency,
        payload=payload,
        rule=rule,
        now=now,
    )
    (logged,) = record_batch(
        session=session, signer=signer, items=[refusal], rules=rules, cadence=cadence
    )
    return logged.index


def log_malformed(
    *,
    session: Session,
    signer: LogSigner,
    agency: str,
    rule: str,
    now: datetime,
    rules: AuditRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
) -> int:
    """Log a query refused before it named a valid subject: no subject, no pseudonym."""
    (logged,) = record_batch(
        session=session,
        signer=signer,
        items=[Refusal(agency=agency, rule=rule, now=now)],
        rules=rules,
        cadence=cadence,
    )
    return logged.index


def query_history(
    *,
    session: Session,
    code_index: bytes,
    now: datetime,
    keyring: Keyring | None = None,
    before: int | None = None,
    limit: int = 50,
    with_receipts: bool = True,
    witnesses: WitnessSet | None = None,
) -> list[QueryHistoryItem]:
    """The queries of the caller's record visible now, newest first, each with its receipt,
    its leaf and (with the keyring) the secret and private fields that open it. With a
    witness quorum, receipts are against the newest checkpoint the quorum cosigned, the
    one the public is shown; a query it does not cover yet is pending."""
    subject = record_repo.subject_by_index(session, code_index)
    if subject is None:
        return []
    notices = notice_repo.visible_notices(
        session, subject_id=subject.id, now=now, before=before, limit=limit
    )
    bodies = log_repo.leaf_bodies(session, [n.log_index for n in notices])
    key = None if keyring is None else _history_key(session, keyring, subject.data_key_id)
    items = []
    for notice in notices:
        leaf = json.loads(bodies[notice.log_index])
        receipt = _receipt_or_none(session, notice.log_index, witnesses) if with_receipts else None
        opening = _opening(key, notice.private_ct, notice.log_index)
        private = None if opening is None else opening["private"]
        # Version 1 named the entries in the leaf; version 2 counts them there.
        returned = len(leaf["entries"]) if "entries" in leaf else int(leaf["returned"])
        items.append(
            QueryHistoryItem(
                log_index=notice.log_index,
                at=leaf["at"],
                agency=leaf["agency"],
                purpose=leaf["purpose"],
                basis=leaf["basis"],
                legal_basis=leaf["legal_basis"],
                outcome=leaf["outcome"],
                entries_returned=returned,
                receipt=receipt,
                receipt_pending=with_receipts and receipt is None,
                leaf=leaf,
                private=private,
                secret=None if opening is None else opening["secret"],
            )
        )
    return items


def opened_history(
    ctx: Context,
    *,
    code_index: bytes,
    before: int | None = None,
    limit: int = 50,
    witnesses: WitnessSet | None = None,
) -> list[QueryHistoryItem]:
    """`query_history` for the subject themself: each row with what opens its leaf."""
    return query_history(
        session=ctx.session,
        keyring=ctx.keyring,
        code_index=code_index,
        now=ctx.now(),
        before=before,
        limit=limit,
        witnesses=witnesses,
    )


def history_page(
    ctx: Context,
    *,
    code_index: bytes,
    cursor: str | None,
    limit: int,
    witnesses: WitnessSet | None = None,
) -> Page[QueryHistoryItem]:
    """One page of `opened_history`, newest first; the cursor holds the last log index served."""

    def fetch(before: int | None, count: int) -> list[QueryHistoryItem]:
        return opened_history(
            ctx, code_index=code_index, before=before, limit=count, witnesses=witnesses
        )

    return paging.by_index(
        fetch, index_of=lambda q: q.log_index, scope="queries", cursor=cursor, limit=limit
    )


def _history_key(session: Session, keyring: Keyring, key_id: uuid.UUID) -> DataKey | None:
    row = key_repo.get_data_key(session, key_id)
    return None if row is None or row.wrapped is None else keyring.data_key(row.id, row.wrapped)


def _opening(key: DataKey | None, blob: bytes | None, index: int) -> dict[str, Any] | None:
    """What opens a leaf for its subject (none for leaves logged before they were bound)."""
    if key is None or blob is None:
        return None
    opened = json.loads(open_field(key, blob, opening_context(index)))
    return opened if isinstance(opened, dict) else None


def _receipt_or_none(
    session: Session, index: int, witnesses: WitnessSet | None = None
) -> dict[str, object] | None:
    checkpoint = None
    if witnesses is not None and witnesses.quorum > 0:
        checkpoint = published_checkpoint(session, witnesses)
        if checkpoint is None or checkpoint.size <= index:
            return None  # not yet under a checkpoint the witnesses cosigned
    try:
        return proofs.receipt(session=session, index=index, checkpoint=checkpoint)
    except NotFound:
        return None  # not yet covered by a stored checkpoint
