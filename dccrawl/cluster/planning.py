"""Splitting one gallery crawl into shards: pure functions, no site, node or database.

Backfill mode (``posts=A-B``) splits the number range into blocks of
``shard_size`` numbers, newest first. Post numbers never move, so the shards
are disjoint and together cover the range exactly.

List mode (``pages=A-B``) is split by **post numbers read from the list at
planning time**, not by page numbers. New posts push every row down the list
while the crawl runs; a shard that owned "pages 4-6" would then miss the rows
that slid from page 6 to page 7 after its neighbour had read page 7. Instead,
the planner reads the newest post number at the top of each shard's first page
(``tops``), and shard *i* owns the numbers ``(top of the next shard's first
page, top of its own first page]``, passed to the spider as
``since_no``/``until_no``. The spider pages on from its start page until a page
reaches ``since_no``. Arrivals only move rows *down*, onto pages the shard has
not read yet, so a sequential reader that stops only after passing its lower
bound sees every row of its range; rows above ``until_no`` are read but not
followed (they belong to the previous shard). Each shard starts one page
*before* its planned first page, so up to one page of posts deleted above the
boundary between planning and the shard's start (which moves rows *up*) does
not hide rows either; within a shard the spider's list recheck covers
deletions. The first shard of ``pages=1-...`` has no upper bound: it also takes
the posts that arrived before it read page 1. Duplicates at the edges are
harmless: rows are upserts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

logger = logging.getLogger(__name__)

Mode = Literal["list", "posts"]

# Spider arguments a sharded crawl may pass to every job; the planner sets the
# range arguments itself, and filtered lists (search, 말머리, 개념글) would need their
# own boundary reading. ``since`` (a date) goes to every job of a list crawl: each
# stops paging where its pages reach older posts (a shard wholly older reads one
# page). ``since_no`` is folded into the plan (:func:`above`), not passed as it is.
PASSED_ARGUMENTS = frozenset({"kind", "comments", "list_num", "render", "media", "since"})
# Arguments schedule takes and turns into the plan.
PLANNED_ARGUMENTS = frozenset({"since_no"})


@dataclass(frozen=True)
class ShardPlan:
    """One shard before it is recorded: its spider arguments and what it owns."""

    shard_no: int
    mode: Mode
    arguments: dict[str, str]
    expected_posts: int
    page_first: int | None = None
    page_last: int | None = None
    post_first: int | None = None
    post_last: int | None = None


def plan_posts(first: int, last: int, shard_size: int, base: Mapping[str, str]) -> list[ShardPlan]:
    """Backfill shards of ``shard_size`` post numbers over ``first..last``, newest first."""
    if shard_size < 1:
        raise ValueError("--shard-size must be at least 1")
    if first < 1 or last < first:
        raise ValueError(f"posts={first}-{last}: expected 1 <= A <= B")
    plans: list[ShardPlan] = []
    high = last
    while high >= first:
        low = max(first, high - shard_size + 1)
        plans.append(
            ShardPlan(
                shard_no=len(plans) + 1,
                mode="posts",
                arguments={**base, "posts": f"{low}-{high}"},
                expected_posts=high - low + 1,
                post_first=low,
                post_last=high,
            )
        )
        high = low - 1
    return plans


def shard_start_pages(first_page: int, last_page: int, shard_size: int) -> list[int]:
    """The planned first page of every list shard: ``first_page``, then every ``shard_size``."""
    if shard_size < 1:
        raise ValueError("--shard-size must be at least 1")
    if first_page < 1 or last_page < first_page:
        raise ValueError(f"pages={first_page}-{last_page}: expected 1 <= A <= B")
    return list(range(first_page, last_page + 1, shard_size))


def pages_to_probe(
    first_page: int, last_page: int, gallery_last_page: int, shard_size: int
) -> list[int]:
    """List pages whose top post number the planner needs.

    Every shard's first page except page 1 (the first shard of ``pages=1-`` has
    no upper bound), and the page after the last one when the crawl stops
    before the end of the gallery (its top is the last shard's lower bound).
    """
    pages = [p for p in shard_start_pages(first_page, last_page, shard_size) if p > 1]
    if last_page < gallery_last_page:
        pages.append(last_page + 1)
    return pages


def plan_list(
    *,
    first_page: int,
    last_page: int,
    gallery_last_page: int,
    shard_size: int,
    tops: Mapping[int, int | None],
    list_num: int,
    base: Mapping[str, str],
) -> list[ShardPlan]:
    """List shards over pages ``first_page..last_page`` bounded by the post numbers in ``tops``.

    ``tops`` maps the pages of :func:`pages_to_probe` to the newest post number
    on them (None: the page had no post rows; the gallery ended earlier than
    its paging said). Boundaries whose numbers do not decrease (a flood of new
    posts while the planner read the pages) are dropped, merging two shards.
    """
    last_page = min(last_page, gallery_last_page)
    starts = shard_start_pages(first_page, last_page, shard_size)
    first_top = tops.get(first_page) if first_page > 1 else None
    if first_page > 1 and first_top is None:
        raise ValueError(f"list page {first_page} has no posts: nothing to crawl")

    # (planned first page, top post number) of every shard after the first.
    bounds: list[tuple[int, int]] = []
    ended = False  # a boundary page had no rows: the gallery ends before it
    for page in starts[1:]:
        top = tops.get(page)
        if top is None:
            ended = True
            last_page = page - 1
            break
        previous = bounds[-1][1] if bounds else first_top
        if previous is not None and top >= previous:
            logger.warning(
                "list page %d starts at post %d, not below %d: merging its shard into the "
                "previous one (many new posts while planning?)",
                page,
                top,
                previous,
            )
            continue
        bounds.append((page, top))
    final_lower: int | None = None
    if not ended and last_page < gallery_last_page:
        candidate = tops.get(last_page + 1)
        lowest = bounds[-1][1] if bounds else first_top
        if candidate is not None and (lowest is None or candidate < lowest):
            final_lower = candidate

    plans: list[ShardPlan] = []
    edges = [(first_page, first_top), *bounds]
    for index, (page, upper) in enumerate(edges):
        is_last = index + 1 == len(edges)
        next_page = last_page + 1 if is_last else edges[index + 1][0]
        lower = final_lower if is_last else edges[index + 1][1]
        arguments = {**base, "pages": f"{max(1, page - 1)}-"}
        if lower is not None:
            arguments["since_no"] = str(lower)
        if upper is not None:
            arguments["until_no"] = str(upper)
        page_last = next_page - 1
        plans.append(
            ShardPlan(
                shard_no=index + 1,
                mode="list",
                arguments=arguments,
                expected_posts=(page_last - page + 1) * list_num,
                page_first=page,
                page_last=page_last,
                post_first=lower + 1 if lower is not None else None,
                post_last=upper,
            )
        )
    return plans


def above(plans: list[ShardPlan], since_no: int) -> list[ShardPlan]:
    """The shards of a list plan restricted to posts numbered above ``since_no``: shards
    wholly at or below it are dropped, the others get ``since_no`` as their lower bound
    where theirs is lower; renumbered from 1."""
    kept: list[ShardPlan] = []
    for plan in plans:
        if plan.post_last is not None and plan.post_last <= since_no:
            continue
        lower = int(plan.arguments.get("since_no", "0"))
        arguments = {**plan.arguments, "since_no": str(max(lower, since_no))}
        post_first = max(plan.post_first or 0, since_no + 1)
        kept.append(
            replace(
                plan,
                shard_no=len(kept) + 1,
                arguments=arguments,
                post_first=post_first,
            )
        )
    return kept
