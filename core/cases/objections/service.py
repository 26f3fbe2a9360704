"""Objections (异议, §7): filing, the officer's decisions, legal clocks and escalation.

Invariants:
- Only the entry's subject may object to it, except to a red entry under public notice or
  displayed, which anyone signed in may contest (§7); for anyone else an entry does not
  exist (404, no existence oracle). The lifecycle decides whether the entry can still be
  objected to; at most one objection per entry is open at a time.
- A filing is checked in full (entry, open case, state, evidence) before anything is
  written, and the entry is marked under objection in the same transaction that creates
  the case: a refusal changes nothing, a success is visible everywhere at once.
- Reasons, decision reasons, history notes and evidence (names and contents) are sealed
  under the case's own data key and opened only after the caller's scope selected the case.
- Decisions follow filed → accepted | declined, accepted → upheld | partly_upheld |
  rejected; anything else is a Conflict (`illegal_decision`) and a case is decided by one
  conditional UPDATE on (id, version, status), so of two racing officers exactly one wins.
- Officers see and decide only their own department's cases; another department's case
  does not exist for them.
- A correction writes new values sealed under the entry's key, and keeps the old values
  only as history: sealed into the `corrected` entry event under the same key, so they are
  erased with the entry when it is shredded.
- accept_due is the department's deadline: one counted on the provisional calendar keeps
  its working days and is counted again at read time (and settled in the database by
  core.calendar.provisional) on the official schedule, earlier or later.
- The case history is append-only; every step (filed, decisions, escalation, apology,
  correction, reconsideration notice) is a line with who and when.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Final

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases import engine
from core.cases import repository as case_repo
from core.cases.deadlines import Due, LegalClock, clock_for, due_in_days, recount, working_due
from core.cases.kind import OPEN, CaseKind, Step
from core.cases.objections import repository as repo
from core.cases.objections.schemas import (
    Correction,
    DecisionRequest,
    ObjectionCase,
    ObjectionEntry,
    ObjectionFilter,
    ObjectionSummary,
    ObjectionView,
    Reconsideration,
)
from core.cases.officer import Officer
from core.cases.schemas import Upload
from core.clock import local_date
from core.context import Context
from core.entries import corrections, lifecycle, store
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as record_repo
from core.entries import states as rules
from core.entries.visibility import citizen_state, shown_state
from core.errors import Conflict, InvalidInput, NotFound, Shredded
from core.keyring import Keyring, indexes_meet, next_index, stored_index
from core.models import Entry, Objection, Subject
from core.settings import Settings
from crypto.envelope import DataKey

CASES: Final = CaseKind(
    name="objection",
    model=Objection,
    owner="objector_index",
    # Accept while filed (working days); resolve while open (calendar days).
    steps=(Step(("filed",), "accept_due"), Step(OPEN, "resolve_due")),
    missing="no such objection in your department",
    lost="another officer decided this case meanwhile",
)
KIND: Final = CASES.name
OBJECTOR: Final = "objector"
SYSTEM: Final = engine.SYSTEM
STEP_ACCEPT: Final = "accept"
STEP_RESOLVE: Final = "resolve"
APOLOGY_EVENT: Final = "apology_issued"
_ERASED: Final = "this entry was erased and can no longer be read"
# Which status each decision leaves from and leads to.
_FROM: Final = {
    "accept": "filed",
    "decline": "filed",
    "uphold": "accepted",
    "partly_uphold": "accepted",
    "reject": "accepted",
}
_TO: Final = {
    "accept": "accepted",
    "decline": "declined",
    "uphold": "upheld",
    "partly_uphold": "partly_upheld",
    "reject": "rejected",
}
# Administrative Reconsideration Law (2023) art. 20: within 60 days of learning of the
# decision; Administrative Litigation Law art. 46: a lawsuit within six months.
RECONSIDERATION_DAYS = 60
RECONSIDERATION_TEXT = (
    "If you disagree with this decision you may apply for administrative reconsideration "
    "(行政复议) within 60 days of receiving it, or bring an administrative lawsuit "
    "(行政诉讼) within six months."
)
_RED_OBJECTABLE = frozenset({rules.PENDING_NOTICE, rules.DISPLAYED})
_ACTOR_MAX = 128


def _actor(name: str) -> str:
    return name[:_ACTOR_MAX] or "officer"


# --- clocks -------------------------------------------------------------------------


def accept_due(objection: Objection, calendar: WorkCalendar) -> Due:
    """The accept deadline as it reads today (a provisional one counted again)."""
    return recount(
        objection.accept_due,
        start=objection.filed_on,
        provisional_days=objection.accept_provisional_days,
        calendar=calendar,
        owed_to_citizen=False,
    )


def clocks(objection: Objection, *, today: date, calendar: WorkCalendar) -> list[LegalClock]:
    """The legal clocks of the steps still pending: accept (while filed) and resolve."""
    if objection.status == "filed":
        return [
            clock_for(STEP_ACCEPT, accept_due(objection, calendar), today, calendar),
            clock_for(STEP_RESOLVE, objection.resolve_due, today, calendar),
        ]
    if objection.status == "accepted":
        return [clock_for(STEP_RESOLVE, objection.resolve_due, today, calendar)]
    return []


def escalate_overdue(
    *, session: Session, today: date, now: datetime, calendar: WorkCalendar
) -> int:
    """Flag every open overdue case escalated to its department's supervisor, once; count them.

    `calendar` is taken so every kind of case escalates through one signature.
    """
    del calendar
    return engine.escalate_overdue(
        session, CASES, today=today, now=now, event=lambda _: "escalated"
    )


def count_overdue(*, session: Session, today: date) -> int:
    """How many open cases are past a pending step's due date (for /metrics)."""
    return engine.count_overdue(session, CASES, today=today)


# --- filing -------------------------------------------------------------------------


def _may_object(entry: Entry, *, own: bool, today: date) -> bool:
    """The owner always sees their entry; anyone may contest a red entry the public sees."""
    return own or (entry.list_kind == "red" and shown_state(entry, today) in _RED_OBJECTABLE)


def file_objection(
    ctx: Context,
    *,
    code_index: bytes,
    entry_id: uuid.UUID,
    reasons: str,
    uploads: list[Upload],
    settings: Settings,
) -> ObjectionView:
    """Open an objection to one entry and mark the entry under objection at once."""
    now = ctx.now()
    today = local_date(now)
    subject = record_repo.subject_by_index(ctx.session, code_index)
    entry = record_repo.entry_by_id(ctx.session, entry_id)
    own = entry is not None and subject is not None and entry.subject_id == subject.id
    if entry is None or not _may_object(entry, own=own, today=today):
        raise NotFound("no such entry you may object to")
    if entry.under_objection or (
        case_repo.open_for_entry(ctx.session, CASES, entry_id=entry.id) is not None
    ):
        raise Conflict("an objection to this entry is already open", rule="objection_open")
    try:
        rules.next_status(entry.status, rules.OBJECTION_OPENED, under_objection=False)
    except Conflict:
        raise Conflict(
            f"an entry that is {citizen_state(entry, today)} can no longer be objected to",
            rule="not_objectable",
        ) from None
    engine.check_uploads(
        uploads, max_bytes=settings.evidence_max_bytes, max_files=settings.evidence_max_files
    )
    accept_days = settings.objection_accept_working_days
    accept = working_due(today, accept_days, ctx.calendar)
    resolve_due = due_in_days(today, settings.objection_resolve_days)

    if entry.status == rules.PENDING_NOTICE and shown_state(entry, today) != rules.PENDING_NOTICE:
        # The notice ran out before this filing and no sweep has recorded it yet: record it
        # first, so the objection marks a shown entry instead of holding it back (§5.1 holds
        # only entries objected to during their notice).
        lifecycle.apply(
            session=ctx.session, entry=entry, event=rules.NOTICE_ENDED, actor=SYSTEM, now=now
        )
    lifecycle.apply(
        session=ctx.session, entry=entry, event=rules.OBJECTION_OPENED, actor=OBJECTOR, now=now
    )
    key = engine.new_case_key(ctx.session, ctx.keyring, kind=KIND, now=now)
    # No relationship orders the inserts: the key row must exist before the case row.
    ctx.session.flush()
    objection_id = uuid.uuid4()
    objection = Objection(
        id=objection_id,
        entry_id=entry.id,
        department=entry.department,
        objector_index=bytes(code_index),
        objector_index_next=next_index(code_index),
        data_key_id=key.id,
        reasons_ct=engine.seal_text(key, reasons, "objection", "reasons", objection_id),
        status="filed",
        filed_on=today,
        accept_due=accept.day,
        accept_provisional_days=accept.stored_days(accept_days),
        resolve_due=resolve_due,
        created_at=now,
        updated_at=now,
    )
    case_repo.add(ctx.session, objection)
    engine.store_uploads(
        ctx.session, kind=KIND, case_id=objection_id, key=key, uploads=uploads, now=now
    )
    engine.add_event(
        ctx.session, kind=KIND, case_id=objection_id, actor=OBJECTOR, event="filed", now=now
    )
    if not own:
        # Someone contests a red entry: its subject hears that it is under objection.
        lifecycle_repo.add_entry_notice(
            ctx.session,
            subject_id=entry.subject_id,
            entry_id=entry.id,
            kind="objection_filed",
            now=now,
            occasion=f"objection:{objection_id}",
        )
    ctx.session.flush()
    return _view(
        ctx.session, ctx.keyring, objection, entry, key, today=today, calendar=ctx.calendar
    )


# --- reading ------------------------------------------------------------------------


def _case_key(session: Session, keyring: Keyring, objection: Objection) -> DataKey:
    key = engine.case_key(session, keyring, objection)
    if key is None:
        raise Shredded(_ERASED)
    return key


def _entry_of(session: Session, objection: Objection) -> Entry:
    return engine.entry_of(session, CASES, objection)


def _summary_fields(
    objection: Objection, entry: Entry, *, today: date, calendar: WorkCalendar
) -> dict[str, object]:
    pending = clocks(objection, today=today, calendar=calendar)
    accept = accept_due(objection, calendar)
    return {
        "id": objection.id,
        "entry_id": objection.entry_id,
        "entry_public_ref": entry.public_ref,
        "list_kind": entry.list_kind,
        "domain": entry.domain,
        "department": objection.department,
        "status": objection.status,
        "filed_on": objection.filed_on,
        "accept_due": accept.day,
        "accept_due_provisional": accept.provisional,
        "resolve_due": objection.resolve_due,
        "clocks": pending,
        "overdue": any(c.overdue for c in pending),
        "escalated": objection.escalated,
        "version": objection.version,
        "created_at": objection.created_at,
        "updated_at": objection.updated_at,
    }


def _view_fields(
    session: Session,
    objection: Objection,
    entry: Entry,
    key: DataKey,
    *,
    today: date,
    calendar: WorkCalendar,
) -> dict[str, object]:
    history = engine.history(session, kind=KIND, case_id=objection.id, key=key, filer=OBJECTOR)
    reconsideration = None
    if objection.status == "rejected":
        decided = next((h.at for h in reversed(history) if h.event == "rejected"), None)
        decided_on = local_date(decided or objection.updated_at)
        reconsideration = Reconsideration(
            text=RECONSIDERATION_TEXT,
            apply_by=decided_on + timedelta(days=RECONSIDERATION_DAYS),
        )
    blob = objection.decision_reasons_ct
    apology = next((h for h in reversed(history) if h.event == APOLOGY_EVENT), None)
    return {
        **_summary_fields(objection, entry, today=today, calendar=calendar),
        "apologised": apology is not None,
        "apology": None if apology is None else apology.note,
        "reasons": store.open_text(key, objection.reasons_ct, "objection", "reasons", objection.id),
        "decision_reasons": None
        if blob is None
        else store.open_text(key, blob, "objection", "decision_reasons", objection.id),
        "reconsideration": reconsideration,
        "evidence": engine.evidence_of(session, kind=KIND, case_id=objection.id, key=key),
        "history": history,
    }


def _view(
    session: Session,
    keyring: Keyring,
    objection: Objection,
    entry: Entry,
    key: DataKey | None = None,
    *,
    today: date,
    calendar: WorkCalendar,
) -> ObjectionView:
    key = key or _case_key(session, keyring, objection)
    return ObjectionView.model_validate(
        _view_fields(session, objection, entry, key, today=today, calendar=calendar)
    )


def _officer_entry(session: Session, keyring: Keyring, entry: Entry, today: date) -> ObjectionEntry:
    """The entry objected to, its sealed fields opened (none once it was erased)."""
    try:
        key: DataKey | None = store.entry_key(session, keyring, entry)
    except Shredded:
        key = None

    def opened(blob: bytes | None, column: str) -> str | None:
        if key is None or blob is None:
            return None
        return store.open_text(key, blob, "entry", column, entry.id)

    return ObjectionEntry(
        external_id=entry.external_id,
        severity=entry.severity,
        subject_name=opened(entry.subject_name_ct, "subject_name"),
        facts=opened(entry.facts_ct, "facts"),
        public_summary=opened(entry.public_summary_ct, "public_summary"),
        legal_basis=entry.legal_basis,
        decided_on=entry.decided_on,
        notice_until=entry.notice_until,
        display_until=entry.display_until,
        valid_until=entry.valid_until,
        state=citizen_state(entry, today),
        erased=key is None,
    )


def _case(
    session: Session, keyring: Keyring, objection: Objection, today: date, calendar: WorkCalendar
) -> ObjectionCase:
    entry = _entry_of(session, objection)
    key = _case_key(session, keyring, objection)
    subject = repo.subject_by_id(session, entry.subject_id)
    return ObjectionCase.model_validate(
        {
            **_view_fields(session, objection, entry, key, today=today, calendar=calendar),
            "objector_is_subject": subject is not None and _same_person(subject, objection),
            "entry_state": citizen_state(entry, today),
            "entry": _officer_entry(session, keyring, entry, today),
        }
    )


def _erased_view(
    objection: Objection, entry: Entry, *, today: date, calendar: WorkCalendar
) -> ObjectionView:
    """A case whose key was destroyed: its dates and outcome, no text, no files, no history."""
    return ObjectionView.model_validate(
        {
            **_summary_fields(objection, entry, today=today, calendar=calendar),
            "reasons": None,
            "evidence": [],
            "history": [],
            "erased": True,
        }
    )


def my_objections(ctx: Context, *, code_index: bytes) -> list[ObjectionView]:
    """Every case the caller filed, newest first; an erased case by its dates and outcome only."""
    today = ctx.today()
    views: list[ObjectionView] = []
    for objection in case_repo.by_owner(ctx.session, CASES, owner=code_index):
        entry = _entry_of(ctx.session, objection)
        try:
            key = _case_key(ctx.session, ctx.keyring, objection)
        except Shredded:
            views.append(_erased_view(objection, entry, today=today, calendar=ctx.calendar))
            continue
        views.append(
            _view(
                ctx.session, ctx.keyring, objection, entry, key, today=today, calendar=ctx.calendar
            )
        )
    return views


def my_objection(ctx: Context, *, code_index: bytes, case_id: uuid.UUID) -> ObjectionView:
    """One case the caller filed."""
    today = ctx.today()
    objection = engine.find_for_owner(ctx.session, CASES, case_id=case_id, owner=code_index)
    if objection is None:
        raise NotFound("no such objection of yours")
    return _view(
        ctx.session,
        ctx.keyring,
        objection,
        _entry_of(ctx.session, objection),
        today=today,
        calendar=ctx.calendar,
    )


def department_queue(
    ctx: Context, *, department: str, filters: ObjectionFilter, today: date | None = None
) -> list[ObjectionSummary]:
    """The department's cases, filtered; overdue first, then the oldest; no personal text."""
    today, rows = engine.department_rows(
        ctx,
        CASES,
        department=department,
        filters=filters,
        today=today,
        order=repo.QUEUE_ORDER,
        offset=filters.offset,
    )
    return [
        ObjectionSummary.model_validate(
            _summary_fields(o, _entry_of(ctx.session, o), today=today, calendar=ctx.calendar)
        )
        for o in rows
    ]


def read_case(ctx: Context, *, department: str, case_id: uuid.UUID) -> ObjectionCase:
    """One case of the officer's department: reasons, evidence, history, clocks."""
    return engine.department_view(ctx, CASES, _case, case_id=case_id, department=department)


def _objector(session: Session, code_index: bytes) -> bytes:
    """An objection names its objector by their blind index itself."""
    del session
    return code_index


evidence_content: Final = engine.EvidenceReader(
    CASES, missing="no such evidence file", erased=_ERASED, owner_of=_objector
)


# --- deciding -----------------------------------------------------------------------


def _check_decision(payload: DecisionRequest) -> None:
    """Refuse fields that do not fit the decision (each refusal names its rule)."""
    decision = payload.decision
    if decision in ("decline", "reject") and payload.reasons is None:
        raise InvalidInput(f"a decision to {decision} must give reasons", rule="reasons_required")
    if payload.erroneous and decision != "uphold":
        raise InvalidInput(
            "only an upheld objection can find the entry erroneous", rule="erroneous_uphold_only"
        )
    if payload.apology is not None and not payload.erroneous:
        raise InvalidInput(
            "an apology belongs only to an entry upheld as erroneous",
            rule="apology_erroneous_only",
        )
    corrects = decision == "partly_uphold" or (decision == "uphold" and not payload.erroneous)
    if corrects and payload.correction is None:
        raise InvalidInput(
            "this decision corrects the entry: give the corrected values",
            rule="correction_required",
        )
    if not corrects and payload.correction is not None:
        raise InvalidInput(
            f"a decision to {decision}{' (erroneous)' if payload.erroneous else ''} "
            "corrects nothing; omit correction",
            rule="correction_not_applicable",
        )


def _changes(correction: Correction) -> corrections.Changes:
    return corrections.Changes(
        facts=correction.facts,
        public_summary=correction.public_summary,
        display_until=correction.display_until,
    )


def _corrected_values(entry: Entry, correction: Correction) -> dict[str, object]:
    """Check a new display end against the entry's bounds and validity; the dates to write."""
    return corrections.checked(entry, _changes(correction))


def _correct(
    *,
    session: Session,
    keyring: Keyring,
    entry: Entry,
    correction: Correction,
    actor: str,
    now: datetime,
) -> None:
    """Write the corrected fields as a new version; seal the old ones into the history event."""
    corrections.correct(
        session=session,
        keyring=keyring,
        entry=entry,
        changes=_changes(correction),
        actor=actor,
        now=now,
    )


class _Steps:
    """History lines of one decision (time-ordered ids keep them in the order written)."""

    def __init__(self, session: Session, case_id: uuid.UUID, key: DataKey, now: datetime):
        self._session, self._case_id, self._key, self._now = session, case_id, key, now

    def add(self, actor: str, event: str, *, note: str | None = None) -> None:
        engine.add_event(
            self._session,
            kind=KIND,
            case_id=self._case_id,
            actor=actor,
            event=event,
            now=self._now,
            key=self._key,
            note=note,
        )


def _subject_objected(session: Session, entry: Entry, objection: Objection) -> bool:
    subject = repo.subject_by_id(session, entry.subject_id)
    return subject is not None and _same_person(subject, objection)


def _same_person(subject: Subject, objection: Objection) -> bool:
    """Whether the objector is the subject (by either index column while rotating)."""
    return indexes_meet(
        stored_index(subject.code_index, subject.code_index_next),
        stored_index(objection.objector_index, objection.objector_index_next),
    )


def _decidable(
    session: Session, *, department: str, case_id: uuid.UUID, payload: DecisionRequest
) -> tuple[Objection, Entry]:
    """The case and its entry, if this decision may be taken on it now; else the refusal."""
    objection = engine.department_case(session, CASES, case_id=case_id, department=department)
    decision = payload.decision
    if payload.version is not None and payload.version != objection.version:
        raise Conflict(
            f"the case is at version {objection.version}, not {payload.version}; read it again",
            rule="stale_version",
        )
    if objection.status != _FROM[decision]:
        raise Conflict(
            f"a case that is {objection.status} cannot be decided '{decision}'",
            rule="illegal_decision",
        )
    _check_decision(payload)
    entry = _entry_of(session, objection)
    if payload.correction is not None:
        _corrected_values(entry, payload.correction)  # refuse bad bounds before any write
    return objection, entry


def check_decision(
    ctx: Context, *, officer: Officer, case_id: uuid.UUID, payload: DecisionRequest
) -> None:
    """Refuse a decision as `decide` would, writing nothing (before a confirmation step)."""
    _decidable(ctx.session, department=officer.department, case_id=case_id, payload=payload)


def decide(
    ctx: Context, *, officer: Officer, case_id: uuid.UUID, payload: DecisionRequest
) -> ObjectionCase:
    """Decide one case of the officer's department, with every effect on the entry."""
    now = ctx.now()
    objection, entry = _decidable(
        ctx.session, department=officer.department, case_id=case_id, payload=payload
    )
    decision = payload.decision
    actor = _actor(officer.actor)
    key = _case_key(ctx.session, ctx.keyring, objection)
    reasons = payload.reasons
    # The reasons of this decision replace the last one's (None clears them); every
    # decision's reasons stay in the history.
    engine.decide(
        ctx.session,
        CASES,
        objection,
        {
            "status": _TO[decision],
            "decision_reasons_ct": None
            if reasons is None
            else engine.seal_text(key, reasons, "objection", "decision_reasons", objection.id),
            "updated_at": now,
        },
    )
    steps = _Steps(ctx.session, objection.id, key, now)
    steps.add(actor, _TO[decision], note=reasons)
    if decision == "decline":
        lifecycle.apply(
            session=ctx.session, entry=entry, event=rules.OBJECTION_CLOSED, actor=actor, now=now
        )
    elif decision == "reject":
        lifecycle.apply(
            session=ctx.session, entry=entry, event=rules.OBJECTION_CLOSED, actor=actor, now=now
        )
        if _subject_objected(ctx.session, entry, objection):
            lifecycle_repo.add_entry_notice(
                ctx.session,
                subject_id=entry.subject_id,
                entry_id=entry.id,
                kind="objection_rejected",
                now=now,
                occasion=f"objection:{objection.id}",
            )
        steps.add(SYSTEM, "reconsideration_notice")
    elif decision == "uphold" and payload.erroneous:
        lifecycle.apply(
            session=ctx.session, entry=entry, event=rules.OBJECTION_UPHELD, actor=actor, now=now
        )
        lifecycle.finish_exit(
            session=ctx.session, keyring=ctx.keyring, entry=entry, actor=actor, now=now
        )
        steps.add(SYSTEM, "entry_erased")
        lifecycle_repo.add_entry_notice(
            ctx.session, subject_id=entry.subject_id, entry_id=entry.id, kind="apology", now=now
        )
        steps.add(actor, APOLOGY_EVENT, note=payload.apology)
    elif decision in ("uphold", "partly_uphold"):
        if payload.correction is None:  # pragma: no cover - _check_decision requires it
            raise InvalidInput("the corrected values are missing", rule="correction_required")
        _correct(
            session=ctx.session,
            keyring=ctx.keyring,
            entry=entry,
            correction=payload.correction,
            actor=actor,
            now=now,
        )
        lifecycle.apply(
            session=ctx.session, entry=entry, event=rules.OBJECTION_CLOSED, actor=actor, now=now
        )
        lifecycle.notify_agencies(session=ctx.session, entry=entry, kind="corrected", now=now)
        lifecycle_repo.add_entry_notice(
            ctx.session, subject_id=entry.subject_id, entry_id=entry.id, kind="corrected", now=now
        )
        steps.add(actor, "entry_corrected")
    ctx.session.flush()
    ctx.session.refresh(objection)
    return _case(ctx.session, ctx.keyring, objection, today=local_date(now), calendar=ctx.calendar)
