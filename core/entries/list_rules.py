"""The red/black list rules of §5 (1798号) as pure functions.

Invariants:
- pure: facts in, a decision out; nothing here reads a database, a clock or a setting;
- every refusal is a `DomainError` with a stable `rule`, and no message carries
  personal data (only closed-vocabulary words and dates);
- a date returned as the end of a period is exclusive — the first day the period no
  longer runs — like `display_until` (displayed while today < display_until). Periods
  are counted as Chinese law counts them (Civil Code arts. 201, 203): the start day is
  not counted and the last day runs to midnight;
- a natural person always gets a prior notice before a black entry takes effect;
  an erroneous listing (objection upheld) never leads to the watch list;
- unknown words (code kinds, exit reasons, severities) are refused, never read as a default.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from core.calendar.workdays import WorkCalendar
from core.cases.deadlines import Due, recount
from core.entries.display import add_months
from core.errors import Conflict, InvalidInput

# §5.1: default prior-notice period of a black entry for a natural person.
BLACK_NOTICE_WORKING_DAYS = 5
# §5.2: default public-notice period of a red entry.
RED_NOTICE_DAYS = 10
# §5.5: watch entries in this many distinct domains put a subject on the warning list.
WARNING_DOMAINS = 3

CODE_KINDS = frozenset({"citizen", "org"})
EXIT_REASONS = frozenset(
    {"repaired", "expired", "withdrawn", "criteria_changed", "objection_upheld"}
)
# §5.4: the one exit that means the entry should never have existed.
ERRONEOUS_EXIT = "objection_upheld"
SEVERITIES = frozenset({"minor", "general", "serious"})
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class EntryFacts:
    """What the list rules need to know of one of a subject's active entries."""

    id: uuid.UUID
    list_kind: str
    domain: str
    severity: str


def black_notice_until(
    *,
    recorded_on: date,
    code_kind: str,
    calendar: WorkCalendar,
    working_days: int = BLACK_NOTICE_WORKING_DAYS,
) -> date | None:
    """First day a black entry may take effect after prior notice; None for an organisation."""
    if code_kind not in CODE_KINDS:
        raise InvalidInput("code_kind must be 'citizen' or 'org'", rule="unknown_code_kind")
    if code_kind == "org":
        # 事前告知 (§5.1) is owed to natural persons only.
        return None
    if working_days < 1:
        # A zero-day notice is no notice: the person could never object in time.
        raise InvalidInput(
            "the prior-notice period must be at least one working day", rule="notice_period"
        )
    # The notice runs through the whole of its last working day; the entry takes
    # effect the day after.
    return calendar.add_working_days(recorded_on, working_days) + _ONE_DAY


def recount_black_notice(
    *, shown: date, recorded_on: date, provisional_days: int | None, calendar: WorkCalendar
) -> Due:
    """A black entry's notice end as it reads today; never earlier than first shown (§4)."""
    # The notice is owed to the citizen: counted again on official data it may grow only.
    last_day = recount(
        shown - _ONE_DAY,
        start=recorded_on,
        provisional_days=provisional_days,
        calendar=calendar,
        owed_to_citizen=True,
    )
    return Due(last_day.day + _ONE_DAY, last_day.provisional)


def red_notice_until(*, recorded_on: date, days: int = RED_NOTICE_DAYS) -> date:
    """First day after a red entry's public notice of `days` calendar days."""
    if days < 1:
        raise InvalidInput(
            "the public-notice period must be at least one day", rule="notice_period"
        )
    # Start day not counted, last day counted in full: recorded_on + days + 1 is exclusive.
    return recorded_on + timedelta(days=days + 1)


def check_red_allowed(*, subject_has_active_black: bool) -> None:
    """Refuse a red entry for a subject on a black list (§5.3)."""
    if subject_has_active_black:
        raise Conflict(
            "a subject with an active black-list entry cannot enter a red list",
            rule="red_while_black",
        )


def reds_removed_by_black(active_entries: Iterable[EntryFacts]) -> list[EntryFacts]:
    """The subject's red entries a new black entry removes (§5.3), in the order given."""
    return [entry for entry in active_entries if entry.list_kind == "red"]


def watch_after_exit(*, exit_reason: str, exited_on: date, watch_months: int) -> date | None:
    """End of the watch period after a black-list exit; None after an erroneous listing."""
    if exit_reason not in EXIT_REASONS:
        raise InvalidInput(
            "exit reason must be one of " + ", ".join(sorted(EXIT_REASONS)),
            rule="unknown_exit_reason",
        )
    if exit_reason == ERRONEOUS_EXIT:
        # The listing was wrong (§5.4): nothing follows from it, not even a watch.
        return None
    if watch_months < 1:
        raise InvalidInput(
            "the watch period after a black-list exit must be at least one month",
            rule="watch_period",
        )
    return add_months(exited_on, watch_months)


def on_warning_list(watch_domains: Iterable[str]) -> bool:
    """Whether watch entries in these domains put the subject on the warning list (§5.5)."""
    return len(set(watch_domains)) >= WARNING_DOMAINS


def escalates_to_black(*, severity: str, on_watch: bool) -> bool:
    """Whether a new violation of this severity moves a subject from watch to black (§5.5)."""
    if severity not in SEVERITIES:
        raise InvalidInput(
            "severity must be one of minor, general, serious", rule="unknown_severity"
        )
    return on_watch and severity == "serious"


def check_validity(*, decided_on: date, display_until: date | None, valid_until: date) -> None:
    """Refuse a validity end before the decision, or a display that outlasts validity."""
    if valid_until < decided_on:
        raise InvalidInput(
            "valid_until must not be before decided_on", rule="validity_before_decision"
        )
    if display_until is not None and display_until > valid_until:
        # An entry exits when its validity ends (§5.4), so display cannot run past it.
        raise InvalidInput(
            "display_until must not be after valid_until", rule="display_beyond_validity"
        )
