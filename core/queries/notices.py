"""Outboxes: what the citizen and each agency are told (§6, 1798号 §7).

Invariants: a citizen sees only notices of their own subject, a sealed query only once its
seal lifted; an agency sees only its own notices; a notice row names its entry by id and
says what happened, never what the entry holds. A prior notice and a taking-effect notice
state the facts: they are opened from the sealed entry here, at read time, for its subject.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlmodel import Session

from core import paging
from core.clock import local_date
from core.context import Context
from core.entries import lifecycle, store
from core.entries import lifecycle_repository as repo
from core.entries import repository as record_repo
from core.entries.lifecycle_repository import NoticeKey
from core.entries.visibility import shown_state
from core.errors import Shredded
from core.keyring import Keyring
from core.models import Entry
from core.paging import Page
from core.queries.notice_schemas import (
    AgencyNotification,
    EntryEventNotice,
    ListingNotice,
    Notification,
)
from core.queries.service import query_history

_CITIZEN_SCOPE: Final = "notifications"
_AGENCY_SCOPE: Final = "agency-notifications"
# Where the person objects (§7): the objection form of their entry.
OBJECT_AT: Final = "/me/objections/new?entry={entry_id}"
_LISTING_KINDS: Final = frozenset(
    {lifecycle.PRIOR_NOTICE, lifecycle.TOOK_EFFECT, lifecycle.WATCH_WARNING, lifecycle.WARNING_LIST}
)
_SHOWN: Final = frozenset({"pending_notice", "displayed"})


def listing_notice(
    session: Session, keyring: Keyring, *, entry: Entry, kind: str, now: datetime
) -> ListingNotice:
    """What a prior, taking-effect or watch notice states, opened from the entry now."""
    try:
        key = store.entry_key(session, keyring, entry)
        facts: str | None = store.open_text(key, entry.facts_ct, "entry", "facts", entry.id)
    except Shredded:
        facts = None
    if kind == lifecycle.PRIOR_NOTICE and entry.notice_until is not None:
        # An objection filed by the last day of the notice holds the entry back (§5.1).
        object_until = entry.notice_until - timedelta(days=1)
    else:
        object_until = entry.display_until
    return ListingNotice(
        facts=facts,
        legal_basis=entry.legal_basis,
        domain=entry.domain,
        takes_effect_on=entry.notice_until,
        object_until=object_until,
        object_at=(
            OBJECT_AT.format(entry_id=entry.id)
            if facts is not None and shown_state(entry, local_date(now)) in _SHOWN
            else None
        ),
        display_until=entry.display_until,
        valid_until=entry.valid_until,
    )


@dataclass(frozen=True)
class _Served:
    """One outbox item and its place in the stream it came from."""

    item: Notification
    log_index: int | None = None
    notice: NoticeKey | None = None


def _merged(
    session: Session,
    keyring: Keyring,
    *,
    code_index: bytes,
    now: datetime,
    limit: int,
    query_before: int | None,
    entry_after: NoticeKey | None,
) -> list[_Served]:
    """Up to `limit` items of the outbox, newest first, from past the two streams' places."""
    subject = record_repo.subject_by_index(session, code_index)
    if subject is None:
        return []
    queries = [
        _Served(Notification(type="query", at=datetime.fromisoformat(q.at), query=q), q.log_index)
        for q in query_history(
            session=session,
            code_index=code_index,
            now=now,
            before=query_before,
            limit=limit,
            with_receipts=False,
        )
    ]
    events: list[_Served] = []
    for notice in repo.entry_notices(
        session, subject_id=subject.id, limit=limit, after=entry_after
    ):
        entry = session.get(Entry, notice.entry_id)
        if entry is None:  # pragma: no cover - notices reference their entry
            continue
        event = EntryEventNotice(
            entry_id=notice.entry_id,
            list_kind=entry.list_kind,
            kind=notice.kind,
            at=notice.created_at,
            listing=(
                listing_notice(session, keyring, entry=entry, kind=notice.kind, now=now)
                if notice.kind in _LISTING_KINDS
                else None
            ),
        )
        item = Notification(type="entry", at=notice.created_at, entry=event)
        events.append(_Served(item, notice=(notice.created_at, notice.id)))
    # A merge, not a sort: what is served of each stream is a prefix of it, so the page's
    # position in each stream is the last item served from it.
    merged = heapq.merge(queries, events, key=lambda s: s.item.at, reverse=True)
    return list(itertools.islice(merged, limit))


def citizen_notifications(
    ctx: Context, *, code_index: bytes, now: datetime, limit: int
) -> list[Notification]:
    """The citizen's outbox, newest first: queries of their record and events of their entries."""
    served = _merged(
        ctx.session,
        ctx.keyring,
        code_index=code_index,
        now=now,
        limit=limit,
        query_before=None,
        entry_after=None,
    )
    return [s.item for s in served]


def citizen_notification_page(
    ctx: Context, *, code_index: bytes, now: datetime, cursor: str | None, limit: int
) -> Page[Notification]:
    """One page of the citizen's outbox; the cursor holds its place in both streams."""
    paging.check_limit(limit)
    query_before: int | None = None
    entry_after: NoticeKey | None = None
    if cursor is not None:
        index, at, ident = paging.read_cursor(
            cursor, scope=_CITIZEN_SCOPE, shapes=(paging.COUNT, paging.INSTANT, paging.UUID_HEX)
        )
        if (at == paging.NONE) != (ident == paging.NONE):
            raise paging.bad_cursor()
        query_before = None if index == paging.NONE else int(index)
        if at != paging.NONE:
            entry_after = (paging.instant_at(at), uuid.UUID(hex=ident))
    served = _merged(
        ctx.session,
        ctx.keyring,
        code_index=code_index,
        now=now,
        limit=limit + 1,
        query_before=query_before,
        entry_after=entry_after,
    )
    page = served[:limit]
    for s in page:
        query_before = s.log_index if s.log_index is not None else query_before
        entry_after = s.notice if s.notice is not None else entry_after
    next_cursor = None
    if len(served) > limit:
        position = (
            paging.NONE if query_before is None else str(query_before),
            paging.NONE if entry_after is None else paging.instant_part(entry_after[0]),
            paging.NONE if entry_after is None else paging.uuid_part(entry_after[1]),
        )
        next_cursor = paging.write_cursor(_CITIZEN_SCOPE, *position)
    return Page(items=[s.item for s in page], next_cursor=next_cursor)


def agency_notifications(
    *, session: Session, agency: str, cursor: str | None, limit: int
) -> Page[AgencyNotification]:
    """One page of an agency's outbox, newest first."""
    paging.check_limit(limit)
    after: NoticeKey | None = None
    if cursor is not None:
        at, ident = paging.read_cursor(
            cursor, scope=_AGENCY_SCOPE, shapes=(paging.INSTANT, paging.UUID_HEX)
        )
        if paging.NONE in (at, ident):
            raise paging.bad_cursor()
        after = (paging.instant_at(at), uuid.UUID(hex=ident))
    rows = repo.agency_notices(session, agency=agency, after=after, limit=limit + 1)
    kept, next_cursor = paging.cut(
        rows,
        limit=limit,
        scope=_AGENCY_SCOPE,
        position=lambda n: (paging.instant_part(n.created_at), paging.uuid_part(n.id)),
    )
    items = [
        AgencyNotification(
            entry_id=n.entry_id, entry_version=n.entry_version, kind=n.kind, at=n.created_at
        )
        for n in kept
    ]
    return Page(items=items, next_cursor=next_cursor)
