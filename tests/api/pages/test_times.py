"""How pages show time: CST, labelled, to the minute; end days inclusive."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.pages import times


class TestMinute:
    def test_utc_instant_is_shown_in_cst_with_its_zone(self) -> None:
        at = datetime(2026, 12, 4, 7, 5, 59, 123456, tzinfo=UTC)
        assert times.minute(at, "zh") == "2026-12-04 15:05 北京时间"
        assert times.minute(at, "en") == "2026-12-04 15:05 CST"


class TestEnds:
    def test_an_end_at_cst_midnight_is_the_day_before_inclusive(self) -> None:
        end = datetime(2027, 1, 1, 16, 0, tzinfo=UTC)  # 2027-01-02 00:00 CST
        assert times.ends(end, "zh") == "2027-01-01（含当日）"
        assert times.ends(end, "en") == "2027-01-01 (inclusive)"

    def test_an_end_inside_a_day_is_its_minute(self) -> None:
        end = datetime(2027, 1, 1, 8, 30, tzinfo=UTC)
        assert times.ends(end, "zh") == "2027-01-01 16:30 北京时间"

    def test_a_last_day_is_marked_inclusive(self) -> None:
        assert times.last_day(date(2027, 1, 1), "zh") == "2027-01-01（含当日）"

    def test_an_exclusive_end_day_is_the_day_before_inclusive(self) -> None:
        # An entry displayed while today < 2027-03-02 is last shown on 2027-03-01.
        assert times.ends_on(date(2027, 3, 2), "zh") == "2027-03-01（含当日）"
        assert times.ends_on(date(2027, 3, 1), "en") == "2027-02-28 (inclusive)"
        assert times.ends_on(None, "zh") == ""
