"""The process's log sequencer (SPEC §12): one thread that groups queued appends in batches.

Invariants:
- Items are flushed in the order they were submitted, at most `max_batch` at a time, by
  one thread, so a process never has two batches of the log open at once; between
  processes the database's lock on the log decides the order.
- A batch is whatever queued while the previous one was committing, topped up for at
  most `linger` seconds while it is smaller than `max_batch`: grouping costs a quiet
  log nothing and a busy log one commit per batch.
- Every item's future is settled exactly once, after its batch's flush returned (so
  after its commit) or raised; a flush that raised settles every item of its batch with
  that error, and none of them has a receipt.
- `close` lets the queue drain, then stops the thread; nothing is submitted after.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 256
LINGER_SECONDS = 0.0


class SequencerClosed(RuntimeError):
    """An item was submitted to a sequencer that has stopped."""


class Sequencer(Generic[T, R]):
    """Queue items; a background thread hands them to `flush` in batches, in order."""

    def __init__(
        self,
        flush: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = MAX_BATCH,
        linger: float = LINGER_SECONDS,
        name: str = "log-sequencer",
    ) -> None:
        if max_batch < 1:
            raise ValueError("a batch holds at least one item")
        self._flush = flush
        self._max = max_batch
        self._linger = linger
        self._queue: deque[tuple[T, Future[R]]] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self.batches = 0
        self.items = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return f"Sequencer(max_batch={self._max}, batches={self.batches}, items={self.items})"

    def submit(self, item: T) -> Future[R]:
        """Queue one item; its future holds what `flush` returned for it, or its error."""
        future: Future[R] = Future()
        with self._ready:
            if self._closed:
                raise SequencerClosed("the log sequencer has stopped")
            self._queue.append((item, future))
            self._ready.notify()
        return future

    def close(self, timeout: float | None = None) -> None:
        """Flush what is queued, then stop the thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join(timeout)

    def _take(self) -> list[tuple[T, Future[R]]] | None:
        """The next batch, waiting for its first item; None once closed and drained."""
        with self._ready:
            while not self._queue:
                if self._closed:
                    return None
                self._ready.wait()
            if self._linger > 0 and len(self._queue) < self._max:
                until = time.monotonic() + self._linger
                while len(self._queue) < self._max and not self._closed:
                    left = until - time.monotonic()
                    if left <= 0 or not self._ready.wait(left):
                        break
            count = min(len(self._queue), self._max)
            return [self._queue.popleft() for _ in range(count)]

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            live = [(item, f) for item, f in batch if f.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                results = self._flush([item for item, _ in live])
                if len(results) != len(live):
                    raise RuntimeError("the flush returned a result count unlike its batch")
            except BaseException as error:
                for _, future in live:
                    future.set_exception(error)
                continue
            self.batches += 1
            self.items += len(live)
            for (_, future), result in zip(live, results, strict=True):
                future.set_result(result)
