"""A clean stop for ``follow``: Ctrl-C and SIGTERM become a :class:`Stop` every thread sees.

The signal handler only records the signal (no I/O, no lock): the main thread passes it
on to the :class:`Stop`, and the gallery threads and runners look at that and act, each
in its own thread. A
first signal asks for a clean stop (no new cycle; the running crawl is asked to shut
down gracefully), a second one for a quick one (the crawl is signalled again, which
Scrapy takes as "force", and a scrapyd job is no longer waited for).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """Whether, and how insistently, ``follow`` has been asked to stop."""

    def __init__(self) -> None:
        self._first = threading.Event()
        self._second = threading.Event()
        self.signum = signal.SIGTERM  # the latest signal received: the one forwarded

    def request(self, signum: int = signal.SIGTERM) -> None:
        """One more stop request (from the main thread, see :func:`stop_on_signals`)."""
        self.signum = signal.Signals(signum)
        (self._second if self._first.is_set() else self._first).set()

    @property
    def requested(self) -> bool:
        return self._first.is_set()

    @property
    def forced(self) -> bool:
        """Asked twice: stop waiting for anything."""
        return self._second.is_set()

    @property
    def count(self) -> int:
        """Stop requests so far (0, 1 or 2: more count as 2)."""
        return int(self._first.is_set()) + int(self._second.is_set())

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or until the next stop request (at once once forced)."""
        if not self.forced:
            (self._second if self._first.is_set() else self._first).wait(max(0.0, seconds))


@contextmanager
def stop_on_signals(stop: Stop) -> Iterator[Callable[[], None]]:
    """SIGINT and SIGTERM request ``stop`` while the block runs (the previous handlers
    come back after it).

    The handler only appends the signal to a list (taking no lock a second signal could
    find held); the block calls the function it is given, often, to pass the signals
    received on to ``stop``. Only the main thread can set handlers; elsewhere (a test
    running follow in a thread) the function does nothing."""
    received: list[int] = []

    def deliver() -> None:
        while received:
            stop.request(received.pop(0))

    if threading.current_thread() is not threading.main_thread():
        yield deliver
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    for number in STOP_SIGNALS:
        signal.signal(number, handle)
    try:
        yield deliver
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        deliver()
