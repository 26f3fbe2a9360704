"""Audit rules: night is judged in China Standard Time; bulk is strictly over the threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.audit.rules import AuditRules, is_bulk, is_night
from core.clock import CST

RULES = AuditRules(office_hours=(8, 20), bulk_queries=3)


class TestNight:
    @pytest.mark.parametrize(
        ("hour", "night"), [(0, True), (7, True), (8, False), (19, False), (20, True), (23, True)]
    )
    def test_office_hours_in_cst(self, hour: int, night: bool) -> None:
        assert is_night(datetime(2026, 11, 24, hour, 30, tzinfo=CST), RULES) is night

    def test_a_utc_instant_is_judged_by_its_cst_hour(self) -> None:
        # 01:00 UTC is 09:00 in Beijing: office hours, whatever the server's zone.
        assert not is_night(datetime(2026, 11, 24, 1, 0, tzinfo=UTC), RULES)
        assert is_night(datetime(2026, 11, 24, 13, 0, tzinfo=UTC), RULES)


class TestBulk:
    def test_strictly_more_than_the_threshold(self) -> None:
        assert [is_bulk(n, RULES) for n in (1, 3, 4)] == [False, False, True]


class TestRulesAreChecked:
    @pytest.mark.parametrize("hours", [(20, 8), (8, 8), (-1, 10), (8, 25)])
    def test_bad_office_hours_are_refused(self, hours: tuple[int, int]) -> None:
        with pytest.raises(ValueError, match="office hours"):
            AuditRules(office_hours=hours)

    def test_zero_threshold_is_refused(self) -> None:
        with pytest.raises(ValueError, match="bulk"):
            AuditRules(bulk_queries=0, bulk_window=timedelta(minutes=1))
