"""The auditor's registry of queries (§6): search, rule flags raised on append, manual flags.

Invariants:
- Every leaf the query path appends gets its projection (facet) in the same transaction,
  so a filter never misses a committed query.
- Rules only flag; they never refuse or alter a query. Their flags say `rule:<name>` as
  who raised them, an auditor's flag names the auditor.
- Nothing here reads or writes personal data: the subject is the leaf's pseudonym.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session

from core.audit import repository as repo
from core.audit.rules import RULE_PREFIX, AuditRules, is_bulk, is_night
from core.errors import Conflict, NotFound
from core.queries.schemas import AuditedQuery, AuditFilter, QueryFlagView
from core.querylog import repository as log_repo


def record_query(
    *,
    session: Session,
    index: int,
    at: datetime,
    agency: str,
    subject: str,
    outcome: str,
    basis: str,
    rules: AuditRules,
    frozen: bool = False,
    flags: list[dict[str, object]] | None = None,
) -> list[str]:
    """Index one appended leaf for search and raise the flags its rules call for; a query
    of a frozen record on a legal basis is flagged `frozen` for review (§6). With `flags`,
    the flags of this new leaf are added to that list for `add_new_flags` instead."""
    refused_before, agency_before = repo.add_facet_with_counts(
        session,
        log_index=index,
        at=at,
        agency=agency,
        subject=subject,
        outcome=outcome,
        basis=basis,
        retry_since=at - rules.retry_window,
        bulk_since=at - rules.bulk_window,
        # Bulk is strictly more than the threshold, this query included: counting the
        # others up to the threshold decides it.
        bulk_cap=rules.bulk_queries,
    )
    reasons = []
    if refused_before:
        reasons.append("refused_then_retried")
    if is_night(at, rules):
        reasons.append("night")
    # The agency's queries in the window, this one included (exact up to the threshold).
    if is_bulk(agency_before + 1, rules):
        reasons.append("bulk")
    if frozen and basis == "legal":
        reasons.append("frozen")
    for reason in reasons:
        if flags is not None:
            flags.append(
                repo.flag_row(
                    log_index=index, reason=reason, raised_by=RULE_PREFIX + reason, now=at
                )
            )
        else:
            repo.add_flag(
                session, log_index=index, reason=reason, raised_by=RULE_PREFIX + reason, now=at
            )
    return reasons


def add_new_flags(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert the rule flags of leaves appended in this transaction (none can exist yet)."""
    repo.add_new_flags(session, rows)


def search_queries(*, session: Session, filters: AuditFilter) -> list[AuditedQuery]:
    """Queries matching the filters, newest first, each with its flags (sealed ones included)."""
    rows = repo.search(
        session,
        agency=filters.agency,
        since=filters.since,
        until=filters.until,
        outcome=filters.outcome,
        flag=filters.flag,
        before=filters.before,
        limit=filters.limit,
    )
    flags: dict[int, list[QueryFlagView]] = defaultdict(list)
    for flag in repo.flags_of(session, [i for i, _ in rows]):
        flags[flag.log_index].append(
            QueryFlagView(reason=flag.reason, raised_by=flag.raised_by, at=flag.created_at)
        )
    return [
        AuditedQuery(log_index=i, leaf=json.loads(body), flags=flags.get(i, [])) for i, body in rows
    ]


def flag_query(
    *, session: Session, index: int, reason: str, auditor: str, now: datetime
) -> QueryFlagView:
    """An auditor's flag on one query; the same reason twice on one query is a conflict."""
    if log_repo.leaf_hash_at(session, index) is None:
        raise NotFound("the query log has no entry at this index")
    if not repo.add_flag(session, log_index=index, reason=reason, raised_by=auditor, now=now):
        raise Conflict("this query already carries this flag", rule="already_flagged")
    return QueryFlagView(reason=reason, raised_by=auditor, at=now)
