"""Event runs and the event log: lazy events that read like a tuple of events."""

from __future__ import annotations

import pytest

from finance_core.events import Event, EventKind, EventLog, EventRun

POSTED = EventKind.TRANSACTION_POSTED


def posted(ident: int) -> Event:
    return Event(POSTED, "t", ident)


class TestEventRun:
    def test_reads_like_the_events_of_its_ids(self) -> None:
        """A run of ids 5..9 is the five events, by index, slice and iteration."""
        run = EventRun(POSTED, "t", range(5, 10))
        assert list(run) == [posted(i) for i in range(5, 10)]
        assert (len(run), run[0], run[-1]) == (5, posted(5), posted(9))
        assert list(run[1:3]) == [posted(6), posted(7)]

    def test_index_past_the_end_is_an_index_error(self) -> None:
        """Reading past the run fails like a tuple does."""
        with pytest.raises(IndexError):
            EventRun(POSTED, "t", range(2))[2]


class TestEventLog:
    def test_runs_and_single_events_keep_their_order(self) -> None:
        """Queued single events and runs read back in the order they came."""
        log = EventLog()
        log.extend([posted(1)])
        log.extend(EventRun(POSTED, "t", range(2, 5)))
        log.extend(())
        log.extend([posted(9)])
        expected = [posted(1), posted(2), posted(3), posted(4), posted(9)]
        assert list(log) == expected
        assert len(log) == 5
        assert [log[i] for i in range(-5, 5)] == expected * 2
        assert list(log[1:4]) == expected[1:4]

    def test_frozen_log_does_not_see_later_events(self) -> None:
        """What listeners got stays as it was when more events are queued or cleared."""
        log = EventLog()
        log.extend(EventRun(POSTED, "t", range(3)))
        frozen = log.frozen()
        log.extend([posted(7)])
        log.clear()
        assert list(frozen) == [posted(0), posted(1), posted(2)]
        assert len(log) == 0

    def test_a_list_queued_is_copied(self) -> None:
        """Changing a list after queueing it does not change the log."""
        queued = [posted(1)]
        log = EventLog()
        log.extend(queued)
        queued.append(posted(2))
        assert list(log) == [posted(1)]

    def test_logs_merge_without_reading_their_runs(self) -> None:
        """A log queued into another keeps its runs as runs."""
        inner = EventLog()
        inner.extend(EventRun(POSTED, "t", range(10**9)))
        outer = EventLog()
        outer.extend(inner)
        assert len(outer) == 10**9
        assert outer[-1] == posted(10**9 - 1)
