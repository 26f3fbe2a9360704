"""The log sequencer hands items to its flush in order, in bounded batches, settling each once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future

import pytest

from core.querylog.sequencer import Sequencer, SequencerClosed

WAIT = 60  # seconds a test waits on a thread before calling it stuck (never reached)


class Gate:
    """A flush that records its batches and can be held shut on its first call."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.entered.set()
        assert self.release.wait(WAIT)
        self.batches.append(list(items))
        return [i * 10 for i in items]


def _held(gate: Gate, max_batch: int = 256) -> tuple[Sequencer[int, int], Future[int]]:
    """A sequencer whose first batch (item 0) is in its flush, held there."""
    seq: Sequencer[int, int] = Sequencer(gate, max_batch=max_batch)
    first = seq.submit(0)
    assert gate.entered.wait(WAIT)
    return seq, first


class TestSequencer:
    def test_items_queued_during_a_flush_go_together_in_the_next_batch(self) -> None:
        gate = Gate(hold_first=True)
        seq, first = _held(gate)
        futures = [seq.submit(i) for i in range(1, 11)]
        gate.release.set()
        assert [f.result(WAIT) for f in futures] == [i * 10 for i in range(1, 11)]
        assert first.result(WAIT) == 0
        assert gate.batches == [[0], list(range(1, 11))]
        assert (seq.batches, seq.items) == (2, 11)
        seq.close(WAIT)

    def test_a_batch_holds_at_most_max_batch_items(self) -> None:
        gate = Gate(hold_first=True)
        seq, _first = _held(gate, max_batch=4)
        futures = [seq.submit(i) for i in range(1, 11)]
        gate.release.set()
        for f in futures:
            f.result(WAIT)
        assert [len(b) for b in gate.batches] == [1, 4, 4, 2]
        seq.close(WAIT)

    def test_each_submitter_sees_its_items_flushed_in_the_order_it_sent_them(self) -> None:
        gate = Gate()
        seq: Sequencer[int, int] = Sequencer(gate, max_batch=7)
        results: dict[int, list[int]] = {}

        def submitter(t: int) -> None:
            futures = [seq.submit(t * 1000 + k) for k in range(200)]
            results[t] = [f.result(WAIT) for f in futures]

        threads = [threading.Thread(target=submitter, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(WAIT)
        flushed = [i for batch in gate.batches for i in batch]
        assert sorted(flushed) == sorted(t * 1000 + k for t in range(4) for k in range(200))
        for t in range(4):
            mine = [i for i in flushed if i // 1000 == t]
            assert mine == [t * 1000 + k for k in range(200)]
            assert results[t] == [(t * 1000 + k) * 10 for k in range(200)]
        assert all(len(b) <= 7 for b in gate.batches)
        seq.close(WAIT)

    def test_a_failed_flush_fails_its_whole_batch_and_the_next_batch_still_runs(self) -> None:
        calls: list[list[int]] = []

        def flush(items: Sequence[int]) -> list[int]:
            calls.append(list(items))
            if 13 in items:
                raise LookupError("the database went away")
            return list(items)

        seq: Sequencer[int, int] = Sequencer(flush)
        with pytest.raises(LookupError, match="went away"):
            seq.submit(13).result(WAIT)
        assert seq.submit(14).result(WAIT) == 14
        assert (seq.batches, seq.items) == (1, 1)  # only the batch that committed counts
        seq.close(WAIT)

    def test_a_flush_that_answers_for_fewer_items_fails_them_all(self) -> None:
        short: Sequencer[int, int] = Sequencer(lambda items: list(items)[:-1])
        with pytest.raises(RuntimeError, match="result count"):
            short.submit(1).result(WAIT)
        short.close(WAIT)

    def test_close_flushes_what_is_queued_then_refuses_more(self) -> None:
        gate = Gate(hold_first=True)
        seq, first = _held(gate)
        queued = [seq.submit(i) for i in range(1, 4)]
        closer = threading.Thread(target=seq.close, args=(WAIT,))
        closer.start()
        gate.release.set()
        closer.join(WAIT)
        assert not closer.is_alive()
        assert [f.result(0) for f in queued] == [10, 20, 30]
        assert first.result(0) == 0
        with pytest.raises(SequencerClosed):
            seq.submit(99)

    def test_linger_tops_a_small_batch_up_with_what_arrives_meanwhile(self) -> None:
        gate = Gate()
        # A generous linger: the second item is submitted long before it runs out, and the
        # batch closes as soon as it is full, so no wall-clock figure decides the outcome.
        seq: Sequencer[int, int] = Sequencer(gate, max_batch=2, linger=WAIT)
        a = seq.submit(1)
        b = seq.submit(2)
        assert (a.result(WAIT), b.result(WAIT)) == (10, 20)
        assert gate.batches == [[1, 2]]
        seq.close(WAIT)

    def test_a_batch_must_hold_an_item(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            Sequencer(lambda items: list(items), max_batch=0)
