"""The load log: ordered delivery, replay to late subscribers, weak listeners, RSS reading."""

from __future__ import annotations

import gc
import mmap
import sys

import pytest

from docsight.engines.loads import (
    REGISTRY,
    Event,
    LoadLog,
    ModelLoad,
    ModelUnload,
    resident_bytes,
    rss_growth,
)

LOAD = ModelLoad("rapidocr", "PP-OCRv5-mobile", REGISTRY, 1.5, rss_bytes=100)


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def on_event(self, event: Event) -> None:
        self.events.append(event)


def test_late_subscribers_get_the_past_then_the_live_events_once() -> None:
    log = LoadLog()
    early = Sink()
    log.subscribe(early.on_event)
    log.record(LOAD)
    late = Sink()
    log.subscribe(late.on_event)
    log.record(ModelUnload(LOAD))
    assert early.events == late.events == [LOAD, ModelUnload(LOAD)]


def test_a_dropped_subscriber_stops_listening_and_an_undo_works() -> None:
    log = LoadLog()
    sink = Sink()
    log.subscribe(sink.on_event)
    del sink
    gc.collect()
    seen: list[Event] = []
    undo = log.subscribe(seen.append)
    log.record(LOAD)
    undo()
    log.record(LOAD)
    assert seen == [LOAD]
    assert log._listeners == []  # the collected one was pruned, the undone one removed


def test_a_failing_listener_does_not_fail_the_load(caplog: pytest.LogCaptureFixture) -> None:
    log = LoadLog()

    def broken(event: Event) -> None:
        raise ValueError("bad label")

    seen: list[Event] = []
    log.subscribe(broken)
    log.subscribe(seen.append)
    log.record(LOAD)
    assert seen == [LOAD]
    assert "model load listener failed" in caplog.text


def test_kept_history_is_bounded() -> None:
    log = LoadLog(keep=2)
    for seconds in (1.0, 2.0, 3.0):
        log.record(ModelLoad("e", "m", REGISTRY, seconds))
    assert [e.seconds for e in log.events() if isinstance(e, ModelLoad)] == [2.0, 3.0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_rss_growth_sees_memory_written_during_a_load() -> None:
    before = resident_bytes()
    assert before is not None and before > 10 << 20
    # Fresh anonymous pages, each touched: resident whatever free heap earlier tests left.
    blob = mmap.mmap(-1, 64 << 20)
    for offset in range(0, 64 << 20, mmap.PAGESIZE):
        blob[offset] = 1
    growth = rss_growth(before)
    assert growth is not None and growth >= 60 << 20
    blob.close()
    assert rss_growth(None) is None
