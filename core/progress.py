"""How a long operation reports how far it has got; the command line draws it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told the amount of work once known, then each part done."""

    def total(self, count: int | None) -> None:
        """The amount of work (None: not known in advance)."""

    def advance(self, count: int = 1) -> None:
        """`count` more parts are done."""


class _Silent:
    """Progress nobody watches."""

    def total(self, count: int | None) -> None:
        return None

    def advance(self, count: int = 1) -> None:
        return None


SILENT: Progress = _Silent()
