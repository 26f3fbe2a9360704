"""Moving the project clock."""

from __future__ import annotations

from datetime import date, datetime

from core.clock import CST, clock


def at(day: date, hour: int = 10) -> None:
    """Freeze the project clock at `hour`:00, China time, on `day`."""
    clock.freeze(datetime(day.year, day.month, day.day, hour, 0, tzinfo=CST))
