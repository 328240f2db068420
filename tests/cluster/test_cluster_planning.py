"""Shard planning: backfill ranges, list shards bounded by post numbers, and why numbers, not pages.

The list-mode tests run the plans against a model of the gallery list in which
new posts arrive at the head while the shards read it in any interleaving (a
model of the spider's paging: from its start page, taking rows in
``(since_no, until_no]``, until a page reaches ``since_no``). Hypothesis
searches for an interleaving that loses a post; the same model shows that plain
page-range shards do lose posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dccrawl.arguments import ArgumentError, parse_arguments
from dccrawl.cluster.planning import (
    ShardPlan,
    above,
    pages_to_probe,
    plan_list,
    plan_posts,
    shard_start_pages,
)

BASE = {"gallery": "g", "comments": "0"}


# --- backfill ---------------------------------------------------------------------------------


def test_posts_shards_cover_the_range_exactly_newest_first() -> None:
    plans = plan_posts(1, 2200, 500, BASE)
    assert [p.arguments["posts"] for p in plans] == [
        "1701-2200",
        "1201-1700",
        "701-1200",
        "201-700",
        "1-200",
    ]
    assert [p.shard_no for p in plans] == [1, 2, 3, 4, 5]
    numbers = [n for p in plans for n in range(p.post_first or 0, (p.post_last or 0) + 1)]
    assert sorted(numbers) == list(range(1, 2201))
    assert sum(p.expected_posts for p in plans) == 2200
    assert all(p.arguments["comments"] == "0" and p.mode == "posts" for p in plans)


def test_posts_shard_arguments_are_valid_spider_arguments() -> None:
    for plan in plan_posts(10, 95, 30, BASE):
        parsed = parse_arguments(plan.arguments)
        assert parsed.mode == "posts"
        assert parsed.posts is not None
        assert (parsed.posts.first, parsed.posts.last) == (plan.post_first, plan.post_last)


@pytest.mark.parametrize(("first", "last", "size"), [(5, 4, 10), (0, 10, 10), (1, 10, 0)])
def test_bad_posts_ranges_are_refused(first: int, last: int, size: int) -> None:
    with pytest.raises(ValueError, match=r"posts=|shard-size"):
        plan_posts(first, last, size, BASE)


# --- list mode: the plan itself ----------------------------------------------------------------


def test_list_shards_are_bounded_by_the_tops_of_their_first_pages() -> None:
    # 10 pages of 100: page p starts with post 1000 - 100 * (p - 1).
    tops = {p: 1000 - 100 * (p - 1) for p in range(1, 11)}
    assert pages_to_probe(1, 10, 10, 4) == [5, 9]
    plans = plan_list(
        first_page=1,
        last_page=10,
        gallery_last_page=10,
        shard_size=4,
        tops=tops,
        list_num=100,
        base=BASE,
    )
    assert [p.arguments for p in plans] == [
        {**BASE, "pages": "1-", "since_no": "600"},
        {**BASE, "pages": "4-", "since_no": "200", "until_no": "600"},
        {**BASE, "pages": "8-", "until_no": "200"},
    ]
    assert [(p.page_first, p.page_last, p.expected_posts) for p in plans] == [
        (1, 4, 400),
        (5, 8, 400),
        (9, 10, 200),
    ]
    assert [(p.post_first, p.post_last) for p in plans] == [(601, None), (201, 600), (None, 200)]
    for plan in plans:
        parsed = parse_arguments(plan.arguments)
        assert parsed.mode == "list"


def test_since_no_drops_the_shards_below_it_and_raises_the_lowest_bound() -> None:
    tops = {p: 1000 - 100 * (p - 1) for p in range(1, 11)}
    plans = plan_list(
        first_page=1, last_page=10, gallery_last_page=10, shard_size=4, tops=tops,
        list_num=100, base=BASE,
    )  # fmt: skip
    kept = above(plans, 450)
    assert [(p.shard_no, p.arguments) for p in kept] == [
        (1, {**BASE, "pages": "1-", "since_no": "600"}),
        (2, {**BASE, "pages": "4-", "since_no": "450", "until_no": "600"}),
    ]
    assert [(p.post_first, p.post_last) for p in kept] == [(601, None), (451, 600)]
    assert above(plans, 2000)[0].arguments["since_no"] == "2000"  # the newest shard stays
    for plan in kept:
        assert parse_arguments(plan.arguments).since_no == int(plan.arguments["since_no"])


def test_a_page_range_inside_the_gallery_is_bounded_at_both_ends() -> None:
    tops = {p: 1000 - 100 * (p - 1) for p in range(1, 11)}
    assert pages_to_probe(3, 6, 10, 2) == [3, 5, 7]
    plans = plan_list(
        first_page=3,
        last_page=6,
        gallery_last_page=10,
        shard_size=2,
        tops=tops,
        list_num=100,
        base=BASE,
    )
    assert [(p.post_first, p.post_last) for p in plans] == [(601, 800), (401, 600)]
    assert plans[0].arguments["pages"] == "2-"  # one page early: deletions move rows up


def test_boundaries_that_do_not_decrease_merge_shards() -> None:
    # Page 5 was read after a flood of new posts: its top is above page 3's.
    tops: dict[int, int | None] = {3: 800, 5: 850, 7: 400}
    plans = plan_list(
        first_page=1,
        last_page=8,
        gallery_last_page=8,
        shard_size=2,
        tops=tops,
        list_num=100,
        base=BASE,
    )
    assert [(p.page_first, p.post_first, p.post_last) for p in plans] == [
        (1, 801, None),
        (3, 401, 800),
        (7, None, 400),
    ]


def test_a_gallery_shorter_than_its_paging_ends_the_plan() -> None:
    plans = plan_list(
        first_page=1,
        last_page=9,
        gallery_last_page=9,
        shard_size=3,
        tops={4: 700, 7: None},
        list_num=100,
        base=BASE,
    )
    assert [(p.page_first, p.page_last, p.post_first, p.post_last) for p in plans] == [
        (1, 3, 701, None),
        (4, 6, None, 700),
    ]


def test_shard_start_pages_refuse_nonsense() -> None:
    assert shard_start_pages(2, 9, 3) == [2, 5, 8]
    with pytest.raises(ValueError, match="shard-size"):
        shard_start_pages(1, 9, 0)
    with pytest.raises(ValueError, match="pages="):
        shard_start_pages(5, 4, 1)


# --- until_no, the spider argument list shards need ---------------------------------------------


def test_until_no_is_parsed_and_checked() -> None:
    assert parse_arguments({"gallery": "g", "until_no": "50", "since_no": "10"}).until_no == 50
    with pytest.raises(ArgumentError, match="not above since_no"):
        parse_arguments({"gallery": "g", "until_no": "10", "since_no": "10"})
    with pytest.raises(ArgumentError, match="until_no"):
        parse_arguments({"gallery": "g", "posts": "1-5", "until_no": "3"})
    with pytest.raises(ArgumentError, match="positive whole number"):
        parse_arguments({"gallery": "g", "until_no": "x"})


# --- list mode: a model of the list and the spider's paging ---------------------------------


@dataclass
class Gallery:
    """A gallery list: post numbers, newest first, ``per_page`` to a page."""

    per_page: int
    rows: list[int]

    def page(self, number: int) -> list[int]:
        return self.rows[(number - 1) * self.per_page : number * self.per_page]

    def last_page(self) -> int:
        return max(1, -(-len(self.rows) // self.per_page))

    def arrive(self, count: int) -> None:
        newest = self.rows[0] if self.rows else 0
        self.rows[:0] = list(range(newest + count, newest, -1))


@dataclass
class Reader:
    """The spider's list paging for one shard: start page, then on until ``since_no`` is reached."""

    page: int
    since_no: int | None
    until_no: int | None
    last: int | None = None  # pages=A-B end (page-range shards only)
    taken: set[int] = field(default_factory=set)
    finished: bool = False

    @classmethod
    def of(cls, plan: ShardPlan) -> Reader:
        first, _, last = plan.arguments["pages"].partition("-")
        since = plan.arguments.get("since_no")
        until = plan.arguments.get("until_no")
        return cls(
            int(first),
            int(since) if since else None,
            int(until) if until else None,
            int(last) if last else None,
        )

    def step(self, gallery: Gallery) -> None:
        rows = gallery.page(self.page)
        self.taken |= {
            n
            for n in rows
            if (self.since_no is None or n > self.since_no)
            and (self.until_no is None or n <= self.until_no)
        }
        reached = self.since_no is not None and any(n <= self.since_no for n in rows)
        at_end = self.last is not None and self.page >= self.last
        if reached or not rows or at_end:
            self.finished = True
        else:
            self.page += 1


def plan_for(gallery: Gallery, shard_size: int) -> list[ShardPlan]:
    """What ``schedule --pages 1-`` plans from the gallery as it is now."""
    last = gallery.last_page()
    tops = {
        p: max(gallery.page(p), default=None) for p in pages_to_probe(1, last, last, shard_size)
    }
    return plan_list(
        first_page=1,
        last_page=last,
        gallery_last_page=last,
        shard_size=shard_size,
        tops=tops,
        list_num=gallery.per_page,
        base=BASE,
    )


def run(gallery: Gallery, readers: list[Reader], schedule: list[tuple[int, int]]) -> set[int]:
    """Interleave reads (``(shard, 0)``) and arrivals (``(-1, count)``), then finish every shard."""
    for who, count in schedule:
        if who < 0:
            gallery.arrive(count)
        elif not readers[who % len(readers)].finished:
            readers[who % len(readers)].step(gallery)
    for reader in readers:
        while not reader.finished:
            reader.step(gallery)
    return set().union(*(reader.taken for reader in readers))


@settings(max_examples=300, deadline=None)
@given(
    posts=st.integers(min_value=1, max_value=120),
    per_page=st.integers(min_value=1, max_value=12),
    shard_size=st.integers(min_value=1, max_value=4),
    schedule=st.lists(
        st.one_of(
            st.tuples(st.integers(min_value=0, max_value=20), st.just(0)),
            st.tuples(st.just(-1), st.integers(min_value=1, max_value=15)),
        ),
        max_size=80,
    ),
)
def test_number_bounded_list_shards_lose_no_post_while_new_posts_arrive(
    posts: int, per_page: int, shard_size: int, schedule: list[tuple[int, int]]
) -> None:
    gallery = Gallery(per_page, list(range(posts, 0, -1)))
    present = set(gallery.rows)
    plans = plan_for(gallery, shard_size)
    taken = run(gallery, [Reader.of(plan) for plan in plans], schedule)
    assert present <= taken
    # Shards own disjoint numbers: no post is taken by two of them.
    readers_taken = [Reader.of(plan) for plan in plans]
    run(Gallery(per_page, sorted(present, reverse=True)), readers_taken, [])
    assert sum(len(r.taken) for r in readers_taken) == len(present)


def test_page_range_shards_would_lose_posts_that_arrivals_push_across_a_boundary() -> None:
    """The failure number bounds prevent: shard 2 reads page 2, three posts arrive, shard 1
    reads page 1, and posts 6, 5, 4 (pushed from page 1 to page 2) are read by nobody."""
    schedule = [(1, 0), (-1, 3), (0, 0)]

    by_pages = [Reader(1, None, None, last=1), Reader(2, None, None, last=2)]
    assert run(Gallery(3, [6, 5, 4, 3, 2, 1]), by_pages, schedule) == {9, 8, 7, 3, 2, 1}

    gallery = Gallery(3, [6, 5, 4, 3, 2, 1])
    by_numbers = [Reader.of(plan) for plan in plan_for(gallery, 1)]
    assert {6, 5, 4, 3, 2, 1} <= run(gallery, by_numbers, schedule)
