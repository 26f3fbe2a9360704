"""An entry's life after it is recorded (§4, §5): events, exits and their paperwork, shredding.

Invariants:
- Every change of status goes through `apply`: the lifecycle table allows it, the row
  changes only if it still holds the status this worker read (so two workers never
  both move it), and the change and its history event land in one transaction.
- An exit's paperwork — public announcement for red and black entries, the citizen's
  notice, the watch entry after a black exit (§5.4), agency notices for withdrawals —
  is done once: unique keys turn a repeat into a no-op, and `retained` marks it done.
- Shredding destroys the entry's data key first; the log leaves that named the entry
  stay as they are, so the query log still verifies but no longer opens anything.
- Nothing here decides what is shown: that is `visible_state` at read time.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from core.clock import local_date
from core.entries import erasure, store
from core.entries import lifecycle_repository as repo
from core.entries import repository as record_repo
from core.entries import states as rules
from core.entries.list_rules import watch_after_exit
from core.entries.visibility import derived_warning
from core.errors import Conflict, Shredded
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import Entry, EntryEvent, Subject
from core.ops import keys_repository as key_repo
from crypto.envelope import DataKey

# Notices to a natural person about a black entry (1798号 §7): told when it is recorded, in
# its prior notice, and again when it takes effect.
PRIOR_NOTICE = "prior_notice"
TOOK_EFFECT = "took_effect"
# §17: a watch entry warns its subject (with its validity end); entering the derived warning
# list (watch entries in three domains, §5.5) is a notice of its own.
WATCH_WARNING = "watch_warning"
WARNING_LIST = "warning_list"

# §6: agencies that received an entry in the last six months hear of its correction.
PROPAGATION_WINDOW = timedelta(days=183)
_PUBLIC_KINDS = frozenset({"red", "black"})


def apply(
    *,
    session: Session,
    entry: Entry,
    event: str,
    actor: str,
    now: datetime,
    reason_ct: bytes | None = None,
    event_id: uuid.UUID | None = None,
) -> None:
    """Fire one lifecycle event on an entry, or refuse it and change nothing."""
    status, flag = rules.next_status(entry.status, event, under_objection=entry.under_objection)
    extra: dict[str, object] = {}
    if event == rules.DISPLAY_ENDED:
        # It ended on its display end, however late the sweeper noticed.
        extra = {"exit_reason": "expired", "exited_on": entry.display_until}
    elif event in rules.EXIT_EVENTS:
        extra = {"exit_reason": event, "exited_on": local_date(now)}
    if event == rules.CORRECTED:
        extra["version"] = entry.version + 1
    if not repo.change_status(
        session,
        entry_id=entry.id,
        expect=(entry.status, entry.under_objection),
        to=(status, flag),
        now=now,
        extra=extra,
    ):
        raise Conflict("the entry changed meanwhile; read it again", rule="concurrent_change")
    session.add(
        EntryEvent(
            id=event_id or ordered_id(),
            entry_id=entry.id,
            at=now,
            actor=actor,
            event=event,
            reason_ct=reason_ct,
        )
    )
    # Keep the loaded row in step without marking it dirty (the UPDATE above wrote it).
    for name, value in {
        "status": status,
        "under_objection": flag,
        "updated_at": now,
        **extra,
    }.items():
        set_committed_value(entry, name, value)
    session.flush()
    if event == rules.NOTICE_ENDED and entry.list_kind == "black":
        repo.add_entry_notice(
            session,
            subject_id=entry.subject_id,
            entry_id=entry.id,
            kind=TOOK_EFFECT,
            now=now,
            occasion=repo.version_occasion(entry.version),
        )


def tell_watched(*, session: Session, entry: Entry, now: datetime) -> None:
    """Warn the subject of a new watch entry; and tell them if it puts them on the derived
    warning list, which they were not on without it."""
    repo.add_entry_notice(
        session,
        subject_id=entry.subject_id,
        entry_id=entry.id,
        kind=WATCH_WARNING,
        now=now,
        occasion=repo.version_occasion(entry.version),
    )
    today = local_date(now)
    entries = [
        e for e, _key in record_repo.entries_of_subject(session, subject_id=entry.subject_id)
    ]
    others = [e for e in entries if e.id != entry.id]
    if derived_warning(entries, today) and not derived_warning(others, today):
        repo.add_entry_notice(
            session,
            subject_id=entry.subject_id,
            entry_id=entry.id,
            kind=WARNING_LIST,
            now=now,
            occasion=repo.version_occasion(entry.version),
        )


def tell_took_effect(*, session: Session, moved: Sequence[Any], now: datetime) -> None:
    """The taking-effect notices of black entries the sweeper moved out of prior notice."""
    repo.add_entry_notices(
        session,
        [
            {
                "subject_id": row.subject_id,
                "entry_id": row.id,
                "kind": TOOK_EFFECT,
                "occasion": repo.version_occasion(row.version),
                "created_at": now,
            }
            for row in moved
            if row.list_kind == "black"
        ],
    )


def notify_agencies(*, session: Session, entry: Entry, kind: str, now: datetime) -> list[str]:
    """Tell every agency that received the entry in the last six months; return them."""
    agencies = repo.agencies_that_received(
        session, entry_id=entry.id, since=now - PROPAGATION_WINDOW
    )
    for agency in agencies:
        repo.add_agency_notice(
            session, agency=agency, entry_id=entry.id, version=entry.version, kind=kind, now=now
        )
    return agencies


def shred(
    *,
    session: Session,
    keyring: Keyring,
    entry: Entry,
    actor: str,
    now: datetime,
    with_cases: bool = False,
) -> None:
    """Crypto-shred an exited or retained entry, log it, and tell whoever must know.

    The objection and repair cases about the entry are erased with it at the end of
    retention (`with_cases`). An erroneous listing's cases, which hold the decision and
    apology, are erased by the sweeper once the window for reconsideration has passed
    (`erasure.CASE_GRACE`). The subject goes once nothing of it remains. Each erasure is
    an event in the transparency log.
    """
    erroneous = entry.exit_reason == rules.OBJECTION_UPHELD
    why = "erroneous_listing" if erroneous else "retention_ended"
    apply(session=session, entry=entry, event=rules.SHRED, actor=actor, now=now)
    key_repo.shred_data_key(session, key_id=entry.data_key_id, now=now)
    keyring.forget(entry.data_key_id)
    erasure.log_erasure(
        session=session, what="entry", ref=entry.public_ref, why=why, now=now, entry_id=entry.id
    )
    if with_cases:
        erasure.erase_cases(session=session, keyring=keyring, entry=entry, why=why, now=now)
    repo.add_entry_notice(
        session, subject_id=entry.subject_id, entry_id=entry.id, kind="shredded", now=now
    )
    notify_agencies(session=session, entry=entry, kind="shredded", now=now)
    erasure.erase_subject_if_gone(
        session=session, keyring=keyring, subject_id=entry.subject_id, ref=entry.public_ref, now=now
    )


def finish_exit(
    *,
    session: Session,
    keyring: Keyring,
    entry: Entry,
    actor: str,
    now: datetime,
) -> None:
    """The paperwork of an expired or exited entry, then `retained` (or shredded if erroneous)."""
    reason = entry.exit_reason or "expired"
    today = local_date(now)
    exited_on = entry.exited_on or today
    erroneous = reason == rules.OBJECTION_UPHELD
    # A black entry that left during its prior notice was told only to its subject (§5.1):
    # announcing its exit would publish a listing that never was public.
    never_public = (
        entry.list_kind == "black"
        and entry.notice_until is not None
        and exited_on < entry.notice_until
    )
    if entry.list_kind in _PUBLIC_KINDS and not never_public:
        repo.add_announcement(
            session,
            {
                "id": uuid.uuid4(),
                "entry_id": entry.id,
                "public_ref": entry.public_ref,
                "list_kind": entry.list_kind,
                "domain": entry.domain,
                "department": entry.department,
                "reason": reason,
                "announced_on": today,
                "created_at": now,
            },
        )
    repo.add_entry_notice(
        session, subject_id=entry.subject_id, entry_id=entry.id, kind=reason, now=now
    )
    if entry.list_kind == "black" and not erroneous:
        until = watch_after_exit(
            exit_reason=reason, exited_on=exited_on, watch_months=entry.watch_months
        )
        if until is not None and until > today:
            _watch_after(
                session, keyring, entry, start=exited_on, until=until, actor=actor, now=now
            )
        elif until is not None:
            # The watch period ran out before anyone swept: nothing to show, and no copy of
            # the person's data to keep beyond the black entry's own retention.
            session.add(
                EntryEvent(
                    id=ordered_id(),
                    entry_id=entry.id,
                    at=now,
                    actor=actor,
                    event="watch_period_elapsed",
                )
            )
    if reason in (rules.WITHDRAWN, rules.CRITERIA_CHANGED):
        notify_agencies(session=session, entry=entry, kind="withdrawn", now=now)
    if erroneous:
        shred(session=session, keyring=keyring, entry=entry, actor=actor, now=now)
    else:
        apply(session=session, entry=entry, event=rules.RETAIN, actor=actor, now=now)


def _watch_fields(
    key: DataKey, black: Any, sealed: Any, external_id: str, *, start: date, until: date
) -> store.EntryFields:
    """The watch entry an exited black entry leaves (§5.4): its place and months from
    `black`, its opened text and basis from `sealed` (the entry row, or its sealed fields)."""
    summary = sealed.public_summary_ct
    return store.EntryFields(
        external_id=external_id,
        list_kind="watch",
        domain=black.domain,
        severity=sealed.severity,
        subject_name=store.open_text(
            key, sealed.subject_name_ct, "entry", "subject_name", black.id
        ),
        facts=store.open_text(key, sealed.facts_ct, "entry", "facts", black.id),
        public_summary=None
        if summary is None
        else store.open_text(key, summary, "entry", "public_summary", black.id),
        legal_basis=sealed.legal_basis,
        decided_on=start,
        display_until=until,
        valid_until=until,
        repairable=False,
        repair_ways=[],
        status=rules.DISPLAYED,
        notice_until=None,
        watch_months=black.watch_months,
    )


def _watch_after(
    session: Session,
    keyring: Keyring,
    black: Entry,
    *,
    start: date,
    until: date,
    actor: str,
    now: datetime,
) -> None:
    """Put the subject of an exited black entry on the watch list until `until` (§5.4)."""
    external_id = f"{black.external_id}:watch"
    if record_repo.entry_by_external_id(
        session, department=black.department, external_id=external_id
    ):
        return  # an earlier, interrupted pass made it already
    subject = session.get(Subject, black.subject_id)
    if subject is None:  # pragma: no cover - entries reference their subject
        raise Conflict("the entry's subject is missing", rule="missing_subject")
    key = store.entry_key(session, keyring, black)
    watch, _key = store.insert_entry(
        session=session,
        keyring=keyring,
        subject=subject,
        department=black.department,
        fields=_watch_fields(key, black, black, external_id, start=start, until=until),
        actor=actor,
        event="watch_after_black_exit",
        now=now,
    )
    tell_watched(session=session, entry=watch, now=now)


# --- the same, for a batch the sweeper moved in one statement ------------------------------
# The rows are `lifecycle_repository.MOVED_COLUMNS` as they stand after the move; every row
# written here goes in one executemany per table, and repeats are absorbed by unique keys.


def record_events(
    *, session: Session, moved: Sequence[Any], event: str | None, actor: str, now: datetime
) -> list[str]:
    """The history event of each moved row (None: named after the status it reached)."""
    fired = [event or row.status for row in moved]
    repo.add_events(
        session,
        [
            {"id": ordered_id(), "entry_id": row.id, "at": now, "actor": actor, "event": name}
            for row, name in zip(moved, fired, strict=True)
        ],
    )
    return fired


def notify_agencies_of(*, session: Session, moved: Sequence[Any], kind: str, now: datetime) -> None:
    """`notify_agencies` for several entries: one look-up, one insert."""
    received = repo.receivers(
        session, entry_ids=[row.id for row in moved], since=now - PROPAGATION_WINDOW
    )
    repo.add_agency_notices(
        session,
        [
            {
                "agency": agency,
                "entry_id": row.id,
                "entry_version": row.version,
                "kind": kind,
                "created_at": now,
            }
            for row in moved
            for agency in received.get(row.id, ())
        ],
    )


def finish_exits(
    *, session: Session, keyring: Keyring, moved: Sequence[Any], actor: str, now: datetime
) -> None:
    """`finish_exit`'s paperwork for rows already moved to `retained` (or `shredded`, if
    erroneous): announcements, notices, watch entries, agency notices, shredding."""
    today = local_date(now)
    announcements: list[dict[str, object]] = []
    notices: list[dict[str, object]] = []
    watches: list[tuple[Any, date, date]] = []
    elapsed: list[dict[str, object]] = []
    for row in moved:
        reason = row.exit_reason or "expired"
        exited_on = row.exited_on or today
        erroneous = reason == rules.OBJECTION_UPHELD
        # Never announced: a black entry that left during its prior notice (§5.1).
        never_public = (
            row.list_kind == "black"
            and row.notice_until is not None
            and exited_on < row.notice_until
        )
        if row.list_kind in _PUBLIC_KINDS and not never_public:
            announcements.append(
                {
                    "id": uuid.uuid4(),
                    "entry_id": row.id,
                    "public_ref": row.public_ref,
                    "list_kind": row.list_kind,
                    "domain": row.domain,
                    "department": row.department,
                    "reason": reason,
                    "announced_on": today,
                    "created_at": now,
                }
            )
        notices.append(
            {
                "subject_id": row.subject_id,
                "entry_id": row.id,
                "kind": reason,
                "occasion": repo.version_occasion(row.version),
                "created_at": now,
            }
        )
        if row.list_kind == "black" and not erroneous:
            until = watch_after_exit(
                exit_reason=reason, exited_on=exited_on, watch_months=row.watch_months
            )
            if until is not None and until > today:
                watches.append((row, exited_on, until))
            elif until is not None:
                # Run out before anyone swept: no copy of the person's data to keep.
                elapsed.append(
                    {
                        "id": ordered_id(),
                        "entry_id": row.id,
                        "at": now,
                        "actor": actor,
                        "event": "watch_period_elapsed",
                    }
                )
    repo.add_announcements(session, announcements)
    repo.add_entry_notices(session, notices)
    repo.add_events(session, elapsed)
    _watch_after_each(session, keyring, watches, actor=actor, now=now)
    withdrawn = [r for r in moved if r.exit_reason in (rules.WITHDRAWN, rules.CRITERIA_CHANGED)]
    notify_agencies_of(session=session, moved=withdrawn, kind="withdrawn", now=now)
    shredded = [row for row in moved if row.status == rules.SHREDDED]
    shred_moved(session=session, keyring=keyring, moved=shredded, now=now)


def shred_moved(
    *,
    session: Session,
    keyring: Keyring,
    moved: Sequence[Any],
    now: datetime,
    with_cases: bool = False,
) -> None:
    """`shred`'s work for rows already moved to `shredded`: keys destroyed first, erasures
    logged, notices, agency notices, and the subjects of which nothing remains."""
    if not moved:
        return
    repo.shred_data_keys(session, key_ids=[row.data_key_id for row in moved], now=now)
    for row in moved:
        keyring.forget(row.data_key_id)
    with_live_cases: set[uuid.UUID] = set()
    if with_cases:
        cases = repo.case_keys_of_entries(session, entry_ids=[row.id for row in moved])
        live = repo.shred_data_keys(session, key_ids=[key for _e, key in cases], now=now)
        for entry_id, key_id in cases:
            keyring.forget(key_id)
            if key_id in live:
                with_live_cases.add(entry_id)
    refs: dict[uuid.UUID, str] = {}
    for row in moved:
        erroneous = row.exit_reason == rules.OBJECTION_UPHELD
        why = "erroneous_listing" if erroneous else "retention_ended"
        erasure.log_erasure(
            session=session, what="entry", ref=row.public_ref, why=why, now=now, entry_id=row.id
        )
        if row.id in with_live_cases:
            erasure.log_erasure(session=session, what="cases", ref=row.public_ref, why=why, now=now)
        refs[row.subject_id] = row.public_ref
    repo.add_entry_notices(
        session,
        [
            {
                "subject_id": r.subject_id,
                "entry_id": r.id,
                "kind": "shredded",
                "occasion": repo.version_occasion(r.version),
                "created_at": now,
            }
            for r in moved
        ],
    )
    notify_agencies_of(session=session, moved=moved, kind="shredded", now=now)
    erasure.erase_subjects_if_gone(session=session, keyring=keyring, refs=refs, now=now)


def _watch_after_each(
    session: Session,
    keyring: Keyring,
    due: Sequence[tuple[Any, date, date]],
    *,
    actor: str,
    now: datetime,
) -> None:
    """`_watch_after` for several exited black entries: one look-up of those made already, one
    read of the sealed fields, one flush for every new entry, key and event."""
    names = [(row.department, f"{row.external_id}:watch") for row, _s, _u in due]
    made = repo.watch_entries_made(session, keys=names)
    todo = [(item, name) for item, name in zip(due, names, strict=True) if name not in made]
    if not todo:
        return
    sealed = repo.sealed_entries(session, ids=[row.id for (row, _s, _u), _n in todo])
    watches: list[Entry] = []
    for (black, start, until), (department, external_id) in todo:
        fields = sealed[black.id]
        if fields.wrapped is None:
            raise Shredded("this entry was erased and can no longer be read")
        key = keyring.data_key(black.data_key_id, fields.wrapped)
        watch, _key = store.add_entry(
            session=session,
            keyring=keyring,
            subject_id=black.subject_id,
            department=department,
            fields=_watch_fields(key, black, fields, external_id, start=start, until=until),
            actor=actor,
            event="watch_after_black_exit",
            now=now,
        )
        watches.append(watch)
    session.flush()
    for watch in watches:
        tell_watched(session=session, entry=watch, now=now)
