"""Refusals of a query: the request was understood and allowed to be made, but may not run.

Invariants: every refusal carries a stable `rule` (listed in `RULES`) and a message
free of personal data; the refused action changed nothing.
"""

from __future__ import annotations

from core.errors import DomainError

RULES = frozenset(
    {
        "authorization_revoked",
        "authorization_not_started",
        "authorization_expired",
        "authorization_used_up",
        "purpose_mismatch",
        "record_frozen",
        "authorization_code_unknown",
    }
)


class Refused(DomainError):
    """A query may not run under the authorization given (revoked, expired, frozen…)."""

    type_slug = "query-refused"
    title = "Query refused"
