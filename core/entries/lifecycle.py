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
from datetime import date, datetime, timedelta

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from core.clock import local_date
from core.entries import erasure, store
from core.entries import lifecycle_repository as repo
from core.entries import repository as record_repo
from core.entries import states as rules
from core.entries.list_rules import watch_after_exit
from core.errors import Conflict
from core.ids import ordered_id
from core.keyring import Keyring
from core.models import Entry, EntryEvent, Subject
from core.ops import keys_repository as key_repo

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
    summary = black.public_summary_ct
    store.insert_entry(
        session=session,
        keyring=keyring,
        subject=subject,
        department=black.department,
        fields=store.EntryFields(
            external_id=external_id,
            list_kind="watch",
            domain=black.domain,
            severity=black.severity,
            subject_name=store.open_text(
                key, black.subject_name_ct, "entry", "subject_name", black.id
            ),
            facts=store.open_text(key, black.facts_ct, "entry", "facts", black.id),
            public_summary=None
            if summary is None
            else store.open_text(key, summary, "entry", "public_summary", black.id),
            legal_basis=black.legal_basis,
            decided_on=start,
            display_until=until,
            valid_until=until,
            repairable=False,
            repair_ways=[],
            status=rules.DISPLAYED,
            notice_until=None,
            watch_months=black.watch_months,
        ),
        actor=actor,
        event="watch_after_black_exit",
        now=now,
    )
