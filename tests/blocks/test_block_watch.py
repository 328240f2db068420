"""The block state machine (dccrawl/blocks.py), on a clock the tests move by hand."""

from __future__ import annotations

import pytest

from dccrawl.blocks import BlockPolicy, BlockState, BlockWatch
from dccrawl.summaries import progress_line, summary_line


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watch(**policy: float) -> tuple[BlockWatch, Clock]:
    clock = Clock()
    return BlockWatch(BlockPolicy(**policy), clock=clock), clock  # type: ignore[arg-type]


def test_refusals_in_a_row_make_a_suspicion() -> None:
    w, _ = watch(refusals=4)
    assert [w.refused() for _ in range(4)] == [False, False, False, True]
    assert w.state is BlockState.SUSPECT
    assert w.holding


def test_an_answer_between_refusals_starts_the_count_again() -> None:
    w, _ = watch(refusals=3)
    w.refused()
    w.refused()
    w.succeeded()
    assert not w.refused()
    assert w.state is BlockState.NORMAL


def test_a_late_answer_to_a_request_sent_before_the_refusals_does_not_end_the_run() -> None:
    w, clock = watch(refusals=3)
    clock.now = 10.0
    w.refused(sent_at=5.0)
    w.refused(sent_at=6.0)
    w.succeeded(sent_at=4.0)  # sent before the first refused one: served before the block
    assert w.refused(sent_at=7.0)
    assert w.state is BlockState.SUSPECT


def test_an_answer_to_a_request_sent_after_a_refused_one_ends_the_run() -> None:
    w, _ = watch(refusals=3)
    w.refused(sent_at=5.0)
    w.refused(sent_at=6.0)
    w.succeeded(sent_at=5.5)
    assert not w.refused(sent_at=7.0)
    assert w.state is BlockState.NORMAL


def test_a_confirmed_suspicion_is_a_block_and_its_run_gets_retries_back() -> None:
    w, _ = watch(refusals=2)
    run = w.run_id
    w.refused()
    w.refused()
    w.confirmed(blocked=True)
    assert w.state is BlockState.BLOCKED
    assert w.blocks == 1
    assert run in w.blocked_runs


def test_an_unconfirmed_suspicion_is_a_false_alarm_whose_run_keeps_its_retries() -> None:
    w, _ = watch(refusals=2)
    run = w.run_id
    w.refused()
    w.refused()
    w.confirmed(blocked=False)
    assert w.state is BlockState.NORMAL
    assert w.false_alarms == 1
    assert run not in w.blocked_runs
    assert w.run_id != run


def test_answers_during_a_block_do_not_end_it() -> None:
    w, _ = watch(refusals=1)
    w.refused()
    w.confirmed(blocked=True)
    w.succeeded()  # a late answer may have been served before the block
    assert w.state is BlockState.BLOCKED


def test_probe_intervals_double_up_to_the_cap() -> None:
    w, _ = watch(refusals=1, probe_first=30, probe_max=100)
    w.refused()
    w.confirmed(blocked=True)
    assert [w.probe_failed() for _ in range(5)] == [30, 60, 100, 100, 100]


def test_a_block_longer_than_the_limit_is_given_up() -> None:
    w, clock = watch(refusals=1, give_up=600)
    w.refused()
    w.confirmed(blocked=True)
    clock.now += 599
    assert not w.over_limit()
    clock.now += 1
    assert w.over_limit()
    assert w.gave_up() == 600
    assert w.state is BlockState.GAVE_UP
    assert not w.refused()  # nothing starts again


def test_each_block_slows_the_crawl_down_for_a_while() -> None:
    w, clock = watch(refusals=1, slowdown=2, slowdown_seconds=3600, min_delay=0.5, max_delay=30)
    assert w.delay_floor(0.5) == 0.5
    for _ in range(2):
        w.refused()
        w.confirmed(blocked=True)
        clock.now += 60
        w.ended()
    assert w.delay_floor(0.5) == 2.0  # two blocks: 0.5 × 2²
    assert w.delay_floor(0.0) == 2.0  # from at least min_delay
    clock.now += 3600
    assert w.delay_floor(0.5) == 1.0  # an hour without a block: one step back
    clock.now += 3600
    assert w.delay_floor(0.5) == 0.5


def test_the_slowdown_is_capped() -> None:
    w, _ = watch(refusals=1, slowdown=10, max_delay=30)
    for _ in range(3):
        w.refused()
        w.confirmed(blocked=True)
        w.ended()
    assert w.delay_floor(0.5) == 30


def test_a_block_s_length_is_counted() -> None:
    w, clock = watch(refusals=1)
    w.refused()
    w.confirmed(blocked=True)
    clock.now += 42
    assert w.ended() == 42
    assert w.blocked_seconds == 42
    assert w.state is BlockState.NORMAL


@pytest.mark.parametrize("field", ["refusals", "probe_first", "give_up"])
def test_a_policy_with_nonsense_values_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=r"DCCRAWL_BLOCK|positive"):
        BlockPolicy(**{field: 0})


def test_the_progress_line_says_since_when_and_the_next_probe() -> None:
    stats: dict[str, object] = {
        "dccrawl/posts": 10,
        "dccrawl/blocks/blocked_since": "14:05",
        "dccrawl/blocks/next_probe_at": 1e12,
    }
    line = progress_line("g", stats, 10.0, 100)
    assert "blocked since 14:05, next probe in " in line
    assert "ETA" not in line


def test_the_summary_counts_blocks_their_time_and_requests_put_back() -> None:
    stats: dict[str, object] = {
        "dccrawl/blocks/count": 3,
        "dccrawl/blocks/seconds": 65.0,
        "dccrawl/blocks/put_back": 40,
    }
    line = summary_line("g", stats, 100.0)
    assert "blocks 3" in line
    assert "requests put back after a block 40" in line
    assert "blocked for 0:01:05 in all" in line
