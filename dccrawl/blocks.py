"""When the site blocks the crawler: the decisions, without Scrapy (the middleware wires them in).

The real site blocks a client that asks too fast for about ten minutes, and what a
blocked client sees differs by report: 429, 403, empty or cut-off 200s, a "too many
requests" page, resets, timeouts (SITE.md §6). Each request's own retries would
spend themselves in seconds against such a block and the pages would be given up.
So a block is handled for the whole crawl, by this state machine:

``normal``
    Refusals are retried per page, as always. ``refusals`` of them in a row, with
    no success in between, make the crawl *suspect* a block.
``suspect``
    No new request goes out; a page of each kind that answered before, asked again
    (the *confirmation*), decides: all refused → ``blocked``; one answered → ``normal``
    again (a run of broken pages, not a block: their own retries go on and may give
    them up).
``blocked``
    No request but a *probe* (the same known-good page) at growing intervals:
    ``probe_first`` seconds, doubling, at most ``probe_max``. A probe that is
    answered ends the block; a block longer than ``give_up`` seconds ends the crawl.

Requests refused while suspect or blocked are put back in the queue, and a
request refused during the run of refusals that turned out to be a block gets
the retry count it had before that run: a block costs no page its retries.

After each block the politeness delay is multiplied by ``slowdown`` (from at
least ``min_delay``) for ``slowdown_seconds``; blocks in a row compound, so they
become rarer instead of repeating at the same rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum


class BlockState(Enum):
    NORMAL = "normal"
    SUSPECT = "suspect"
    BLOCKED = "blocked"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class BlockPolicy:
    """The ``DCCRAWL_BLOCK_*`` settings (dccrawl/settings.py says why each value)."""

    refusals: int = 4
    probe_first: float = 30.0
    probe_max: float = 900.0
    give_up: float = 7200.0
    slowdown: float = 2.0
    slowdown_seconds: float = 3600.0
    min_delay: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.refusals < 1:
            raise ValueError("DCCRAWL_BLOCK_REFUSALS must be at least 1")
        if min(self.probe_first, self.probe_max, self.give_up) <= 0:
            raise ValueError("block probe intervals and the give-up time must be positive")
        if self.slowdown < 1:
            raise ValueError("DCCRAWL_BLOCK_SLOWDOWN must be at least 1")


@dataclass
class BlockWatch:
    """The crawl's block state; every method takes the time (``clock()``) it happens at."""

    policy: BlockPolicy
    clock: object = field(default=time.monotonic)
    state: BlockState = BlockState.NORMAL
    run: int = 0  # refusals in a row, no success in between
    run_id: int = 0  # which run of refusals (markers on requests name it)
    run_sent: float = 0.0  # when the run's earliest refused request was sent
    blocked_runs: set[int] = field(default_factory=set)  # runs that were blocks
    since: float | None = None  # when the current suspicion/block began
    probe_interval: float = 0.0  # the wait before the next probe
    blocks: int = 0
    blocked_seconds: float = 0.0
    false_alarms: int = 0
    _slow_blocks: int = 0  # blocks that still slow the crawl down
    _last_block_end: float | None = None

    def now(self) -> float:
        return self.clock()  # type: ignore[operator]

    @property
    def holding(self) -> bool:
        """Whether requests must wait (suspect or blocked)."""
        return self.state in (BlockState.SUSPECT, BlockState.BLOCKED)

    def refused(self, sent_at: float | None = None) -> bool:
        """A page request (sent at ``sent_at``) was refused; True when this refusal starts
        a suspicion."""
        if self.state is not BlockState.NORMAL:
            return False
        sent = self.now() if sent_at is None else sent_at
        self.run_sent = sent if self.run == 0 else min(self.run_sent, sent)
        self.run += 1
        if self.run < self.policy.refusals:
            return False
        self.state = BlockState.SUSPECT
        self.since = self.now()
        return True

    def succeeded(self, sent_at: float | None = None) -> None:
        """A page request (sent at ``sent_at``) was answered: it ends a run of refusals if it
        was sent after the run's first refused request. An answer to a request sent before
        that may have been served before the block began (a busy crawler reads answers
        late, out of order): it proves nothing. While suspect or blocked only a probe
        decides."""
        if sent_at is not None and self.run and sent_at < self.run_sent:
            return
        if self.state is BlockState.NORMAL and self.run:
            self.run = 0
            self.run_id += 1

    def confirmed(self, blocked: bool) -> None:
        """The confirmation request's outcome: refused (``blocked``) or answered."""
        if self.state is not BlockState.SUSPECT:
            return
        if not blocked:
            self.false_alarms += 1
            self._back_to_normal()
            return
        self.state = BlockState.BLOCKED
        self.blocks += 1
        self.blocked_runs.add(self.run_id)
        self.probe_interval = self.policy.probe_first

    def probe_failed(self) -> float:
        """A probe was refused: the wait before the next one (doubling, capped)."""
        wait = self.probe_interval
        self.probe_interval = min(self.policy.probe_max, self.probe_interval * 2)
        return wait

    def over_limit(self) -> bool:
        """Whether the block has lasted longer than the crawl waits."""
        return (
            self.state is BlockState.BLOCKED
            and self.since is not None
            and self.now() - self.since >= self.policy.give_up
        )

    def ended(self) -> float:
        """A probe was answered: the block is over. Returns how long it lasted."""
        assert self.since is not None
        lasted = self.now() - self.since
        self.blocked_seconds += lasted
        self._slow_blocks = self.slow_blocks() + 1
        self._last_block_end = self.now()
        self._back_to_normal()
        return lasted

    def gave_up(self) -> float:
        assert self.since is not None
        lasted = self.now() - self.since
        self.blocked_seconds += lasted
        self.state = BlockState.GAVE_UP
        return lasted

    def _back_to_normal(self) -> None:
        self.state = BlockState.NORMAL
        self.run = 0
        self.run_id += 1
        self.since = None

    def slow_blocks(self) -> int:
        """Blocks that still slow the crawl: one fewer for each ``slowdown_seconds`` since
        the last one."""
        if self._last_block_end is None:
            return 0
        quiet = self.now() - self._last_block_end
        return max(0, self._slow_blocks - int(quiet // self.policy.slowdown_seconds))

    def delay_floor(self, base_delay: float) -> float:
        """The least delay between requests now: the politeness delay, slowed after blocks."""
        slow = self.slow_blocks()
        if slow == 0:
            return base_delay
        start = max(base_delay, self.policy.min_delay)
        return min(self.policy.max_delay, start * self.policy.slowdown**slow)
