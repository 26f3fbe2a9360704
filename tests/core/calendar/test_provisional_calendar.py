"""The provisional holiday calendar: statutory holidays, make-up days, and counting again."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from lunar_python import Lunar

from core.calendar.provisional_holidays import days_off, make_up_days, statutory_holidays
from core.calendar.workdays import PACKAGE_YEARS, WorkCalendar
from core.cases.deadlines import clock_for, recount, working_due
from core.entries.list_rules import black_notice_until, recount_black_notice

CALENDAR = WorkCalendar()


def _official(tmp_path: Path, year: int, days: dict[str, bool] | None = None) -> WorkCalendar:
    """The calendar once an overrides file declares `year` official (the schedule arrived)."""
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"years": [year], "days": days or {}}), "utf-8")
    return WorkCalendar.from_overrides_file(path)


class TestAgainstTheOfficialYears:
    @pytest.mark.parametrize("year", [2025, 2026])
    def test_every_statutory_holiday_is_a_holiday_in_the_package(self, year):
        for day in statutory_holidays(year):
            assert chinese_calendar.is_holiday(day), day
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            assert on_holiday, day
            assert name is not None, day

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_thirteen_days_by_name_as_the_package_names_them(self, year):
        names: dict[str, int] = {}
        for day in statutory_holidays(year):
            name = chinese_calendar.get_holiday_detail(day)[1]
            names[name] = names.get(name, 0) + 1
        assert names == {
            "New Year's Day": 1,
            "Spring Festival": 4,
            "Tomb-sweeping Day": 1,
            "Labour Day": 2,
            "Dragon Boat Festival": 1,
            "Mid-autumn Festival": 1,
            "National Day": 3,
        }

    def test_both_years_are_official_in_the_package(self):
        assert {2025, 2026} <= set(PACKAGE_YEARS)


class TestYear2027:
    def test_spring_festival_by_hand(self):
        holidays = statutory_holidays(2027)
        # 初一 2027-02-06 (Sat); 除夕 the day before; 初二, 初三.
        assert {date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)} <= holidays
        assert date(2027, 2, 4) not in holidays
        assert date(2027, 2, 9) not in holidays

    def test_the_other_holidays(self):
        assert statutory_holidays(2027) - {
            date(2027, 2, 5),
            date(2027, 2, 6),
            date(2027, 2, 7),
            date(2027, 2, 8),
        } == {
            date(2027, 1, 1),
            date(2027, 4, 5),  # 清明
            date(2027, 5, 1),
            date(2027, 5, 2),
            date(2027, 6, 9),  # 端午 五月初五
            date(2027, 9, 15),  # 中秋 八月十五
            date(2027, 10, 1),
            date(2027, 10, 2),
            date(2027, 10, 3),
        }

    def test_weekend_holidays_are_made_up_on_the_next_free_weekdays(self):
        # 初一 Sat, 初二 Sun → Tue 9, Wed 10 (Mon 8 is 初三 itself); 1–2 May Sat–Sun → 3, 4;
        # 2–3 Oct Sat–Sun → 4, 5.
        assert make_up_days(statutory_holidays(2027)) == {
            date(2027, 2, 9),
            date(2027, 2, 10),
            date(2027, 5, 3),
            date(2027, 5, 4),
            date(2027, 10, 4),
            date(2027, 10, 5),
        }

    def test_working_days_follow(self):
        assert not CALENDAR.is_official(2027)
        spring = [date(2027, 2, 4) + timedelta(n) for n in range(8)]
        assert [CALENDAR.is_workday(d) for d in spring] == [
            True,  # Thu 4
            False,  # 除夕
            False,
            False,
            False,  # 初三 Mon
            False,  # make-up Tue
            False,  # make-up Wed
            True,  # Thu 11
        ]
        assert CALENDAR.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
        assert CALENDAR.is_workday(date(2027, 6, 8))
        assert not CALENDAR.is_workday(date(2027, 6, 9))


class TestYear2031:
    def test_holidays_from_the_library(self):
        spring = Lunar.fromYmd(2031, 1, 1).getSolar()
        assert (spring.getYear(), spring.getMonth(), spring.getDay()) == (2031, 1, 23)
        holidays = statutory_holidays(2031)
        assert {date(2031, 1, 22), date(2031, 1, 23), date(2031, 1, 24), date(2031, 1, 25)} <= (
            holidays
        )
        assert date(2031, 4, 5) in holidays  # 清明, a Saturday
        assert date(2031, 6, 24) in holidays  # 端午
        # 中秋 falls on 国庆 1 October: one day off, twelve distinct dates.
        assert Lunar.fromYmd(2031, 8, 15).getSolar().toYmd() == "2031-10-01"
        assert len(holidays) == 12

    def test_make_up_days(self):
        # 初三 Sat 25 Jan → Mon 27; 清明 Sat 5 Apr → Mon 7 Apr; 1–3 Oct are Wed–Fri.
        assert make_up_days(statutory_holidays(2031)) == {date(2031, 1, 27), date(2031, 4, 7)}
        assert date(2031, 1, 27) in days_off(2031)
        assert CALENDAR.add_working_days(date(2031, 1, 21), 1) == date(2031, 1, 28)

    def test_a_make_up_day_skips_a_holiday_and_another_make_up_day(self):
        # Two weekend holidays back to back with a holiday on the Monday after.
        holidays = frozenset({date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)})
        assert make_up_days(holidays) == {date(2027, 2, 9), date(2027, 2, 10)}


class TestMarking:
    def test_a_count_inside_official_data_is_not_provisional(self):
        due = working_due(date(2026, 3, 2), 5, CALENDAR)
        assert due.day == date(2026, 3, 9)
        assert not due.provisional

    def test_a_count_into_a_provisional_year_is(self):
        due = working_due(date(2026, 12, 30), 3, CALENDAR)
        # Dec 31 (official), Jan 1 元旦 off, Jan 4, Jan 5.
        assert due.day == date(2027, 1, 5)
        assert due.provisional

    def test_a_clock_counted_across_a_provisional_year_is_marked(self):
        clock = clock_for("resolve", date(2027, 1, 20), date(2026, 12, 20), CALENDAR)
        assert clock.provisional
        assert not clock_for(
            "resolve", date(2026, 12, 30), date(2026, 12, 20), CALENDAR
        ).provisional


class TestRecount:
    def test_official_data_moves_a_department_deadline_earlier(self, tmp_path):
        # Provisionally 2027-02-09 and 10 are make-up days off; the schedule makes them work.
        first = working_due(date(2027, 2, 4), 2, CALENDAR)
        assert first.day == date(2027, 2, 12)
        assert first.provisional
        official = _official(
            tmp_path, 2027, {f"2027-02-{d:02d}": False for d in (5, 8)}
        )  # only 除夕 and 初三 off on weekdays
        again = recount(
            first.day,
            start=date(2027, 2, 4),
            provisional_days=2,
            calendar=official,
            owed_to_citizen=False,
        )
        assert again.day == date(2027, 2, 10)
        assert not again.provisional

    def test_a_citizen_deadline_that_would_move_earlier_stays_at_the_first_shown(self, tmp_path):
        recorded = date(2027, 2, 3)
        shown = black_notice_until(recorded_on=recorded, code_kind="citizen", calendar=CALENDAR)
        # Feb 4, (5–10 off), 11, 12, 15, 16 → last notice day Feb 16, in effect from Feb 17.
        assert shown == date(2027, 2, 17)
        official = _official(tmp_path, 2027, {"2027-02-05": False, "2027-02-08": False})
        # Officially the notice would end sooner (Feb 4, 9, 10, 11, 12 → from Feb 13) …
        assert black_notice_until(recorded_on=recorded, code_kind="citizen", calendar=official) == (
            date(2027, 2, 13)
        )
        again = recount_black_notice(
            shown=shown, recorded_on=recorded, provisional_days=5, calendar=official
        )
        # … but the citizen keeps the date first shown; it is no longer provisional.
        assert again.day == shown
        assert not again.provisional

    def test_a_citizen_deadline_that_moves_later_follows_it(self, tmp_path):
        recorded = date(2027, 4, 26)
        shown = black_notice_until(recorded_on=recorded, code_kind="citizen", calendar=CALENDAR)
        # Apr 27, 28, 29, 30, (May 1–4 off) May 5 → from May 6.
        assert shown == date(2027, 5, 6)
        # The official schedule gives 1–5 May off.
        official = _official(tmp_path, 2027, {f"2027-05-0{d}": False for d in (3, 4, 5)})
        again = recount_black_notice(
            shown=shown, recorded_on=recorded, provisional_days=5, calendar=official
        )
        assert again.day == date(2027, 5, 7)
        assert not again.provisional

    def test_an_official_deadline_is_never_counted_again(self, tmp_path):
        official = _official(tmp_path, 2027, {"2027-03-01": False})
        kept = recount(
            date(2027, 3, 3),
            start=date(2027, 2, 26),
            provisional_days=None,
            calendar=official,
            owed_to_citizen=False,
        )
        assert kept.day == date(2027, 3, 3)
        assert not kept.provisional

    def test_while_still_provisional_the_count_reads_the_same(self):
        again = recount(
            date(2027, 2, 12),
            start=date(2027, 2, 4),
            provisional_days=2,
            calendar=CALENDAR,
            owed_to_citizen=True,
        )
        assert again.day == date(2027, 2, 12)
        assert again.provisional
