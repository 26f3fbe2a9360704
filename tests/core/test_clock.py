"""The project clock: frozen and moved by tests; days counted in China Standard Time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.clock import clock, local_date


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
