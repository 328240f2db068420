"""The cycles of ``follow``: each gallery's, one after the other, every interval, under its lock.

Every gallery has a thread of its own (galleries do not wait for each other: with
``--nodes`` their jobs run side by side); within a gallery a cycle starts only once the
one before it has ended, so one follow never runs two cycles of a gallery at once. The
interval runs from the start of one cycle to the start of the next: a cycle that takes
longer than it is followed by the next at once (and that is said).

A cycle, in the gallery's thread:

1. take the gallery's advisory lock (``dccrawl/db/cycles.py``); when another follow,
   here or on another machine, holds it, say so and skip this cycle;
2. mark the gallery's cycles left ``running`` as ``abandoned`` (holding the lock, this
   follow knows nobody runs them), and insert the new cycle, numbered after the last;
3. run its crawl to the end (``runners.py``), which reports into the row;
4. close the row (the outcome of a crawl that could not report, ``stopped`` when this
   follow was stopped), print its line (``report.py``) and release the lock.

Anything that goes wrong in a cycle (a crawl that fails, a node or the database that
does not answer) is said and the next cycle runs as planned: a follow outlives its
cycles. A stop request (``stopping.py``) ends every gallery's loop after its running
cycle, which is stopped too.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from dccrawl.db import cycles
from dccrawl.db.redact import redact
from dccrawl.follow.report import cycle_line
from dccrawl.follow.runners import RunEnd, Runner
from dccrawl.follow.stopping import Stop, stop_on_signals

JOIN_POLL = 0.2  # seconds between the main thread's looks at signals and threads
EXIT_OK, EXIT_FAILED = 0, 1

# Called in a gallery's thread before each of its cycles: (gallery, round from 1).
BeforeCycle = Callable[[str, int], None]


@dataclass(frozen=True)
class Plan:
    """What to follow, and how often."""

    galleries: tuple[str, ...]
    horizon: str  # the crawls' -a refresh=HORIZON
    every: float  # seconds from the start of a gallery's cycle to the start of its next
    every_text: str  # --every as given, for messages
    cycles: int | None  # cycles (run or skipped) per gallery; None: until stopped
    database_url: str


def next_wait(started: float, every: float, now: float) -> tuple[float, bool]:
    """Seconds to wait for a gallery's next cycle, when its last one started at
    ``started`` and it is ``now`` (monotonic clock); and whether the last one took
    longer than the interval (then the next one starts at once)."""
    due = started + every
    return max(0.0, due - now), every > 0 and now > due


def follower_name() -> str:
    """Who runs a cycle, in its row and in ``pg_stat_activity``: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _say(message: str) -> None:
    print(message, flush=True)


def _warn(message: str) -> None:
    print(f"dccrawl follow: {message}", file=sys.stderr, flush=True)


class Follower:
    """Runs the plan's cycles until they are done or a stop is requested."""

    def __init__(
        self,
        plan: Plan,
        runner: Runner,
        *,
        before_cycle: BeforeCycle | None = None,
        say: Callable[[str], None] = _say,
        warn: Callable[[str], None] = _warn,
    ) -> None:
        self.plan = plan
        self.runner = runner
        self.before_cycle = before_cycle
        self.stop = Stop()
        self.name = follower_name()
        self.failed = 0  # cycles that failed, or could not be run or recorded
        self._say, self._warn = say, warn
        self._lock = threading.Lock()  # for the lines and the count

    # --- output ----------------------------------------------------------------------

    def say(self, message: str) -> None:
        with self._lock:
            self._say(message)

    def warn(self, message: str) -> None:
        with self._lock:
            self._warn(message)

    def _count_failure(self) -> None:
        with self._lock:
            self.failed += 1

    # --- the whole run ---------------------------------------------------------------

    def run(self) -> int:
        """Follow until done (``cycles``) or stopped: 0 after a stop or when no cycle
        failed, 1 when one did."""
        threads = [
            threading.Thread(target=self.follow, args=(gallery,), name=f"follow-{gallery}")
            for gallery in self.plan.galleries
        ]
        with stop_on_signals(self.stop) as deliver:
            for thread in threads:
                thread.start()
            announced = False
            for thread in threads:
                while thread.is_alive():
                    thread.join(JOIN_POLL)
                    deliver()
                    if self.stop.requested and not announced:
                        announced = True
                        self.warn(
                            "stopping: the running cycles are stopped and recorded "
                            "(signal again to stop without waiting for them)"
                        )
        if self.stop.requested:
            self.warn("stopped")
            return EXIT_OK
        return EXIT_FAILED if self.failed else EXIT_OK

    def follow(self, gallery: str) -> None:
        """One gallery's cycles, one after the other (a gallery's thread)."""
        every = self.plan.every
        done = 0
        while not self.stop.requested:
            if self.before_cycle is not None:
                self.before_cycle(gallery, done + 1)
                if self.stop.requested:
                    break
            started = time.monotonic()
            self.cycle(gallery)
            done += 1
            if self.plan.cycles is not None and done >= self.plan.cycles:
                break
            wait, late = next_wait(started, every, time.monotonic())
            if late:
                self.warn(
                    f"follow {gallery}: the cycle took {time.monotonic() - started:.1f}s, "
                    f"longer than --every {self.plan.every_text}: the next one starts now"
                )
            self.stop.wait(wait)

    # --- one cycle -------------------------------------------------------------------

    def cycle(self, gallery: str) -> None:
        """One cycle of a gallery; whatever goes wrong is said, and the follow goes on."""
        try:
            self._locked_cycle(gallery)
        except psycopg.Error as error:
            self._count_failure()
            self.warn(
                f"follow {gallery}: the cycle could not be run or recorded, the database "
                f"does not answer: {redact(str(error))}"
            )
        except Exception as error:  # a cycle's failure must not end the follow
            self._count_failure()
            self.warn(f"follow {gallery}: the cycle failed: {type(error).__name__}: {error}")

    def _locked_cycle(self, gallery: str) -> None:
        url = self.plan.database_url
        with cycles.gallery_lock(url, gallery, f"dccrawl-follow {self.name}") as conn:
            if conn is None:
                self._skip(gallery)
                return
            abandoned = cycles.abandon_running(conn, gallery)
            if abandoned:
                numbers = ", ".join(f"#{number}" for number in abandoned)
                self.warn(
                    f"follow {gallery}: cycle {numbers} was left running by a follow that is "
                    "gone: marked abandoned"
                )
            cycle = cycles.start_cycle(conn, gallery, self.plan.horizon, self.name)

            def record_job(node: str, job_id: str) -> None:
                cycles.set_job(conn, cycle.cycle_id, node, job_id)

            try:
                end = self.runner.run(cycle, self.stop, record_job)
            except Exception as error:  # the row is closed whatever happened to the crawl
                end = RunEnd(None, f"the crawl could not be run: {type(error).__name__}: {error}")
            stopped = self.stop.requested
            reason = f"follow was stopped; {end.reason}" if stopped else end.reason
            closed = cycles.finish_cycle(
                conn, cycle.cycle_id, stopped=stopped, exit_code=end.exit_code, reason=reason
            )
        assert closed is not None, f"cycle {cycle.cycle_id} vanished from follow_cycles"
        if closed.outcome not in ("ok", "stopped"):
            self._count_failure()
        self.say(cycle_line(closed))

    def _skip(self, gallery: str) -> None:
        with cycles.connect(self.plan.database_url) as conn:
            running = cycles.running_cycle(conn, gallery)
        holder = (
            f" ({running.follower} runs cycle #{running.cycle_no})" if running is not None else ""
        )
        self.warn(
            f"follow {gallery}: skipped: another follow holds the lock of {gallery}{holder}; "
            "trying again at the next interval"
        )
