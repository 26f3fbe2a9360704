"""Display periods and retention (§4): bounds by severity, defaults, the end of retention.

Invariants: bounds apply to administrative-penalty lists (black, watch); a
`minor` entry of those lists is never displayed.
"""

from __future__ import annotations

import calendar
from datetime import date

from core.errors import InvalidInput

RETENTION_YEARS = 5
# (minimum months, maximum months) of display; None means not displayed at all.
_BOUNDS: dict[str, tuple[int, int] | None] = {
    "minor": None,
    "general": (3, 12),
    "serious": (12, 36),
}
_BOUNDED_KINDS = frozenset({"black", "watch"})


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def display_bounds(list_kind: str, severity: str, decided_on: date) -> tuple[date, date] | None:
    """The earliest and latest allowed display end, or None when the entry is not displayed."""
    if list_kind not in _BOUNDED_KINDS:
        return (decided_on, date.max)
    months = _BOUNDS[severity]
    if months is None:
        return None
    return add_months(decided_on, months[0]), add_months(decided_on, months[1])


def resolve_display_until(
    *, list_kind: str, severity: str, decided_on: date, requested: date | None
) -> date:
    """The display end to store: the requested one if within bounds, else the maximum."""
    bounds = display_bounds(list_kind, severity, decided_on)
    if bounds is None:
        if requested is not None and requested != decided_on:
            raise InvalidInput(
                "a minor administrative-penalty entry is not displayed; omit display_until",
                rule="display_period_minor",
            )
        return decided_on
    low, high = bounds
    if requested is None:
        if high == date.max:
            raise InvalidInput(
                "display_until is required for this list kind", rule="display_period_required"
            )
        return high
    if requested <= decided_on:
        raise InvalidInput("display_until must be after decided_on", rule="display_after_decision")
    if not low <= requested <= high:
        refused = InvalidInput(
            f"display_until must lie between {low.isoformat()} and {high.isoformat()} "
            f"for a {severity} entry",
            rule="display_period_bounds",
        )
        # The bounds go into the problem body, so a form can say them in its own words.
        refused.extra = {"earliest": low.isoformat(), "latest": high.isoformat()}
        raise refused
    return requested


def retention_end(*, display_until: date, valid_until: date) -> date:
    """Kept in the back end until five years after the later of display and validity end."""
    return add_months(max(display_until, valid_until), 12 * RETENTION_YEARS)
