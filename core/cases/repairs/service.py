"""Credit repair (§8): a citizen files, the department's repair officer accepts and decides.

Invariants:
- Only the entry's own subject files for it, and only the entry's department sees and
  decides the case: another subject's entry and another department's case do not exist
  (NotFound), in the repository's queries as well as here.
- A repair is filed only for a repairable entry, by one of its ways, while it is displayed
  and from the end of its minimum display period (§4 bounds, counted from the decision
  date); one open application per entry (the entry row is locked while filing); after a
  rejection not before its retry date. Every refusal happens before anything is written,
  or rolls back with the request: routes commit only on success.
- A signed credit commitment is always part of the filing (2025 plan), sealed with the
  time it was signed; performance needs a proof file; donation, training and volunteering
  need a credential signed by a registered organisation of the right kind, bound to the
  applicant (core.cases.repairs.credentials), checked before anything is written.
- Evidence, the commitment, certificate ids, decision reasons and history notes are sealed
  under the case's own data key; files are sealed by the case engine. A credential id is
  known to the database only as a keyed MAC under the blind-index key with its own label,
  and is held by at most one application (unique key): from filing; released when the
  application ends without a repair (declined or rejected); kept for good once approved.
- Decisions go filed → accepted | declined, accepted → approved | rejected; each is an
  UPDATE conditioned on the version and status the officer read, so of two officers at
  once exactly one wins and the other gets a Conflict. Approval exits the entry through
  the lifecycle (REPAIRED, then the exit paperwork: announcement, notice, black → watch)
  in the same transaction, so display ends at once; read paths decide display at read time.
- accept_due and decide_due are the department's deadlines: one counted on the provisional
  calendar keeps its working days (and the decision clock its start) and is counted again
  at read time (and settled in the database by core.calendar.provisional) on the official
  schedule, earlier or later.
- Escalation flags overdue cases for the department's supervisor without touching the
  version, so it never makes an officer's decision lose.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases import engine
from core.cases import repository as case_repo
from core.cases.deadlines import Due, LegalClock, clock_for, recount, working_due
from core.cases.kind import CaseKind, Step
from core.cases.officer import Officer
from core.cases.repairs import credentials, policy
from core.cases.repairs import repository as repo
from core.cases.repairs.policy import RepairOpening
from core.cases.repairs.schemas import (
    Commitment,
    RepairCase,
    RepairDecision,
    RepairEntry,
    RepairFiling,
    RepairFilter,
    RepairSummary,
    RepairView,
    WayEvidence,
    WhatRemains,
)
from core.cases.schemas import Upload
from core.clock import local_date
from core.context import Context
from core.entries import lifecycle, store
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as record_repo
from core.entries import states as rules
from core.entries.visibility import Visibility, citizen_state, shown_state, visible_to
from core.errors import Conflict, InvalidInput, NotFound, Shredded
from core.keyring import Keyring
from core.models import CertifyingOrganisation, Entry, RepairApplication, Subject
from core.ops import keys_repository as key_repo
from core.settings import Settings
from crypto.envelope import DataKey

CASES: Final = CaseKind(
    name="repair",
    model=RepairApplication,
    owner="subject_id",
    steps=(Step(("filed",), "accept_due"), Step(("accepted",), "decide_due")),
    missing="no such repair case",
    lost="another decision on this case was made meanwhile; read it again",
)
KIND: Final = CASES.name
TABLE = "repair_application"
CITIZEN = "citizen"
SYSTEM = engine.SYSTEM
# A certificate's keyed index: its own label, so it matches no other MAC of the service.
_CERTIFICATE_LABEL = b"credence/volunteering-certificate/v1\x00"
# Which decision may follow which status, and where it leads.
_NEXT: dict[tuple[str, str], str] = {
    ("filed", "accept"): "accepted",
    ("filed", "decline"): "declined",
    ("accepted", "approve"): "approved",
    ("accepted", "reject"): "rejected",
}
_NEEDS_REASONS = frozenset({"decline", "reject"})
_VOLUNTEERING_FIELDS = ("hours", "organisation_code", "certificate_id")
DEFAULT_CALENDAR = WorkCalendar()


@dataclass(frozen=True, slots=True)
class RepairTerms:
    """The repair clocks and evidence limits (settings; defaults as in `Settings`)."""

    accept_working_days: int = 3
    decide_working_days: int = 10
    retry_days: int = 30
    evidence_max_bytes: int = 5 * 1024 * 1024
    evidence_max_files: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> RepairTerms:
        """The terms the settings configure."""
        return cls(
            accept_working_days=settings.repair_accept_working_days,
            decide_working_days=settings.repair_decide_working_days,
            retry_days=settings.repair_retry_days,
            evidence_max_bytes=settings.evidence_max_bytes,
            evidence_max_files=settings.evidence_max_files,
        )


class NotYetEligible(InvalidInput):
    """The entry's minimum display period has not ended; `eligible_from` is the first day."""

    def __init__(self, eligible_from: date) -> None:
        super().__init__(
            "the entry's minimum display period has not ended; it can be repaired from "
            f"{eligible_from.isoformat()} (eligible_from={eligible_from.isoformat()})",
            rule="repair_not_yet_eligible",
        )
        self.eligible_from = eligible_from
        # Extra problem fields, for an error mapping that emits them.
        self.extra = {"eligible_from": eligible_from.isoformat()}


class RetryTooEarly(InvalidInput):
    """A rejected application's retry date has not come; `retry_from` is the first day."""

    def __init__(self, retry_from: date) -> None:
        super().__init__(
            "a repair of this entry was rejected; apply again from "
            f"{retry_from.isoformat()} (retry_from={retry_from.isoformat()})",
            rule="repair_retry_too_early",
        )
        self.retry_from = retry_from
        self.extra = {"retry_from": retry_from.isoformat()}


def eligible_from(entry: Entry) -> date | None:
    """The first day the entry may be repaired: the end of its minimum display period."""
    return policy.first_day(entry.list_kind, entry.severity, entry.decided_on)


def openings(ctx: Context, *, code_index: bytes) -> list[RepairOpening]:
    """When each of the caller's entries can be repaired: now or from a day (others left out)."""
    today = ctx.today()
    subject = record_repo.subject_by_index(ctx.session, code_index)
    if subject is None:
        return []
    found: list[RepairOpening] = []
    for entry, _key in record_repo.entries_of_subject(ctx.session, subject_id=subject.id):
        if not entry.repairable:
            continue
        facts = policy.RepairFacts(
            entry_id=entry.id,
            repairable=entry.repairable,
            state=shown_state(entry, today),
            list_kind=entry.list_kind,
            severity=entry.severity,
            decided_on=entry.decided_on,
            notice_until=entry.notice_until,
            display_until=entry.display_until,
            under_objection=entry.under_objection,
            has_open_case=case_repo.open_for_entry(ctx.session, CASES, entry_id=entry.id)
            is not None,
            retry_from=repo.latest_retry_from(ctx.session, entry_id=entry.id),
        )
        opening = policy.opening(facts, today)
        if opening is not None:
            found.append(opening)
    return found


def certificate_index(keyring: Keyring, organisation_id: uuid.UUID, certificate_id: str) -> bytes:
    """The keyed index of one organisation's certificate id (case and spacing ignored)."""
    normalised = "".join(certificate_id.split()).upper()
    data = _CERTIFICATE_LABEL + organisation_id.bytes + normalised.encode("utf-8")
    # A stable key: a certificate used before an index-key rotation stays used after it.
    return keyring.suite.mac(keyring.certificate_key, data)


# --- sealing ------------------------------------------------------------------------------


def _seal_json(key: DataKey, value: dict[str, Any], column: str, row_id: uuid.UUID) -> bytes:
    return engine.seal_text(key, json.dumps(value, ensure_ascii=False), TABLE, column, row_id)


def _open_json(key: DataKey, blob: bytes, column: str, row_id: uuid.UUID) -> dict[str, Any]:
    value = json.loads(store.open_text(key, blob, TABLE, column, row_id))
    if not isinstance(value, dict):  # pragma: no cover - we sealed a dict
        raise ValueError("unexpected sealed value")
    return value


# --- filing ------------------------------------------------------------------------------


def _check_way_evidence(filing: RepairFiling, uploads: list[Upload]) -> None:
    given = [f for f in _VOLUNTEERING_FIELDS if getattr(filing, f) is not None]
    if given:
        raise InvalidInput(
            f"{', '.join(given)} are no longer typed in: a volunteering repair gives the "
            "signed certificate, which states them",
            rule="volunteering_fields_signed",
        )
    if filing.way in credentials.NEEDED and filing.credential is None:
        kind, issuer = credentials.NEEDED[filing.way]
        raise InvalidInput(
            f"a {filing.way} repair needs a {kind} signed by a registered {issuer}",
            rule="credential_required",
        )
    if filing.way not in credentials.NEEDED and filing.credential is not None:
        raise InvalidInput(
            f"a {filing.way} repair takes no signed credential", rule="credential_not_for_way"
        )
    if filing.way == "performance" and not uploads:
        raise InvalidInput(
            "performance needs a proof that the obligation was fulfilled (a file)",
            rule="proof_required",
        )


def _subject_code(session: Session, keyring: Keyring, subject: Subject) -> str:
    """The applicant's own code, opened to check a credential's binding (never stored)."""
    row = key_repo.get_data_key(session, subject.data_key_id)
    if row is None or subject.code_ct is None:
        raise Shredded("this subject was erased")
    key = store.live_key(keyring, row)
    return store.open_text(key, subject.code_ct, "subject", "code", subject.id)


def _check_entry(session: Session, entry: Entry, way: str, today: date) -> None:
    """Refuse a filing the entry does not allow today."""
    if not entry.repairable:
        raise InvalidInput("this entry cannot be repaired", rule="not_repairable")
    if way not in entry.repair_ways:
        raise InvalidInput(
            f"the way {way!r} does not apply to this entry; it allows: "
            f"{', '.join(entry.repair_ways)}",
            rule="repair_way_not_allowed",
        )
    state = shown_state(entry, today)
    first_day = eligible_from(entry)
    if state not in (rules.PENDING_NOTICE, rules.DISPLAYED) or first_day is None:
        raise Conflict(
            f"the entry is not displayed ({state}); only a displayed entry can be repaired",
            rule="entry_not_displayed",
        )
    if today < first_day:
        raise NotYetEligible(first_day)
    if state != rules.DISPLAYED:
        raise Conflict(
            "the entry's prior notice is still running; it can be repaired once displayed",
            rule="entry_not_displayed",
        )
    if case_repo.open_for_entry(session, CASES, entry_id=entry.id) is not None:
        raise Conflict("a repair of this entry is already being processed", rule="repair_open")
    retry = repo.latest_retry_from(session, entry_id=entry.id)
    if retry is not None and today < retry:
        raise RetryTooEarly(retry)


def file_repair(
    ctx: Context,
    *,
    code_index: bytes,
    filing: RepairFiling,
    uploads: list[Upload],
    terms: RepairTerms = RepairTerms(),
) -> RepairView:
    """File a repair application for one of the caller's entries, or refuse and write nothing."""
    now = ctx.now()
    today = local_date(now)
    subject = record_repo.subject_by_index(ctx.session, code_index)
    entry = (
        None
        if subject is None
        else repo.entry_of_subject(ctx.session, entry_id=filing.entry_id, subject_id=subject.id)
    )
    if subject is None or entry is None:
        raise NotFound("no such entry in your record")
    _check_entry(ctx.session, entry, filing.way, today)
    _check_way_evidence(filing, uploads)
    engine.check_uploads(
        uploads, max_bytes=terms.evidence_max_bytes, max_files=terms.evidence_max_files
    )
    organisation: CertifyingOrganisation | None = None
    index: bytes | None = None
    evidence: dict[str, Any] = {}
    if filing.credential is not None:
        checked = credentials.check(
            ctx.session,
            way=filing.way,
            text=filing.credential,
            code=_subject_code(ctx.session, ctx.keyring, subject),
            now=now,
        )
        organisation, body = checked.organisation, checked.body
        index = certificate_index(ctx.keyring, organisation.id, body.id)
        if repo.certificate_used(ctx.session, organisation_id=organisation.id, index=index):
            raise Conflict("this credential was used for a repair already", rule="certificate_used")
        evidence = {
            "hours": body.hours,
            "organisation_code": organisation.code,
            "certificate_id": body.id,
            "credential_kind": body.kind,
            "amount_cents": body.amount_cents,
            "issued_at": body.issued_at.isoformat(),
        }

    key = engine.new_case_key(ctx.session, ctx.keyring, kind=KIND, now=now)
    ctx.session.flush()  # the key row first: the case references it
    repair_id = uuid.uuid4()
    accept = working_due(today, terms.accept_working_days, ctx.calendar)
    # Until accepted: the latest the decision can be due (accepted on the last day).
    decide = working_due(accept.day, terms.decide_working_days, ctx.calendar)
    decide = Due(decide.day, decide.provisional or accept.provisional)
    row = RepairApplication(
        id=repair_id,
        entry_id=entry.id,
        department=entry.department,
        subject_id=entry.subject_id,
        data_key_id=key.id,
        way=filing.way,
        evidence_ct=_seal_json(key, evidence, "evidence", repair_id),
        commitment_ct=_seal_json(
            key, {"text": filing.commitment, "signed_at": now.isoformat()}, "commitment", repair_id
        ),
        organisation_id=None if organisation is None else organisation.id,
        status="filed",
        filed_on=today,
        accept_due=accept.day,
        decide_due=decide.day,
        accept_provisional_days=accept.stored_days(terms.accept_working_days),
        decide_provisional_days=decide.stored_days(terms.decide_working_days),
        created_at=now,
        updated_at=now,
    )
    case_repo.add(ctx.session, row)
    if (
        organisation is not None
        and index is not None
        and not repo.reserve_certificate(
            ctx.session, organisation_id=organisation.id, index=index, repair_id=repair_id, now=now
        )
    ):
        raise Conflict("this credential was used for a repair already", rule="certificate_used")
    engine.store_uploads(
        ctx.session, kind=KIND, case_id=repair_id, key=key, uploads=uploads, now=now
    )
    engine.add_event(
        ctx.session, kind=KIND, case_id=repair_id, actor=CITIZEN, event="filed", now=now
    )
    ctx.session.flush()
    return _citizen_view(ctx.session, ctx.keyring, row, entry, today=today, calendar=ctx.calendar)


# --- views -------------------------------------------------------------------------------------


def due_dates(row: RepairApplication, calendar: WorkCalendar) -> tuple[Due, Due]:
    """The accept and decide deadlines as they read today (provisional ones counted again)."""
    accept = recount(
        row.accept_due,
        start=row.filed_on,
        provisional_days=row.accept_provisional_days,
        calendar=calendar,
        owed_to_citizen=False,
    )
    # While filed the decision clock hangs on the accept deadline; from acceptance, on that day.
    start = accept.day if row.status == "filed" or row.decide_from is None else row.decide_from
    decide = recount(
        row.decide_due,
        start=start,
        provisional_days=row.decide_provisional_days,
        calendar=calendar,
        owed_to_citizen=False,
    )
    if row.status == "filed" and accept.provisional:
        decide = Due(decide.day, True)
    return accept, decide


def _clocks(row: RepairApplication, today: date, calendar: WorkCalendar) -> list[LegalClock]:
    if row.status not in ("filed", "accepted"):
        return []
    accept, decide = due_dates(row, calendar)
    if row.status == "filed":
        return [
            clock_for("accept", accept, today, calendar),
            clock_for("decide", decide, today, calendar),
        ]
    return [clock_for("decide", decide, today, calendar)]


def _overdue(row: RepairApplication, today: date) -> bool:
    due = {"filed": row.accept_due, "accepted": row.decide_due}.get(row.status)
    return due is not None and today > due


def _evidence(
    key: DataKey | None, row: RepairApplication, organisation: CertifyingOrganisation | None
) -> WayEvidence:
    if key is None:
        return WayEvidence()
    sealed = _open_json(key, row.evidence_ct, "evidence", row.id)
    return WayEvidence(
        hours=sealed.get("hours"),
        organisation_code=sealed.get("organisation_code"),
        organisation_name=None if organisation is None else organisation.name,
        certificate_id=sealed.get("certificate_id"),
        credential_kind=sealed.get("credential_kind"),
        amount_cents=sealed.get("amount_cents"),
        issued_at=None if sealed.get("issued_at") is None else sealed["issued_at"],
    )


def _commitment(key: DataKey | None, row: RepairApplication) -> Commitment | None:
    if key is None:
        return None
    sealed = _open_json(key, row.commitment_ct, "commitment", row.id)
    return Commitment(text=sealed["text"], signed_at=datetime.fromisoformat(sealed["signed_at"]))


def _reasons(key: DataKey | None, row: RepairApplication) -> str | None:
    if key is None or row.decision_reasons_ct is None:
        return None
    return store.open_text(key, row.decision_reasons_ct, TABLE, "decision_reasons", row.id)


def _audiences(views: list[Visibility]) -> str:
    names = {
        "you": "you",
        "recording_department": "the recording department",
        "agencies": "authorized agencies",
        "public": "the public",
    }
    return "; ".join(f"{names[v.audience]} until {v.until.isoformat()}" for v in views)


def _what_remains(session: Session, entry: Entry, today: date) -> WhatRemains:
    """What an approved repair leaves: the entry kept in the back end, who sees it, until when."""
    views = visible_to(entry, today)
    watch = (
        record_repo.entry_by_external_id(
            session, department=entry.department, external_id=f"{entry.external_id}:watch"
        )
        if entry.list_kind == "black"
        else None
    )
    text = (
        f"The entry left the {entry.list_kind} list"
        + (f" on {entry.exited_on.isoformat()}" if entry.exited_on else "")
        + ": agencies and the public no longer see it. It is kept in the back end until "
        f"{entry.retain_until.isoformat()} and then erased. Who can still see it: "
        f"{_audiences(views) or 'nobody'}."
    )
    if watch is not None:
        text += (
            f" After leaving the black list you are on the watch list until "
            f"{watch.display_until.isoformat()}."
        )
    return WhatRemains(
        entry_state=citizen_state(entry, today),
        exited_on=entry.exited_on,
        kept_until=entry.retain_until,
        visible_to=views,
        watch_entry_id=None if watch is None else watch.id,
        watch_until=None if watch is None else watch.display_until,
        explanation=text,
    )


def _organisation_of(session: Session, row: RepairApplication) -> CertifyingOrganisation | None:
    if row.organisation_id is None:
        return None
    return repo.organisation_by_id(session, row.organisation_id)


def _citizen_view(
    session: Session,
    keyring: Keyring,
    row: RepairApplication,
    entry: Entry,
    *,
    today: date,
    calendar: WorkCalendar,
) -> RepairView:
    key = engine.case_key(session, keyring, row)
    return RepairView(
        id=row.id,
        entry_id=row.entry_id,
        list_kind=entry.list_kind,
        domain=entry.domain,
        way=row.way,
        status=row.status,
        filed_on=row.filed_on,
        clocks=_clocks(row, today, calendar),
        escalated=row.escalated,
        erased=key is None,
        evidence=_evidence(key, row, _organisation_of(session, row)),
        commitment=_commitment(key, row),
        files=[]
        if key is None
        else engine.evidence_of(session, kind=KIND, case_id=row.id, key=key),
        decision_reasons=_reasons(key, row),
        retry_from=row.retry_from,
        history=[]
        if key is None
        else engine.history(session, kind=KIND, case_id=row.id, key=key, filer=CITIZEN),
        what_remains=_what_remains(session, entry, today) if row.status == "approved" else None,
    )


def my_repairs(ctx: Context, *, code_index: bytes) -> list[RepairView]:
    """The caller's applications, newest first, each with its clocks, evidence and history."""
    today = ctx.today()
    subject = record_repo.subject_by_index(ctx.session, code_index)
    if subject is None:
        return []
    rows = case_repo.by_owner(ctx.session, CASES, owner=subject.id)
    entries = record_repo.entries_by_id(ctx.session, [r.entry_id for r in rows])
    return [
        _citizen_view(
            ctx.session, ctx.keyring, row, entries[row.entry_id], today=today, calendar=ctx.calendar
        )
        for row in rows
    ]


def my_repair(ctx: Context, *, code_index: bytes, case_id: uuid.UUID) -> RepairView:
    """One application the caller filed."""
    today = ctx.today()
    subject = record_repo.subject_by_index(ctx.session, code_index)
    row = (
        None
        if subject is None
        else engine.find_for_owner(ctx.session, CASES, case_id=case_id, owner=subject.id)
    )
    if row is None:
        raise NotFound("no such repair application of yours")
    entry = engine.entry_of(ctx.session, CASES, row)
    return _citizen_view(ctx.session, ctx.keyring, row, entry, today=today, calendar=ctx.calendar)


def _summary_fields(
    row: RepairApplication,
    entry: Entry,
    organisation: CertifyingOrganisation | None,
    today: date,
    calendar: WorkCalendar,
) -> dict[str, Any]:
    return {
        "id": row.id,
        "entry_id": row.entry_id,
        "entry_public_ref": entry.public_ref,
        "list_kind": entry.list_kind,
        "domain": entry.domain,
        "severity": entry.severity,
        "way": row.way,
        "status": row.status,
        "filed_on": row.filed_on,
        "clocks": _clocks(row, today, calendar),
        "overdue": _overdue(row, today),
        "escalated": row.escalated,
        "organisation_code": None if organisation is None else organisation.code,
        "retry_from": row.retry_from,
    }


def department_queue(
    ctx: Context,
    *,
    department: str,
    filters: RepairFilter,
    today: date | None = None,
    offset: int | None = None,
) -> list[RepairSummary]:
    """The department's cases, overdue first (no personal data in the list)."""
    today, rows = engine.department_rows(
        ctx,
        CASES,
        department=department,
        filters=filters,
        today=today,
        order=repo.QUEUE_ORDER,
        offset=offset,
    )
    entries = record_repo.entries_by_id(ctx.session, [r.entry_id for r in rows])
    organisations = {o.id: o for o in repo.organisations(ctx.session)}
    return [
        RepairSummary(
            **_summary_fields(
                row,
                entries[row.entry_id],
                None if row.organisation_id is None else organisations.get(row.organisation_id),
                today,
                ctx.calendar,
            )
        )
        for row in rows
    ]


def _officer_view(
    session: Session, keyring: Keyring, row: RepairApplication, today: date, calendar: WorkCalendar
) -> RepairCase:
    entry = engine.entry_of(session, CASES, row)
    organisation = _organisation_of(session, row)
    key = engine.case_key(session, keyring, row)
    try:
        entry_key: DataKey | None = store.entry_key(session, keyring, entry)
    except Shredded:
        entry_key = None
    return RepairCase(
        **_summary_fields(row, entry, organisation, today, calendar),
        entry=RepairEntry(
            external_id=entry.external_id,
            subject_name=None
            if entry_key is None
            else store.open_text(
                entry_key, entry.subject_name_ct, "entry", "subject_name", entry.id
            ),
            facts=None
            if entry_key is None
            else store.open_text(entry_key, entry.facts_ct, "entry", "facts", entry.id),
            decided_on=entry.decided_on,
            display_until=entry.display_until,
            repair_ways=entry.repair_ways,
            state=citizen_state(entry, today),
        ),
        erased=key is None,
        evidence=_evidence(key, row, organisation),
        organisation_active=None if organisation is None else organisation.active,
        commitment=_commitment(key, row),
        files=[]
        if key is None
        else engine.evidence_of(session, kind=KIND, case_id=row.id, key=key),
        decision_reasons=_reasons(key, row),
        history=[]
        if key is None
        else engine.history(session, kind=KIND, case_id=row.id, key=key, filer=CITIZEN),
    )


def read_case(ctx: Context, *, department: str, case_id: uuid.UUID) -> RepairCase:
    """One case of the officer's department, opened in full."""
    return engine.department_view(ctx, CASES, _officer_view, case_id=case_id, department=department)


def _applicant(session: Session, code_index: bytes) -> uuid.UUID | None:
    """A repair names its applicant by their subject, found by their blind index."""
    subject = record_repo.subject_by_index(session, code_index)
    return None if subject is None else subject.id


evidence_content: Final = engine.EvidenceReader(
    CASES, missing=CASES.missing, erased="this case's evidence was erased", owner_of=_applicant
)


# --- decisions ---------------------------------------------------------------------------------


def _changes(
    row: RepairApplication,
    target: str,
    reasons_ct: bytes | None,
    *,
    today: date,
    now: datetime,
    calendar: WorkCalendar,
    terms: RepairTerms,
) -> dict[str, object]:
    values: dict[str, object] = {"status": target, "updated_at": now}
    if reasons_ct is not None:
        values["decision_reasons_ct"] = reasons_ct
    if target == "accepted":
        # The decision clock runs from acceptance; escalation restarts with the new step.
        decide = working_due(today, terms.decide_working_days, calendar)
        values["decide_due"] = decide.day
        values["decide_provisional_days"] = decide.stored_days(terms.decide_working_days)
        values["decide_from"] = today
        values["escalated"] = False
    if target == "rejected":
        values["retry_from"] = today + timedelta(days=terms.retry_days)
    return values


def _exit_repaired(
    session: Session, keyring: Keyring, entry: Entry, *, actor: str, now: datetime
) -> None:
    """End the entry's display now: REPAIRED, then its exit paperwork (black → watch)."""
    if entry.status == rules.PENDING_NOTICE:
        # Its notice ran out but no sweep recorded it yet: record that first.
        lifecycle.apply(
            session=session, entry=entry, event=rules.NOTICE_ENDED, actor=SYSTEM, now=now
        )
    lifecycle.apply(session=session, entry=entry, event=rules.REPAIRED, actor=actor, now=now)
    lifecycle.finish_exit(session=session, keyring=keyring, entry=entry, actor=actor, now=now)


def _decidable(
    ctx: Context, *, officer: Officer, case_id: uuid.UUID, payload: RepairDecision
) -> tuple[RepairApplication, str, DataKey, Entry]:
    """The case, its next status, its key and its entry, if this decision may be taken now."""
    today = ctx.today()
    row = engine.department_case(ctx.session, CASES, case_id=case_id, department=officer.department)
    target = _NEXT.get((row.status, payload.decision))
    if target is None:
        raise Conflict(
            f"a case that is {row.status} cannot be given the decision {payload.decision!r}",
            rule="illegal_decision",
        )
    if payload.decision in _NEEDS_REASONS and payload.reasons is None:
        raise InvalidInput(f"to {payload.decision} a case, give reasons", rule="reasons_required")
    key = engine.case_key(ctx.session, ctx.keyring, row)
    if key is None:
        raise Conflict("this case was erased", rule="case_erased")
    entry = engine.entry_of(ctx.session, CASES, row)
    if target == "approved" and shown_state(entry, today) != rules.DISPLAYED:
        raise Conflict(
            f"the entry is no longer displayed ({shown_state(entry, today)}); a repair cannot "
            "end its display — reject the case with reasons instead",
            rule="entry_not_displayed",
        )
    return row, target, key, entry


def check_decision(
    ctx: Context, *, officer: Officer, case_id: uuid.UUID, payload: RepairDecision
) -> None:
    """Refuse a decision as `decide` would, writing nothing (before a confirmation step)."""
    _decidable(ctx, officer=officer, case_id=case_id, payload=payload)


def decide(
    ctx: Context,
    *,
    officer: Officer,
    case_id: uuid.UUID,
    payload: RepairDecision,
    terms: RepairTerms = RepairTerms(),
) -> RepairCase:
    """Accept, decline, approve or reject one case of the officer's department."""
    now = ctx.now()
    today = local_date(now)
    actor = officer.actor
    row, target, key, entry = _decidable(ctx, officer=officer, case_id=case_id, payload=payload)
    reasons_ct = (
        None
        if payload.reasons is None
        else engine.seal_text(key, payload.reasons, TABLE, "decision_reasons", row.id)
    )
    values = _changes(
        row, target, reasons_ct, today=today, now=now, calendar=ctx.calendar, terms=terms
    )
    engine.decide(ctx.session, CASES, row, values)
    engine.add_event(
        ctx.session,
        kind=KIND,
        case_id=row.id,
        actor=actor,
        event=target,
        now=now,
        key=key,
        note=payload.reasons,
    )
    if target in ("declined", "rejected"):
        repo.release_certificates(ctx.session, repair_id=row.id)
        lifecycle_repo.add_entry_notice(
            ctx.session,
            subject_id=entry.subject_id,
            entry_id=entry.id,
            kind=f"repair_{target}",
            now=now,
            # One notice per case: a second refused repair of the same entry is told too.
            occasion=f"repair:{row.id}",
        )
    if target == "approved":
        _exit_repaired(ctx.session, ctx.keyring, entry, actor=actor, now=now)
    ctx.session.flush()
    ctx.session.refresh(row)
    return _officer_view(ctx.session, ctx.keyring, row, today=today, calendar=ctx.calendar)


# --- legal clocks: escalation and metrics ------------------------------------------------------


def escalate_overdue(
    *, session: Session, today: date, now: datetime, calendar: WorkCalendar
) -> int:
    """Flag every open case past its step's due date for the supervisor, once; return how many.

    A case is overdue from the day after its due date (calendar days, as `clock_for` says);
    `calendar` is taken so every kind of case escalates through one signature.
    """
    del calendar
    return engine.escalate_overdue(session, CASES, today=today, now=now, event=_escalation)


def _escalation(row: RepairApplication) -> str:
    step = "accept" if row.status == "filed" else "decide"
    return f"escalated_{step}_overdue"


def count_overdue(*, session: Session, today: date) -> int:
    """Open repair cases past their step's due date (for /metrics)."""
    return engine.count_overdue(session, CASES, today=today)
