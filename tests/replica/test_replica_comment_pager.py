"""The comment endpoint's windowed pager and ad rows, and the options that bend them.

The real pager shows 15 page numbers and 처음/이전/다음/끝 links (SITE.md §1.3, §2.3; jackpot's
66-page capture), and each page holds 100 comments plus 2–6 댓글돌이 ad rows. The
options ``--comment-pager-no-end``, ``--view-no-comment-count`` and
``--withhold-comment-page`` change what is served, never the truth; ``--big-thread`` is
part of the data, so ``truth`` takes it as ``serve`` does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from testbed.replica import comments_json
from testbed.replica.cli import parse
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from testbed.replica.states import build_states
from testbed.replica.truth import records
from tests.replica.test_replica_parsing import doc, hidden

NOW = parse_now("2026-06-15T00:05:00+09:00")
SPEC = "pager:major:60"
BIG = 2_345  # comments of the gallery's big post: 24 pages, two pager windows


def _links(html: str) -> dict[str, int]:
    """Pager link text → page number (numbered links and 처음/이전/다음/끝)."""
    return {
        text: int(page)
        for page, text in re.findall(r"viewComments\((\d+),'D',true\)\"[^>]*>([^<]+)</a>", html)
    }


def _current(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<em>(\d+)</em>", html)]


# ---------------------------------------------------------------- the pager, drawn


def test_page_1_of_66_links_pages_2_to_16_and_66() -> None:
    html = comments_json.pagination(1, 66)
    links = _links(html)
    assert _current(html) == [1]
    assert sorted(links.values()) == [*range(2, 17), 66]
    assert (links["다음"], links["끝"]) == (16, 66)
    assert "처음" not in links and "이전" not in links
    assert html.endswith(
        '<a href="javascript:viewComments(16,\'D\',true)" class="sp_pagingicon page_next">다음</a>'
        '<a href="javascript:viewComments(66,\'D\',true)" class="sp_pagingicon page_end">끝</a>'
    )


def test_a_later_window_starts_with_first_and_previous() -> None:
    html = comments_json.pagination(20, 66)
    links = _links(html)
    assert _current(html) == [20]
    assert (links["처음"], links["이전"], links["다음"], links["끝"]) == (1, 15, 31, 66)
    numbered = {v for k, v in links.items() if k.isdigit()}
    assert numbered == set(range(16, 31)) - {20}


def test_the_last_window_has_no_next_or_end() -> None:
    links = _links(comments_json.pagination(66, 66))
    assert "다음" not in links and "끝" not in links
    assert {v for k, v in links.items() if k.isdigit()} == set(range(61, 66))


def test_a_short_thread_has_one_window_without_icons() -> None:
    assert comments_json.pagination(1, 1) == "<em>1</em>"
    assert set(_links(comments_json.pagination(2, 3))) == {"1", "3"}
    assert comments_json.pagination(1, 0) == ""


def test_past_the_last_page_the_last_window_is_drawn_without_a_current_page() -> None:
    html = comments_json.pagination(67, 66)
    assert _current(html) == [] and max(_links(html).values()) == 66


def test_without_end_link_only_next_leads_on() -> None:
    links = _links(comments_json.pagination(1, 66, end_link=False))
    assert "끝" not in links and links["다음"] == 16 and max(links.values()) == 16


# ---------------------------------------------------------------- served pages


@pytest.fixture(scope="module")
def served() -> Iterator[ReplicaThread]:
    options = ReplicaOptions(galleries=(GallerySpec.parse(SPEC),), now=NOW, big_thread=BIG)
    with ReplicaThread(options) as server:
        yield server


def _big_post(server: ReplicaThread) -> dict[str, Any]:
    return next(
        r for r in server.truth("pager") if r["type"] == "post" and r["comment_count"] == BIG
    )


def _page(server: ReplicaThread, no: int, page: int) -> dict[str, Any]:
    token = hidden(doc(fetch(server.url("/board/lists/?id=pager")).body), "e_s_n_o")
    form = comment_form("pager", no, token, "G", page)
    return json.loads(fetch(server.url("/board/comment/"), form, XHR).body)


def test_big_thread_pages_hold_100_comments_and_2_to_6_ad_rows(served: ReplicaThread) -> None:
    post = _big_post(served)
    pages = -(-BIG // 100)
    ads: list[int] = []
    for page in range(1, pages + 1):
        data = _page(served, post["post_no"], page)
        rows = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
        boys = [c for c in data["comments"] if c["nicktype"] == "COMMENT_BOY"]
        assert len(rows) == min(100, BIG - 100 * (page - 1))
        assert 2 <= len(boys) <= 6 and all(b["no"] == 0 for b in boys)
        assert data["comment_view_cnt"] == len(data["comments"])
        assert data["total_cnt"] == BIG
        assert data == _page(served, post["post_no"], page)  # the same page twice: identical
        ads.append(len(boys))
    assert len(set(ads)) > 1, "ad rows should vary by page"


def test_ad_rows_never_split_a_comment_from_its_replies(served: ReplicaThread) -> None:
    post = _big_post(served)
    for page in (1, 2, 3):
        comments = _page(served, post["post_no"], page)["comments"]
        for before, row in itertools.pairwise(comments):
            if before["nicktype"] == "COMMENT_BOY":
                assert row["nicktype"] == "COMMENT_BOY" or row["depth"] == 0


def test_big_thread_pager_walks_window_by_window(served: ReplicaThread) -> None:
    post = _big_post(served)
    first = _links(_page(served, post["post_no"], 1)["pagination"])
    assert (first["다음"], first["끝"]) == (16, 24)
    sixteenth = _page(served, post["post_no"], 16)["pagination"]
    assert _current(sixteenth) == [16] and _links(sixteenth)["처음"] == 1


# ---------------------------------------------------------------- options


def test_the_new_options_are_parsed_and_serve_only_ones_leave_truth_alone() -> None:
    _, options = parse(["serve", "--port", "0", "--gallery", SPEC, "--big-thread", "2100",
                        "--comment-pager-no-end", "--view-no-comment-count",
                        "--withhold-comment-page", "3"])  # fmt: skip
    assert options.comment_pager_no_end and options.view_no_comment_count
    assert (options.withhold_comment_page, options.big_thread) == (3, 2100)
    _, plain = parse(["truth", "--gallery", SPEC, "--big-thread", "2100"])
    assert not plain.comment_pager_no_end and plain.withhold_comment_page is None
    served_truth = [r for s in build_states(options).values() for r in records(s)]
    assert served_truth == [r for s in build_states(plain).values() for r in records(s)]
    counts = [r["comment_count"] for r in served_truth if r["type"] == "post"]
    assert 2100 in counts
    for bad in (["--withhold-comment-page", "1"], ["--big-thread", "-1"]):
        with pytest.raises(SystemExit):
            parse(["serve", "--port", "0", "--gallery", SPEC, *bad])


def test_big_thread_is_deterministic_and_only_changes_the_big_post() -> None:
    def truth(*extra: str) -> list[dict[str, Any]]:
        _, options = parse(["truth", "--gallery", SPEC, *extra])
        return [r for s in build_states(options).values() for r in records(s)]

    plain, big = truth(), truth("--big-thread", "2000")
    assert big == truth("--big-thread", "2000")
    changed = {r["post_no"] for r in big if r["type"] == "post"}
    posts_plain = {r["post_no"]: r for r in plain if r["type"] == "post"}
    posts_big = {r["post_no"]: r for r in big if r["type"] == "post"}
    differ = [
        n for n in changed if posts_plain[n]["comment_count"] != posts_big[n]["comment_count"]
    ]
    assert len(differ) == 1 and posts_big[differ[0]]["comment_count"] == 2000
    comments = [r for r in big if r["type"] == "comment" and r["post_no"] == differ[0]]
    assert len(comments) == 2000 == len({c["comment_no"] for c in comments})


def test_no_end_no_count_and_withheld_page_as_served() -> None:
    options = ReplicaOptions(
        galleries=(GallerySpec.parse(SPEC),),
        now=NOW,
        big_thread=BIG,
        comment_pager_no_end=True,
        view_no_comment_count=True,
        withhold_comment_page=2,
    )
    with ReplicaThread(options) as server:
        post = _big_post(server)
        no = post["post_no"]
        first = _page(server, no, 1)
        assert "끝" not in _links(first["pagination"]) and _links(first["pagination"])["다음"] == 16
        withheld = _page(server, no, 2)
        assert withheld["comments"] == [] and withheld["total_cnt"] == BIG
        assert _current(withheld["pagination"]) == [2]
        assert len(_page(server, no, 3)["comments"]) > 100
        view = fetch(server.url(f"/board/view/?id=pager&no={no}")).text
        assert 'class="gall_comment"' not in view and 'id="comment_cnt"' not in view
        assert 'class="gall_count"' in view and 'id="e_s_n_o"' in view
