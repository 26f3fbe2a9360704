"""Creating, reading and shredding list entries.

Invariants: personal fields (code, name, facts, public summary) are sealed
before they reach the session and opened only here, after the caller's scope
has selected the row; each entry has its own data key and each subject its own,
so shredding an entry erases that entry and nothing else; the display state is
computed from the project clock at read time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases.deadlines import Due
from core.clock import local_date
from core.context import Context
from core.entries import lifecycle, store
from core.entries import lifecycle_repository as lifecycle_repo
from core.entries import repository as repo
from core.entries.display import display_bounds, resolve_display_until
from core.entries.list_rules import (
    BLACK_NOTICE_WORKING_DAYS,
    black_notice_until,
    check_red_allowed,
    check_validity,
    escalates_to_black,
    recount_black_notice,
    red_notice_until,
)
from core.entries.schemas import EntryCreate, EntryView, ErasedEntry, MyRecord
from core.entries.states import REMOVED_BY_BLACK
from core.entries.subjects import subject_for
from core.entries.visibility import citizen_state, derived_warning, shown_state, visible_to
from core.errors import Conflict, DomainError, NotFound, Shredded
from core.ids import ordered_id
from core.keyring import Keyring, indexes_meet, stored_index
from core.models import DataKeyRow, Entry, EntryEvent, Subject
from core.ops import keys_repository as key_repo
from crypto.envelope import DataKey, seal

DEFAULT_CALENDAR = WorkCalendar()
_LIVE = ("pending_notice", "displayed")


def _live_entries(session: Session, subject: Subject, today: date) -> list[Entry]:
    """The subject's entries that are pending or displayed on `today` (read-time)."""
    return [
        entry
        for entry, _key in repo.entries_of_subject(session, subject_id=subject.id)
        if shown_state(entry, today) in _LIVE
    ]


def create_entry(
    ctx: Context, *, department: str, actor: str, payload: EntryCreate, now: datetime | None = None
) -> EntryView:
    """Record one entry for a department under the list rules of §5."""
    now = ctx.now() if now is None else now
    _refuse_resend(ctx.session, department, payload.external_id)
    # A concurrent request may insert the same external id (or the same new subject) between
    # the check above and the insert: its unique violation rolls back only this savepoint,
    # and the entry it committed answers as a resend would. Only the exception's type ever
    # reaches a log: its message would carry the row's key values.
    for attempt in range(2):
        try:
            return _insert(ctx.session, ctx.keyring, department, actor, payload, now, ctx.calendar)
        except IntegrityError:
            _refuse_resend(ctx.session, department, payload.external_id)
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _refuse_resend(session: Session, department: str, external_id: str) -> None:
    if repo.entry_by_external_id(session, department=department, external_id=external_id):
        raise Conflict(
            "this external_id is already recorded by the department", rule="duplicate_external_id"
        )


def _insert(
    session: Session,
    keyring: Keyring,
    department: str,
    actor: str,
    payload: EntryCreate,
    now: datetime,
    calendar: WorkCalendar,
) -> EntryView:
    # Everything below happens or nothing does: a refusal late in the rules must not
    # leave a new subject or key behind in the caller's session.
    with session.begin_nested():
        display_until = resolve_display_until(
            list_kind=payload.list_kind,
            severity=payload.severity,
            decided_on=payload.decided_on,
            requested=payload.display_until,
        )
        check_validity(
            decided_on=payload.decided_on,
            display_until=display_until,
            valid_until=payload.valid_until,
        )
        subject = subject_for(session=session, keyring=keyring, code=payload.subject_code, now=now)
        today = local_date(now)
        live = _live_entries(session, subject, today)
        list_kind, event = payload.list_kind, "recorded"
        if list_kind == "watch" and escalates_to_black(
            severity=payload.severity, on_watch=any(e.list_kind == "watch" for e in live)
        ):
            list_kind, event = "black", "recorded_escalated_from_watch"
        notice_until: date | None = None
        notice_days: int | None = None
        if display_until <= today:
            pass  # never displayed (a minor penalty, or a period already over): nothing to notice
        elif list_kind == "red":
            check_red_allowed(subject_has_active_black=any(e.list_kind == "black" for e in live))
            notice_until = red_notice_until(recorded_on=today)
        elif list_kind == "black":
            notice_until = black_notice_until(
                recorded_on=today, code_kind=subject.code_kind, calendar=calendar
            )
            if notice_until is not None and calendar.provisional_between(
                today, notice_until - timedelta(days=1)
            ):
                notice_days = BLACK_NOTICE_WORKING_DAYS
        entry, key = store.insert_entry(
            session=session,
            keyring=keyring,
            subject=subject,
            department=department,
            fields=store.EntryFields(
                external_id=payload.external_id,
                list_kind=list_kind,
                domain=payload.domain,
                severity=payload.severity,
                subject_name=payload.subject_name,
                facts=payload.facts,
                public_summary=payload.public_summary,
                legal_basis=payload.legal_basis,
                decided_on=payload.decided_on,
                display_until=display_until,
                valid_until=payload.valid_until,
                repairable=payload.repairable,
                repair_ways=list(payload.repair_ways),
                status="displayed" if notice_until is None else "pending_notice",
                notice_until=notice_until,
                notice_provisional_days=notice_days,
                watch_months=payload.watch_months,
            ),
            actor=actor,
            event=event,
            now=now,
        )
        if list_kind == "black" and entry.status == "pending_notice":
            # 事前告知 (1798号 §7): the person hears of it before it takes effect.
            lifecycle_repo.add_entry_notice(
                session,
                subject_id=subject.id,
                entry_id=entry.id,
                kind=lifecycle.PRIOR_NOTICE,
                now=now,
                occasion=lifecycle_repo.version_occasion(entry.version),
            )
        if list_kind == "watch" and entry.status == "displayed":
            lifecycle.tell_watched(session=session, entry=entry, now=now)
        if list_kind == "black":
            # §5.3: a new black entry removes the subject's red entries, recorded as exits.
            for red in (e for e in live if e.list_kind == "red"):
                lifecycle.apply(
                    session=session, entry=red, event=REMOVED_BY_BLACK, actor=actor, now=now
                )
                lifecycle.finish_exit(
                    session=session, keyring=keyring, entry=red, actor=actor, now=now
                )
    return _view(entry, payload.subject_code, key, today=today, calendar=calendar)


def matches_submission(ctx: Context, *, entry: Entry, payload: EntryCreate) -> bool:
    """Whether a resent submission is the one this entry recorded (its sealed fields opened).

    An erased entry can no longer be compared and counts as the same: a resend must not
    bring it back. A watch submission stored as black was escalated on recording (§5.5).
    """
    key_row = key_repo.get_data_key(ctx.session, entry.data_key_id)
    subject = ctx.session.get(Subject, entry.subject_id)
    if key_row is None or key_row.wrapped is None or subject is None:
        return True
    try:
        display_until = resolve_display_until(
            list_kind=payload.list_kind,
            severity=payload.severity,
            decided_on=payload.decided_on,
            requested=payload.display_until,
        )
    except DomainError:
        return False
    escalated = payload.list_kind == "watch" and entry.list_kind == "black"
    key = _live_key(ctx.keyring, key_row)
    summary = entry.public_summary_ct
    return (
        indexes_meet(
            stored_index(subject.code_index, subject.code_index_next),
            ctx.keyring.blind_index(payload.subject_code),
        )
        and (entry.list_kind == payload.list_kind or escalated)
        and (entry.domain, entry.severity, entry.legal_basis)
        == (payload.domain, payload.severity, payload.legal_basis)
        and (entry.decided_on, entry.display_until, entry.valid_until)
        == (payload.decided_on, display_until, payload.valid_until)
        and (entry.repairable, list(entry.repair_ways), entry.watch_months)
        == (payload.repairable, list(payload.repair_ways), payload.watch_months)
        and _open(key, entry.subject_name_ct, "subject_name", entry.id) == payload.subject_name
        and _open(key, entry.facts_ct, "facts", entry.id) == payload.facts
        and (None if summary is None else _open(key, summary, "public_summary", entry.id))
        == payload.public_summary
    )


def _open(key: DataKey, blob: bytes, column: str, entry_id: uuid.UUID) -> str:
    return store.open_text(key, blob, "entry", column, entry_id)


def notice_of(entry: Entry, calendar: WorkCalendar) -> Due | None:
    """The entry's prior-notice end as it reads today (counted again if provisional)."""
    if entry.notice_until is None:
        return None
    if entry.notice_provisional_days is None:
        return Due(entry.notice_until, False)
    return recount_black_notice(
        shown=entry.notice_until,
        recorded_on=local_date(entry.created_at),
        provisional_days=entry.notice_provisional_days,
        calendar=calendar,
    )


def _view(
    entry: Entry, code: str, key: DataKey, *, today: date, calendar: WorkCalendar
) -> EntryView:
    summary = entry.public_summary_ct
    notice = notice_of(entry, calendar)
    return EntryView(
        id=entry.id,
        external_id=entry.external_id,
        public_ref=entry.public_ref,
        department=entry.department,
        subject_code=code,
        subject_name=_open(key, entry.subject_name_ct, "subject_name", entry.id),
        list_kind=entry.list_kind,
        domain=entry.domain,
        severity=entry.severity,
        facts=_open(key, entry.facts_ct, "facts", entry.id),
        public_summary=None if summary is None else _open(key, summary, "public_summary", entry.id),
        legal_basis=entry.legal_basis,
        decided_on=entry.decided_on,
        display_until=entry.display_until,
        valid_until=entry.valid_until,
        retain_until=entry.retain_until,
        repairable=entry.repairable,
        repair_ways=entry.repair_ways,
        state=citizen_state(entry, today),
        notice_until=None if notice is None else notice.day,
        notice_until_provisional=notice is not None and notice.provisional,
        under_objection=entry.under_objection,
        exit_reason=entry.exit_reason,
        visible_to=visible_to(entry, today),
        statement=None
        if entry.statement_ct is None
        else _open(key, entry.statement_ct, "statement", entry.id),
        version=entry.version,
        created_at=entry.created_at,
        repair_from=repair_from(entry),
    )


def repair_from(entry: Entry) -> date | None:
    """The first day a repairable entry may be repaired: the end of its minimum display (§8)."""
    bounds = display_bounds(entry.list_kind, entry.severity, entry.decided_on)
    return None if bounds is None or not entry.repairable else bounds[0]


_live_key = store.live_key


def _department_entry(
    session: Session, department: str, entry_id: uuid.UUID
) -> tuple[Entry, Subject, DataKeyRow, DataKeyRow]:
    found = repo.entry_for_department(session, entry_id=entry_id, department=department)
    if found is None:
        raise NotFound("no such entry")
    return found


def _subject_code(keyring: Keyring, subject: Subject, key_row: DataKeyRow) -> str:
    key = _live_key(keyring, key_row)
    if subject.code_ct is None:
        raise Shredded("this subject was erased and can no longer be read")
    return store.open_text(key, subject.code_ct, "subject", "code", subject.id)


def read_entry(ctx: Context, *, department: str, entry_id: uuid.UUID) -> EntryView:
    """One entry of the caller's department, decrypted; other departments' entries do not exist."""
    today = ctx.today()
    entry, subject, entry_key, subject_key = _department_entry(ctx.session, department, entry_id)
    code = _subject_code(ctx.keyring, subject, subject_key)
    return _view(entry, code, _live_key(ctx.keyring, entry_key), today=today, calendar=ctx.calendar)


def shred_entry(ctx: Context, *, department: str, entry_id: uuid.UUID, actor: str) -> None:
    """Crypto-shred an exited or retained entry: its data key is destroyed for good."""
    now = ctx.now()
    entry, _subject, entry_key, _skey = _department_entry(ctx.session, department, entry_id)
    if entry_key.wrapped is None or entry.status == "shredded":
        raise Conflict("this entry is already erased", rule="already_shredded")
    lifecycle.shred(session=ctx.session, keyring=ctx.keyring, entry=entry, actor=actor, now=now)


def withdraw_entry(
    ctx: Context, *, department: str, entry_id: uuid.UUID, reason: str, kind: str, actor: str
) -> EntryView:
    """Withdraw a pending or displayed entry of the caller's department; the reason is sealed."""
    now = ctx.now()
    entry, subject, entry_key, subject_key = _department_entry(ctx.session, department, entry_id)
    key = _live_key(ctx.keyring, entry_key)
    event_id = ordered_id()
    lifecycle.apply(
        session=ctx.session,
        entry=entry,
        event=kind,
        actor=actor,
        now=now,
        reason_ct=seal(key, reason.encode(), store.ctx("entry_event", "reason", event_id)),
        event_id=event_id,
    )
    lifecycle.finish_exit(
        session=ctx.session, keyring=ctx.keyring, entry=entry, actor=actor, now=now
    )
    return _view(
        entry,
        _subject_code(ctx.keyring, subject, subject_key),
        key,
        today=local_date(now),
        calendar=ctx.calendar,
    )


def record_of(ctx: Context, *, code_index: bytes) -> list[EntryView]:
    """Every readable entry of the subject with this blind index, decrypted (the owner's view)."""
    return my_record(ctx, code_index=code_index).entries


def my_record(ctx: Context, *, code_index: bytes) -> MyRecord:
    """The owner's record: every readable entry, and whether they are on the warning list."""
    today = ctx.today()
    subject = repo.subject_by_index(ctx.session, code_index)
    if subject is None:
        return MyRecord(entries=[])
    skey_row = key_repo.get_data_key(ctx.session, subject.data_key_id)
    if skey_row is None:
        return MyRecord(entries=[])
    code = _subject_code(ctx.keyring, subject, skey_row)
    rows = repo.entries_of_subject(ctx.session, subject_id=subject.id)
    return MyRecord(
        entries=[
            _view(entry, code, _live_key(ctx.keyring, key_row), today=today, calendar=ctx.calendar)
            for entry, key_row in rows
            if key_row.wrapped is not None
        ],
        erased=[_erased(entry, key_row) for entry, key_row in rows if key_row.wrapped is None],
        warning_list=derived_warning([entry for entry, _key in rows], today),
    )


def _erased(entry: Entry, key_row: DataKeyRow) -> ErasedEntry:
    shredded_at = key_row.shredded_at or entry.updated_at
    return ErasedEntry(
        public_ref=entry.public_ref,
        list_kind=entry.list_kind,
        department=entry.department,
        reason="erroneous_listing"
        if entry.exit_reason == "objection_upheld"
        else "retention_ended",
        shredded_at=shredded_at,
        erased_at=key_row.erased_at,
        log_index=entry.erasure_log_index,
    )


def set_statement(
    ctx: Context, *, code_index: bytes, entry_id: uuid.UUID, statement: str | None
) -> EntryView:
    """Set (or, with None, remove) the owner's statement on one of their own entries."""
    now = ctx.now()
    subject = repo.subject_by_index(ctx.session, code_index)
    entry = None if subject is None else ctx.session.get(Entry, entry_id)
    if subject is None or entry is None or entry.subject_id != subject.id:
        raise NotFound("no such entry in your record")
    key_row = key_repo.get_data_key(ctx.session, entry.data_key_id)
    skey_row = key_repo.get_data_key(ctx.session, subject.data_key_id)
    if key_row is None or key_row.wrapped is None or skey_row is None:
        raise Conflict("this entry was erased", rule="already_shredded")
    key = _live_key(ctx.keyring, key_row)
    if statement is None and entry.statement_ct is None:
        # Already gone: removing it again changes nothing and writes no second event.
        return _view(
            entry,
            _subject_code(ctx.keyring, subject, skey_row),
            key,
            today=local_date(now),
            calendar=ctx.calendar,
        )
    entry.statement_ct = (
        None
        if statement is None
        else seal(key, statement.encode(), store.ctx("entry", "statement", entry.id))
    )
    entry.updated_at = now
    ctx.session.add(entry)
    ctx.session.add(
        EntryEvent(
            id=ordered_id(),
            entry_id=entry.id,
            at=now,
            actor="subject",
            event="statement_set" if statement is not None else "statement_removed",
        )
    )
    ctx.session.flush()
    return _view(
        entry,
        _subject_code(ctx.keyring, subject, skey_row),
        key,
        today=local_date(now),
        calendar=ctx.calendar,
    )
