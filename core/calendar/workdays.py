"""Working days on the Chinese holiday calendar (§4: deadlines count working days).

Invariants:
- a year is *official* when the `chinesecalendar` package's data covers it or the
  overrides file declares it; every other year is *provisional*;
- a day is a working day by, in order: an override; the package's data (statutory
  holidays off, make-up weekend days on, otherwise Monday–Friday); in a declared year,
  the plain Monday–Friday rule; in a provisional year, Monday–Friday less the statutory
  holidays and their make-up days (core.calendar.provisional_holidays);
- the calendar never refuses a date: a provisional year is answered, and
  `provisional_between` says when a count touched one, so the deadline can be marked and
  counted again once the official schedule arrives;
- an override may only name a day in an official year, so a lone override cannot make a
  year look official;
- periods are counted as Chinese law counts them (Civil Code art. 201): the start day is
  not counted, so `add_working_days(d, n)` is strictly after `d` and
  `working_days_between` counts the half-open interval (start, end];
- pure: no I/O except `load_overrides`, which only reads the file it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import chinese_calendar

from core.calendar.provisional_holidays import days_off
from core.errors import InvalidInput


def _package_years() -> range:
    # The package refuses any year outside min..max of its holiday table (its own
    # `_validate_date` rule), so the range is read from that table, never hard-coded:
    # upgrading the package widens it by itself.
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


PACKAGE_YEARS: range = _package_years()
# Read once: the package's `is_workday` rescans its whole table on every call.
_PACKAGE_DAYS_OFF: frozenset[date] = frozenset(chinese_calendar.holidays)
_PACKAGE_DAYS_ON: frozenset[date] = frozenset(chinese_calendar.workdays)
_ONE_DAY = timedelta(days=1)
_RULE = "holiday_overrides"
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _quote(text: str) -> str:
    # Echo at most a short key from a file, never a whole value.
    return repr(text if len(text) <= 32 else text[:32] + "…")


def _check_covered(days: Iterable[date], extra_years: frozenset[int]) -> None:
    for day in days:
        if day.year not in PACKAGE_YEARS and day.year not in extra_years:
            raise InvalidInput(
                f"holiday override {day.isoformat()} lies in {day.year}, which neither the "
                "package nor the declared years cover; add the year to 'years'",
                rule=_RULE,
            )


class WorkCalendar:
    """Working days: official where the package or the overrides cover, provisional elsewhere."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        extra_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar; `extra_years` are years beyond the package that follow Mon–Fri."""
        self._extra_years = frozenset(extra_years)
        days = {day: bool(working) for day, working in (overrides or {}).items()}
        _check_covered(days, self._extra_years)
        self._overrides: Mapping[date, bool] = MappingProxyType(days)

    @classmethod
    def from_overrides_file(cls, path: Path | None) -> WorkCalendar:
        """The calendar for a configured overrides file (the package alone when None)."""
        if path is None:
            return cls()
        days, years = load_overrides(path)
        return cls(days, extra_years=years)

    def covered_years(self) -> frozenset[int]:
        """Every official year: the package's range and the declared years."""
        return frozenset(PACKAGE_YEARS) | self._extra_years

    def declared_years(self) -> frozenset[int]:
        """The years the overrides file declares official beyond the package's data."""
        return self._extra_years

    def is_official(self, year: int) -> bool:
        """Whether `year` follows the official schedule (otherwise the provisional rule)."""
        return year in PACKAGE_YEARS or year in self._extra_years

    def provisional_between(self, start: date, end: date) -> bool:
        """Whether any day of (start, end] (either order) lies in a provisional year."""
        low, high = (start, end) if start <= end else (end, start)
        if low == high:
            return False
        first = low.year if low.month < 12 or low.day < 31 else low.year + 1
        return any(not self.is_official(year) for year in range(first, high.year + 1))

    def is_workday(self, day: date) -> bool:
        """Whether people work on `day`, on the official or else the provisional calendar."""
        override = self._overrides.get(day)
        if override is not None:
            return override
        if day.year in PACKAGE_YEARS:
            # The package's own rule, on its own data.
            return day in _PACKAGE_DAYS_ON or (day.weekday() < 5 and day not in _PACKAGE_DAYS_OFF)
        if day.year in self._extra_years:
            return day.weekday() < 5
        return day.weekday() < 5 and day not in days_off(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start` (`start` itself when n == 0)."""
        if n < 0:
            raise InvalidInput(
                "a number of working days cannot be negative", rule="negative_working_days"
            )
        day = start
        while n:
            day = _next_day(day)
            if self.is_workday(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, -(count in (end, start]), when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count


def _next_day(day: date) -> date:
    if day == date.max:
        # No date follows 9999-12-31: a count that runs past it is a wrong count.
        raise InvalidInput(
            "a number of working days runs past the last representable date",
            rule="working_days_too_many",
        )
    return day + _ONE_DAY


def load_overrides(path: Path) -> tuple[dict[date, bool], frozenset[int]]:
    """Read `{"years": [2027], "days": {"2027-01-01": false}}`; InvalidInput names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInput(
            f"holiday overrides file {str(path)!r} cannot be read ({err.strerror})", rule=_RULE
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            f"holiday overrides file {str(path)!r} is not UTF-8 text", rule=_RULE
        ) from None
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicates)
    except json.JSONDecodeError as err:
        # The position only: the decoder's message is safe but the document is not echoed.
        raise InvalidInput(
            f"holiday overrides file is not valid JSON (line {err.lineno}, column {err.colno})",
            rule=_RULE,
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput("holiday overrides must be a JSON object", rule=_RULE)
    for key in data:
        if key not in ("years", "days"):
            raise InvalidInput(
                f"holiday overrides has an unknown key {_quote(key)}; "
                "only 'years' and 'days' are read",
                rule=_RULE,
            )
    years = _parse_years(data.get("years", []))
    days = _parse_days(data.get("days", {}))
    _check_covered(days, years)
    return days, years


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; a calendar that says a day is both
    # off and on must be fixed by a person, not resolved by file order.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidInput(f"holiday overrides repeats the key {_quote(key)}", rule=_RULE)
        result[key] = value
    return result


def _parse_years(raw: object) -> frozenset[int]:
    if not isinstance(raw, list):
        raise InvalidInput("holiday overrides: 'years' must be a list of years", rule=_RULE)
    years: set[int] = set()
    for index, item in enumerate(raw):
        # bool is an int subclass; `true` is not a year.
        if type(item) is not int or not date.min.year <= item <= date.max.year:
            raise InvalidInput(
                f"holiday overrides: 'years' item {index} must be a year between "
                f"{date.min.year} and {date.max.year}",
                rule=_RULE,
            )
        years.add(item)
    return frozenset(years)


def _parse_days(raw: object) -> dict[date, bool]:
    if not isinstance(raw, dict):
        raise InvalidInput(
            "holiday overrides: 'days' must be an object of YYYY-MM-DD: true/false", rule=_RULE
        )
    days: dict[date, bool] = {}
    for key, value in raw.items():
        # fromisoformat alone would also take "20270101" or "2027-W01-1".
        try:
            day = date.fromisoformat(key) if _ISO_DAY.fullmatch(key) else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidInput(
                f"holiday overrides: 'days' key {_quote(key)} is not a date (YYYY-MM-DD)",
                rule=_RULE,
            )
        if not isinstance(value, bool):
            raise InvalidInput(
                f"holiday overrides: 'days' entry {_quote(key)} must be true (working) "
                "or false (day off)",
                rule=_RULE,
            )
        days[day] = value
    return days
