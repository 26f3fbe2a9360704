"""How a person reads time on a page or in the PDF: China Standard Time, labelled, to the minute.

Invariants: every instant shown goes through `minute` (CST, minute precision, the zone
named in the page's language); every last day of a period is shown with `last_day`
(the day itself, marked inclusive, 含当日); an exclusive end instant at a CST midnight is
shown as the inclusive day before it, so "含当日 2027-01-01" is never "2027-01-02 00:00";
an exclusive end day (an entry's `display_until`, the first day it is no longer shown)
is shown with `ends_on` as the inclusive day before it, so one convention holds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from core.clock import CST

ZONE: Final = {"zh": "北京时间", "en": "CST"}
INCLUSIVE: Final = {"zh": "（含当日）", "en": " (inclusive)"}


def minute(instant: datetime | None, lang: str) -> str:
    """An instant in China Standard Time to the minute, with the zone's label."""
    if instant is None:
        return ""
    local = instant.astimezone(CST).strftime("%Y-%m-%d %H:%M")
    return f"{local} {ZONE.get(lang, ZONE['zh'])}"


def last_day(day: date | None, lang: str) -> str:
    """The last day of a period, marked as included (含当日)."""
    if day is None:
        return ""
    return f"{day.isoformat()}{INCLUSIVE.get(lang, INCLUSIVE['zh'])}"


def ends(instant: datetime | None, lang: str) -> str:
    """An exclusive end instant: the inclusive last day when it falls on a CST midnight."""
    if instant is None:
        return ""
    local = instant.astimezone(CST)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return last_day((local - timedelta(days=1)).date(), lang)
    return minute(instant, lang)


def ends_on(day: date | None, lang: str) -> str:
    """An exclusive end day (the first day no longer in the period): the inclusive day before."""
    if day is None:
        return ""
    return last_day(day - timedelta(days=1), lang)
