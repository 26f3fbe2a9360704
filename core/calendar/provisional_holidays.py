"""Statutory days off of a year the official schedule does not cover yet (§4).

Invariants:
- the holidays are those of the 全国年节及纪念日放假办法 as amended in 2024 (in force from
  2025), article 2: 元旦 1 January; 春节 农历除夕 and 正月初一 to 初三; 清明节 the day of the
  Qingming solar term; 劳动节 1–2 May; 端午节 农历五月初五; 中秋节 农历八月十五; 国庆节 1–3 October;
- lunar dates and the solar term come from `lunar_python`, never from a table kept here;
  除夕 is the day before 正月初一, so a twelfth month of 29 days gives 廿九;
- article 6: a holiday that falls on a Saturday or Sunday is made up on a working day.
  Each such day gets the next Monday–Friday that is neither a holiday nor already a
  make-up day, in date order (two holidays on one day are one day off, and get no
  make-up: article 6 speaks of weekends only);
- the State Council's yearly notice also moves weekend days to working days (调休) and
  may lengthen a holiday; neither can be predicted, so they are not guessed here;
- pure and deterministic: a year in, a set of dates out.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar, Solar

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


def _lunar_day(year: int, month: int, day: int) -> date:
    """The Gregorian date of a (non-leap) lunar month's day in lunar year `year`."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    # Mid-April lies in lunar year `year`, whose solar-term table holds this year's 清明.
    solar = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_holidays(year: int) -> frozenset[date]:
    """The nationwide holidays of `year` by article 2, before any make-up day."""
    spring = _lunar_day(year, 1, 1)
    return frozenset(
        {
            date(year, 1, 1),
            spring - _ONE_DAY,  # 除夕
            spring,
            spring + _ONE_DAY,
            spring + 2 * _ONE_DAY,
            _qingming(year),
            date(year, 5, 1),
            date(year, 5, 2),
            _lunar_day(year, 5, 5),
            _lunar_day(year, 8, 15),
            date(year, 10, 1),
            date(year, 10, 2),
            date(year, 10, 3),
        }
    )


def make_up_days(holidays: frozenset[date]) -> frozenset[date]:
    """Article 6: a weekday off for each holiday on a weekend (the next free weekday)."""
    taken: set[date] = set()
    for day in sorted(holidays):
        if day.weekday() < _SATURDAY:
            continue
        candidate = day + _ONE_DAY
        while candidate.weekday() >= _SATURDAY or candidate in holidays or candidate in taken:
            candidate += _ONE_DAY
        taken.add(candidate)
    return frozenset(taken)


@lru_cache(maxsize=64)
def days_off(year: int) -> frozenset[date]:
    """Every weekday off in `year` on the provisional calendar: holidays and make-up days."""
    holidays = statutory_holidays(year)
    return frozenset(d for d in holidays if d.weekday() < _SATURDAY) | make_up_days(holidays)
