"""A `core.progress.Progress` that remembers what it was told."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Recorded:
    """The totals announced and the parts advanced, in order."""

    totals: list[int | None] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)

    def total(self, count: int | None) -> None:
        self.totals.append(count)

    def advance(self, count: int = 1) -> None:
        self.steps.append(count)

    @property
    def done(self) -> int:
        """Every part advanced so far."""
        return sum(self.steps)
