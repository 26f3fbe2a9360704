"""The project clock: frozen and moved by tests; days counted in China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.clock import clock, local_date
from tests.conftest import PINNED_AT, pin_clock


class TestClock:
    def test_display_days_turn_at_midnight_beijing_time_not_utc(self):
        assert local_date(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == date(2026, 3, 1)
        assert local_date(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == date(2026, 3, 2)

    def test_freeze_and_advance(self):
        clock.freeze(datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
        assert clock.today() == date(2026, 3, 2)
        clock.advance(timedelta(days=2))
        assert clock.now() == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)

    def test_naive_instants_are_refused(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            clock.freeze(datetime(2026, 3, 1))

    def test_start_at_runs_on_from_the_instant_given(self):
        at = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
        clock.freeze(datetime(2026, 3, 1, tzinfo=UTC))
        clock.start_at(at)
        first = clock.now()
        assert first >= at
        assert clock.today() == date(2025, 3, 3)
        clock.advance(timedelta(days=1))
        assert clock.now() >= first + timedelta(days=1)
        assert clock.today() == date(2025, 3, 4)

    def test_start_at_refuses_naive_instants(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            clock.start_at(datetime(2026, 3, 1))


class TestPinnedClock:
    """tests/conftest.py: every test runs on one chosen day, whatever the machine's date."""

    def test_a_test_starts_on_the_pinned_day(self):
        assert PINNED_AT.year in (2025, 2026)  # years the holiday calendar covers
        assert clock.now() >= PINNED_AT
        assert clock.today() == local_date(PINNED_AT)

    def test_a_moved_clock_is_put_back_on_the_pinned_time_line(self):
        clock.freeze(datetime(2031, 3, 1, tzinfo=UTC))
        pin_clock()  # what the autouse fixture runs before and after every test
        assert clock.today() == local_date(PINNED_AT)
