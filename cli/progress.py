"""A progress bar on a terminal; silence otherwise (the command prints its summary line)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.progress import Progress


class _Bar:
    """`core.progress.Progress` drawn by rich on standard error."""

    def __init__(self, bar: Any, task: Any) -> None:
        self._bar = bar
        self._task = task

    def total(self, count: int | None) -> None:
        self._bar.update(self._task, total=count)

    def advance(self, count: int = 1) -> None:
        self._bar.advance(self._task, count)


@contextmanager
def meter(label: str, *, stream: Any = None) -> Iterator[Progress]:
    """Progress for one operation: a bar when `stream` (stderr) is a terminal."""
    from core.progress import SILENT

    out = sys.stderr if stream is None else stream
    if not out.isatty():
        yield SILENT
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # transient: the bar gives way to the command's own summary line when it ends.
    with Progress(*columns, console=Console(file=out), transient=True) as bar:
        yield _Bar(bar, bar.add_task(label, total=None))
