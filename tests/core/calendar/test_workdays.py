"""Working days: the official holiday calendar, its range, overrides and the counting rules."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.calendar.workdays import PACKAGE_YEARS, WorkCalendar, load_overrides
from core.errors import InvalidInput
from core.settings import Settings

FIRST_YEAR = PACKAGE_YEARS.start
LAST_YEAR = PACKAGE_YEARS.stop - 1
BEYOND = LAST_YEAR + 1


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def write(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


class TestPackageRange:
    def test_range_is_read_from_the_package_data(self):
        years = {day.year for day in chinese_calendar.holidays}
        assert range(min(years), max(years) + 1) == PACKAGE_YEARS
        assert 2025 in PACKAGE_YEARS

    def test_range_is_exactly_what_the_package_itself_accepts(self):
        chinese_calendar.is_workday(date(FIRST_YEAR, 1, 1))
        chinese_calendar.is_workday(date(LAST_YEAR, 12, 31))
        for outside in (date(FIRST_YEAR - 1, 12, 31), date(BEYOND, 1, 1)):
            with pytest.raises(NotImplementedError):
                chinese_calendar.is_workday(outside)

    def test_covered_years_without_overrides(self):
        assert WorkCalendar().covered_years() == frozenset(PACKAGE_YEARS)

    def test_agrees_with_the_package_on_every_covered_day(self):
        calendar = WorkCalendar()
        for day in days(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)):
            assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day


class TestSpringFestival2025:
    def test_the_festival_days_are_off(self):
        calendar = WorkCalendar()
        assert not any(calendar.is_workday(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))

    def test_the_make_up_weekend_days_are_working(self):
        calendar = WorkCalendar()
        assert date(2025, 1, 26).weekday() == 6
        assert date(2025, 2, 8).weekday() == 5
        assert calendar.is_workday(date(2025, 1, 26))
        assert calendar.is_workday(date(2025, 2, 8))

    def test_five_working_days_after_the_last_friday_before(self):
        # Sun 26 (make-up), Mon 27, then Feb 5, 6, 7 after the festival.
        assert WorkCalendar().add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 7)

    def test_count_across_the_festival(self):
        calendar = WorkCalendar()
        assert calendar.working_days_between(date(2025, 1, 24), date(2025, 2, 8)) == 6


class TestNationalDay2025:
    def test_the_holiday_days_are_off(self):
        calendar = WorkCalendar()
        assert not any(calendar.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))

    def test_the_make_up_weekend_days_are_working(self):
        calendar = WorkCalendar()
        assert calendar.is_workday(date(2025, 9, 28))
        assert calendar.is_workday(date(2025, 10, 11))
        assert not calendar.is_workday(date(2025, 9, 27))
        assert not calendar.is_workday(date(2025, 10, 12))

    def test_two_working_days_after_the_eve(self):
        assert WorkCalendar().add_working_days(date(2025, 9, 30), 2) == date(2025, 10, 10)

    def test_twenty_working_days_crossing_the_holiday(self):
        # Sep 28 (make-up), 29, 30; Oct 9, 10, 11 (make-up); then 14 Mon–Fri days.
        calendar = WorkCalendar()
        assert calendar.add_working_days(date(2025, 9, 26), 20) == date(2025, 10, 30)
        assert calendar.working_days_between(date(2025, 9, 26), date(2025, 10, 30)) == 20


class TestAddWorkingDays:
    def test_zero_returns_the_start_even_on_a_holiday(self):
        assert WorkCalendar().add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)

    def test_counting_starts_after_the_start_day(self):
        # Monday 2025-03-03 is a working day but is not counted.
        assert WorkCalendar().add_working_days(date(2025, 3, 3), 1) == date(2025, 3, 4)

    def test_starting_on_a_holiday(self):
        assert WorkCalendar().add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)

    def test_negative_is_refused(self):
        with pytest.raises(InvalidInput) as err:
            WorkCalendar().add_working_days(date(2025, 3, 3), -1)
        assert err.value.rule == "negative_working_days"


class TestWorkingDaysBetween:
    def test_same_day_is_zero(self):
        assert WorkCalendar().working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0

    def test_end_is_counted_start_is_not(self):
        calendar = WorkCalendar()
        # Fri 2025-03-07 → Mon 2025-03-10: only Monday counts.
        assert calendar.working_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 1
        assert calendar.working_days_between(date(2025, 3, 8), date(2025, 3, 9)) == 0

    def test_reversed_interval_is_negative(self):
        calendar = WorkCalendar()
        assert calendar.working_days_between(date(2025, 10, 30), date(2025, 9, 26)) == -20

    def test_across_a_year_boundary(self):
        calendar = WorkCalendar()
        # 2025-12-31 Wed → 2026-01-05 Mon: Jan 1–3 off, Jan 4 (Sun) a make-up day, Jan 5.
        assert calendar.working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2


class TestBeyondTheData:
    @pytest.mark.parametrize("year", [FIRST_YEAR - 1, BEYOND, BEYOND + 10])
    def test_an_uncovered_year_is_answered_provisionally(self, year):
        calendar = WorkCalendar()
        assert not calendar.is_official(year)
        # 1 June is never a statutory holiday: the plain weekday rule answers it.
        assert calendar.is_workday(date(year, 6, 1)) == (date(year, 6, 1).weekday() < 5)

    def test_counting_off_the_end_of_the_data_is_marked_provisional(self):
        calendar = WorkCalendar()
        start = date(LAST_YEAR, 12, 20)
        end = calendar.add_working_days(start, 30)
        assert end.year == BEYOND
        assert calendar.working_days_between(start, end) == 30
        assert calendar.provisional_between(start, end)
        assert calendar.provisional_between(end, start)

    def test_the_last_day_of_the_data_needs_nothing_beyond(self):
        end = date(LAST_YEAR, 12, 31)
        calendar = WorkCalendar()
        assert calendar.working_days_between(end - timedelta(10), end) >= 0
        assert not calendar.provisional_between(end - timedelta(10), end)
        # (end, end + 1] holds one provisional day; (end, end] holds none.
        assert calendar.provisional_between(end, end + timedelta(1))
        assert not calendar.provisional_between(end, end)

    def test_the_end_of_representable_dates_is_invalid_input(self):
        calendar = WorkCalendar()
        with pytest.raises(InvalidInput) as err:
            calendar.add_working_days(date.max - timedelta(3), 10)
        assert err.value.rule == "working_days_too_many"


class TestOverrides:
    def test_an_override_beats_the_package(self):
        calendar = WorkCalendar({date(2025, 10, 8): True, date(2025, 10, 9): False})
        assert calendar.is_workday(date(2025, 10, 8))
        assert not calendar.is_workday(date(2025, 10, 9))
        assert calendar.add_working_days(date(2025, 10, 7), 1) == date(2025, 10, 8)

    def test_an_extra_year_follows_monday_to_friday_except_overrides(self):
        calendar = WorkCalendar(
            {date(BEYOND, 1, 1): False, date(BEYOND, 2, 6): True}, extra_years={BEYOND}
        )
        assert calendar.covered_years() == frozenset(PACKAGE_YEARS) | {BEYOND}
        jan = days(date(BEYOND, 1, 2), date(BEYOND, 1, 31))
        assert [calendar.is_workday(d) for d in jan] == [d.weekday() < 5 for d in jan]
        assert not calendar.is_workday(date(BEYOND, 1, 1))
        assert calendar.is_workday(date(BEYOND, 2, 6))

    def test_an_extra_year_lets_counting_cross_the_end_of_the_data(self):
        calendar = WorkCalendar(extra_years={BEYOND})
        end = calendar.add_working_days(date(LAST_YEAR, 12, 20), 30)
        assert end.year == BEYOND
        assert calendar.working_days_between(date(LAST_YEAR, 12, 20), end) == 30

    def test_an_override_in_an_undeclared_year_is_refused(self):
        with pytest.raises(InvalidInput) as err:
            WorkCalendar({date(BEYOND, 1, 1): False})
        assert str(BEYOND) in err.value.detail

    def test_a_year_after_the_extra_one_is_still_provisional(self):
        calendar = WorkCalendar(extra_years={BEYOND})
        assert calendar.is_official(BEYOND)
        assert not calendar.is_official(BEYOND + 1)
        assert calendar.declared_years() == frozenset({BEYOND})
        assert calendar.provisional_between(date(BEYOND, 12, 1), date(BEYOND + 1, 1, 2))
        assert not calendar.provisional_between(date(BEYOND, 1, 1), date(BEYOND, 12, 31))

    def test_the_calendar_keeps_its_own_copy(self):
        source = {date(2025, 10, 8): True}
        calendar = WorkCalendar(source)
        source[date(2025, 10, 8)] = False
        assert calendar.is_workday(date(2025, 10, 8))


class TestLoadOverrides:
    def test_a_valid_file_makes_an_uncovered_year_usable(self, tmp_path):
        path = write(
            tmp_path,
            {"years": [BEYOND], "days": {f"{BEYOND}-01-01": False, f"{BEYOND}-02-06": True}},
        )
        overrides, years = load_overrides(path)
        assert years == frozenset({BEYOND})
        assert overrides == {date(BEYOND, 1, 1): False, date(BEYOND, 2, 6): True}
        # Provisionally 1 January is 元旦; the declared year follows the file instead.
        assert not WorkCalendar().is_official(BEYOND)
        calendar = WorkCalendar.from_overrides_file(path)
        assert calendar.is_official(BEYOND)
        assert not calendar.is_workday(date(BEYOND, 1, 1))
        assert calendar.is_workday(date(BEYOND, 2, 6))

    def test_days_in_package_years_need_no_declaration(self, tmp_path):
        overrides, years = load_overrides(write(tmp_path, {"days": {"2025-10-08": True}}))
        assert overrides == {date(2025, 10, 8): True}
        assert years == frozenset()

    def test_an_empty_object_is_no_overrides(self, tmp_path):
        assert load_overrides(write(tmp_path, {})) == ({}, frozenset())

    def test_no_file_configured_is_the_package_alone(self):
        assert WorkCalendar.from_overrides_file(None).covered_years() == frozenset(PACKAGE_YEARS)

    @pytest.mark.parametrize(
        ("content", "names"),
        [
            ("{not json", "line 1"),
            ("[2027]", "JSON object"),
            ({"years": [2027], "holidays": {}}, "'holidays'"),
            ({"years": 2027}, "'years'"),
            ({"years": [2027, True]}, "item 1"),
            ({"years": ["2027"]}, "item 0"),
            ({"years": [0]}, "item 0"),
            ({"years": [10000]}, "item 0"),
            ({"days": ["2025-10-08"]}, "'days'"),
            ({"days": {"2025-13-01": True}}, "'2025-13-01'"),
            ({"days": {"2025-02-30": True}}, "'2025-02-30'"),
            ({"days": {"20251008": True}}, "'20251008'"),
            ({"days": {"2025-W41-3": True}}, "'2025-W41-3'"),
            ({"days": {"2025-10-08": "yes"}}, "'2025-10-08'"),
            ({"days": {"2025-10-08": 1}}, "'2025-10-08'"),
            ('{"days": {"2025-10-08": true, "2025-10-08": false}}', "repeats"),
            ({"days": {f"{BEYOND}-01-01": False}}, str(BEYOND)),
        ],
    )
    def test_malformed_content_is_refused_naming_the_problem(self, tmp_path, content, names):
        with pytest.raises(InvalidInput) as err:
            load_overrides(write(tmp_path, content))
        assert err.value.rule == "holiday_overrides"
        assert names in err.value.detail

    def test_values_are_never_echoed(self, tmp_path):
        secret = "SECRET-VALUE-FROM-THE-FILE"
        for content in ({"days": {"2025-10-08": secret}}, {"years": [secret]}):
            with pytest.raises(InvalidInput) as err:
                load_overrides(write(tmp_path, content))
            assert secret not in err.value.detail

    def test_a_long_key_is_shortened(self, tmp_path):
        key = "k" * 500
        with pytest.raises(InvalidInput) as err:
            load_overrides(write(tmp_path, {key: 1}))
        assert key not in err.value.detail
        assert len(err.value.detail) < 200

    def test_a_missing_file_is_refused(self, tmp_path):
        with pytest.raises(InvalidInput) as err:
            load_overrides(tmp_path / "absent.json")
        assert "cannot be read" in err.value.detail

    def test_a_binary_file_is_refused(self, tmp_path):
        path = tmp_path / "holidays.json"
        path.write_bytes(b"\xff\xfe\x00")
        with pytest.raises(InvalidInput) as err:
            load_overrides(path)
        assert "UTF-8" in err.value.detail


class TestSetting:
    def test_the_overrides_file_is_configurable(self, monkeypatch, tmp_path):
        monkeypatch.delenv("CREDENCE_HOLIDAY_OVERRIDES_FILE", raising=False)
        assert Settings().holiday_overrides_file is None
        monkeypatch.setenv("CREDENCE_HOLIDAY_OVERRIDES_FILE", str(tmp_path / "h.json"))
        assert Settings().holiday_overrides_file == tmp_path / "h.json"


# Leave room after the start for 60 working days inside the package's data.
covered_days = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 9, 30))
counts = st.integers(min_value=0, max_value=60)
CALENDAR = WorkCalendar()


class TestCountingProperties:
    @given(covered_days, st.integers(min_value=1, max_value=60))
    def test_the_nth_working_day_is_a_working_day(self, start, n):
        assert CALENDAR.is_workday(CALENDAR.add_working_days(start, n))

    @given(covered_days, counts)
    def test_adding_then_counting_gives_n_back(self, start, n):
        assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n

    @given(covered_days, counts)
    def test_more_working_days_end_strictly_later(self, start, n):
        assert CALENDAR.add_working_days(start, n) < CALENDAR.add_working_days(start, n + 1)

    @given(covered_days, covered_days, counts)
    def test_a_later_start_never_ends_earlier(self, a, b, n):
        early, late = sorted((a, b))
        assert CALENDAR.add_working_days(early, n) <= CALENDAR.add_working_days(late, n)

    @given(covered_days, covered_days)
    def test_counting_backwards_is_the_negative(self, a, b):
        assert CALENDAR.working_days_between(a, b) == -CALENDAR.working_days_between(b, a)

    @given(covered_days, st.integers(min_value=1, max_value=60))
    def test_no_working_day_is_skipped(self, start, n):
        end = CALENDAR.add_working_days(start, n)
        between = days(start + timedelta(1), end)
        assert sum(CALENDAR.is_workday(d) for d in between) == n
