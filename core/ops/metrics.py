"""Operational metrics: counts only, never personal data (Prometheus text format).

Invariants: every value is an aggregate over many rows (sizes, counts by status);
labels come from closed vocabularies, never from stored values a person typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlmodel import Session

from core.entries.states import STATUSES
from core.ops import metrics_repository as repo

OverdueCounter = Callable[..., int]
ProvisionalCounter = Callable[..., dict[str, int]]


def _line(name: str, value: int, labels: dict[str, str] | None = None) -> str:
    if not labels:
        return f"{name} {value}"
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}} {value}"


def render(
    *,
    session: Session,
    today: date,
    overdue: Iterable[tuple[str, OverdueCounter]] = (),
    provisional: ProvisionalCounter | None = None,
) -> str:
    """The metrics page: log size and integrity, entries by status, overdue cases,
    provisional deadlines."""
    leaves = repo.log_leaves(session)
    checkpoint_size = repo.latest_checkpoint_size(session)
    counts = repo.entries_by_status(session)
    full = repo.log_full_check(session)
    lines = [
        "# HELP credence_query_log_leaves Leaves in the query log.",
        "# TYPE credence_query_log_leaves gauge",
        _line("credence_query_log_leaves", leaves),
        "# HELP credence_query_log_checkpoint_size Tree size of the latest published checkpoint.",
        "# TYPE credence_query_log_checkpoint_size gauge",
        _line("credence_query_log_checkpoint_size", checkpoint_size),
        "# HELP credence_log_integrity_failed 1 while the query log is halted by a failed "
        "integrity check (no checkpoint signed, agency queries answered 503): alert on it.",
        "# TYPE credence_log_integrity_failed gauge",
        _line("credence_log_integrity_failed", int(repo.log_halted(session))),
        "# HELP credence_log_full_check_timestamp_seconds When the whole query log last "
        "verified (0: never yet).",
        "# TYPE credence_log_full_check_timestamp_seconds gauge",
        _line("credence_log_full_check_timestamp_seconds", int(full[0]) if full else 0),
        "# HELP credence_entries Entries by stored lifecycle status.",
        "# TYPE credence_entries gauge",
        *(_line("credence_entries", counts.get(s, 0), {"status": s}) for s in STATUSES),
    ]
    overdue = list(overdue)
    if overdue:
        lines += [
            "# HELP credence_cases_overdue Open objection and repair cases past a legal deadline.",
            "# TYPE credence_cases_overdue gauge",
            *(
                _line("credence_cases_overdue", count(session=session, today=today), {"kind": kind})
                for kind, count in overdue
            ),
        ]
    if provisional is not None:
        lines += [
            "# HELP credence_provisional_deadlines Open deadlines counted on the provisional "
            "holiday calendar (a year the official schedule does not cover yet).",
            "# TYPE credence_provisional_deadlines gauge",
            *(
                _line("credence_provisional_deadlines", count, {"kind": kind})
                for kind, count in sorted(provisional(session=session).items())
            ),
        ]
    return "\n".join(lines) + "\n"
