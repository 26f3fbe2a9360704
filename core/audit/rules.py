"""Rules that surface unusual querying for auditors (§6): bulk, refused-then-retried, night,
legal-basis queries of frozen records.

Invariants: a rule only adds a flag for a human to review; it never refuses a query.
Office hours are China Standard Time, whatever the server's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from core.clock import CST

RULE_PREFIX = "rule:"
FlagReason = Literal[
    "bulk",
    "night",
    "refused_then_retried",
    "frozen",
    "purpose_mismatch",
    "no_business_need",
    "other",
]
FLAG_REASONS: tuple[str, ...] = get_args(FlagReason)
# The reasons rules raise; auditors may raise any reason of FLAG_REASONS.
# `frozen`: a legal-basis query of a record its subject froze (consents still refused).
RULE_REASONS = frozenset({"bulk", "night", "refused_then_retried", "frozen"})


@dataclass(frozen=True, slots=True)
class AuditRules:
    """Thresholds of the audit rules (settings `CREDENCE_AUDIT_*`)."""

    bulk_queries: int = 100
    bulk_window: timedelta = timedelta(hours=1)
    retry_window: timedelta = timedelta(hours=1)
    office_hours: tuple[int, int] = (8, 20)

    def __post_init__(self) -> None:
        start, end = self.office_hours
        if not (0 <= start < end <= 24):
            raise ValueError("office hours must be two hours 0 <= start < end <= 24")
        if self.bulk_queries < 1:
            raise ValueError("the bulk threshold must be at least one query")


def is_night(at: datetime, rules: AuditRules) -> bool:
    """Whether a moment falls outside office hours in China Standard Time."""
    start, end = rules.office_hours
    return not start <= at.astimezone(CST).hour < end


def is_bulk(queries_in_window: int, rules: AuditRules) -> bool:
    """Whether an agency's count of queries in the window (this one included) is bulk."""
    return queries_in_window > rules.bulk_queries
