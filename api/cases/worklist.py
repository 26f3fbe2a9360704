"""The filters and search of an officer's work list (objections and repairs alike).

Invariants: the list is always the officer's own department (the department is never a
filter); a filter is one of a closed set of values, and the search text is what the
service's `CaseSearch` allows (letters, digits, `._:-`) — none of it personal data, so the
filters may stand in the URL; a bad filter is refused whole (nothing is listed) with a
message in the page language, never echoed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from core.vocabulary import LIST_KINDS

DEADLINES: Final = ("overdue", "soon", "on_time")
# "Due soon": a pending step due within this many working days (and not yet overdue).
SOON_WORKING_DAYS: Final = 2
KINDS: Final = LIST_KINDS


@dataclass(frozen=True, slots=True)
class Chosen:
    """The filters as the officer chose them, to show them selected again."""

    status: str = ""
    deadline: str = ""
    kind: str = ""
    q: str = ""

    @property
    def any(self) -> bool:
        """Whether any filter or search is set."""
        return bool(self.status or self.deadline or self.kind or self.q)


def chosen(status: str | None, deadline: str | None, kind: str | None, q: str | None) -> Chosen:
    """The query's filters, stripped (empty means: not filtered)."""
    return Chosen(*((v or "").strip() for v in (status, deadline, kind, q)))


def filters(picked: Chosen, *, statuses: Sequence[str]) -> dict[str, Any]:
    """The service filter's fields for the officer's choice; ValueError for a bad value."""
    if picked.status and picked.status not in statuses:
        raise ValueError("status")
    if picked.deadline and picked.deadline not in DEADLINES:
        raise ValueError("deadline")
    if picked.kind and picked.kind not in KINDS:
        raise ValueError("kind")
    fields: dict[str, Any] = {
        "status": picked.status or None,
        "list_kind": picked.kind or None,
        "q": picked.q or None,
    }
    if picked.deadline == "overdue":
        fields["overdue"] = True
    elif picked.deadline == "on_time":
        fields["overdue"] = False
    elif picked.deadline == "soon":
        fields["overdue"] = False
        fields["due_within"] = SOON_WORKING_DAYS
    return fields


def template_context(picked: Chosen, statuses: Sequence[str], status_prefix: str) -> dict[str, Any]:
    """What the filter form shows: the choices, the ones picked, the status words' prefix."""
    return {
        "picked": picked,
        "statuses": tuple(statuses),
        "status_prefix": status_prefix,
        "deadlines": DEADLINES,
        "kinds": KINDS,
    }
