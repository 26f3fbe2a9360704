"""The project clock: the one source of time, so tests can move it without sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone

# The regulations count days in China Standard Time.
CST = timezone(timedelta(hours=8))


def local_date(instant: datetime) -> date:
    """The calendar date of an instant in China Standard Time (how display days are counted)."""
    return instant.astimezone(CST).date()


class Clock:
    """Wall-clock time in UTC, optionally frozen or shifted (tests, demos)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def today(self) -> date:
        """The current date (UTC+8, the calendar the regulations count in)."""
        return local_date(self.now())

    def freeze(self, at: datetime) -> None:
        """Stop time at one instant."""
        if at.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        with self._lock:
            self._frozen = at.astimezone(UTC)

    def start_at(self, at: datetime) -> None:
        """Run on from one instant at the wall clock's pace (demos, end-to-end test servers)."""
        if at.tzinfo is None:
            raise ValueError("the clock takes timezone-aware instants")
        with self._lock:
            self._frozen = None
            self._offset = at.astimezone(UTC) - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) by a delta."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        """Return to real time."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)


clock = Clock()
