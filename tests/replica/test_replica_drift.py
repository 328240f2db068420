"""The replica drifts (``--drift NAME``): each name changes one real thing of the served pages
the way a site redesign would, and the crawler's own parsers lose exactly that.

Every drift is served by a replica of its own and compared, page by page, with a replica
without drift: (1) the page changed as described (``testbed/replica/README.md``, Drift),
(2) ``dccrawl``'s parsers (and ``PostLoader``, for the writer and ``created_at``) lose
exactly the intended field or page kind, everything else parsing as before, (3) without
drift the same pages parse fully and agree with the truth, which no drift changes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from datetime import datetime
from functools import cache
from typing import Any

import pytest
from lxml import html as lxml_html

from dccrawl.loaders import PostLoader
from dccrawl.site import signals as crawler_signals
from dccrawl.site.comments import comment_form as crawler_comment_form
from dccrawl.site.comments import comment_headers, parse_comment_page
from dccrawl.site.errors import RefusedPage
from dccrawl.site.lists import ListPage, ListRow, parse_list_page
from dccrawl.site.views import ViewPage, parse_view
from testbed.replica import signals
from testbed.replica.cli import parse
from testbed.replica.client import XHR, Reply, comment_form, fetch
from testbed.replica.clock import iso, parse_now
from testbed.replica.drift import DRIFTS, ago_text
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaProcess, ReplicaThread
from testbed.replica.states import esno_token
from tests.paths import ROOT

NOW = parse_now("2026-06-15T00:05:00+09:00")
# A major gallery (operator notices without us-post, survey row) and a minor one with
# 말머리 (manager notices with us-post).
SPECS = ("dm:major:60", "dn:minor:60:heads")
PREFIX = {"major": "/board", "minor": "/mgallery/board"}
GALLTYPE = {"major": "G", "minor": "M"}
WRITER_FIELDS = ("writer_nick", "writer_uid", "writer_ip", "writer_text", "writer_icon")
POST_WRITER_FIELDS = ("writer_nick", "writer_uid", "writer_ip", "writer_class")
RELATIVE = re.compile(r"방금 전|[1-9]\d*(?:분|시간|일|개월|년) 전")


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def count(text: str, xpath: str) -> int:
    return len(lxml_html.fromstring(text).xpath(xpath))


@dataclasses.dataclass
class Served:
    """What one replica served for the same requests, raw and as the crawler parses it."""

    truth: dict[str, list[dict[str, Any]]]
    lists: dict[str, str]  # gallery id -> list page 1
    parsed_lists: dict[str, ListPage]
    views: dict[tuple[str, int], str]
    parsed_views: dict[tuple[str, int], ViewPage]
    posts: dict[tuple[str, int], dict[str, Any]]  # PostLoader from the view page alone
    row_posts: dict[tuple[str, int], dict[str, Any]]  # PostLoader from the list row alone
    comments: dict[tuple[str, int], Reply]  # page 1, asked with the view page's context


def chosen_posts(truth: list[dict[str, Any]]) -> list[int]:
    """A notice, the newest post, the oldest live post and the one with most comments."""
    live = [r for r in truth if r["type"] == "post" and not r["is_deleted"]]
    notice = next(r["post_no"] for r in live if r["notice"])
    posts = [r for r in live if not r["notice"]]
    talkative = max(posts, key=lambda r: r["comment_count"])["post_no"]
    return sorted({notice, posts[-1]["post_no"], posts[0]["post_no"], talkative})


def loaded(view: ViewPage | None = None, row: ListRow | None = None) -> dict[str, Any]:
    loader = PostLoader(crawled_at=NOW)
    if view is not None:
        loader.add_view(view)
    if row is not None:
        loader.add_list_row(row)
    return dict(loader.load_item())


@cache
def served(*drift: str) -> Served:
    options = ReplicaOptions(
        galleries=tuple(GallerySpec.parse(spec) for spec in SPECS),
        now=NOW,
        drift=frozenset(drift),
    )
    result = Served({}, {}, {}, {}, {}, {}, {}, {})
    with ReplicaThread(options) as replica:
        for spec in map(GallerySpec.parse, SPECS):
            gid, prefix = spec.id, PREFIX[spec.kind]
            truth = replica.truth(gid)
            result.truth[gid] = truth
            page = fetch(replica.url(f"{prefix}/lists/?id={gid}"))
            # every page, drifted or not, is a whole page of its kind to the crawler
            assert page.status == 200 and crawler_signals.classify(page.text, "list").ok
            result.lists[gid] = page.text
            parsed = result.parsed_lists[gid] = parse_list_page(page.text)
            for row in parsed.rows:
                result.row_posts[gid, row.post_no] = loaded(row=row)
            for no in chosen_posts(truth):
                url = replica.url(f"{prefix}/view/?id={gid}&no={no}")
                answer = fetch(url)
                assert answer.status == 200 and crawler_signals.classify(answer.text, "view").ok
                view = parse_view(answer.text, url=url)
                result.views[gid, no] = answer.text
                result.parsed_views[gid, no] = view
                result.posts[gid, no] = loaded(view=view)
                form = crawler_comment_form(view.context)
                headers = comment_headers(url, replica.base_url)
                result.comments[gid, no] = fetch(replica.url("/board/comment/"), form, headers)
    return result


def base() -> Served:
    return served()


def without(value: Any, *names: str, **changes: Any) -> Any:
    """A parsed dataclass with the named fields None (and other fields changed)."""
    return dataclasses.replace(value, **dict.fromkeys(names), **changes)


def all_rows(page: ListPage) -> list[ListRow]:
    return [*page.notices, *page.rows]


# ---------------------------------------------------------------- without drift: all there


def test_without_drift_every_page_parses_fully_and_agrees_with_the_truth() -> None:
    site = base()
    for gid in site.lists:
        truth = {r["post_no"]: r for r in site.truth[gid] if r["type"] == "post"}
        page = site.parsed_lists[gid]
        assert len(page.rows) == 50 and page.notices and page.e_s_n_o
        for row in all_rows(page):
            assert row.writer_nick is not None and row.writer_text
            assert row.date_title == truth[row.post_no]["created_at"][:19].replace("T", " ")
        for (g, no), post in site.posts.items():
            if g != gid:
                continue
            assert post["writer_nick"] == truth[no]["writer_nick"]
            assert post["writer_uid"] == truth[no]["writer_uid"]
            assert iso(post["created_at"]) == truth[no]["created_at"]
            assert site.parsed_views[g, no].context.e_s_n_o == esno_token(1)
            comments = parse_comment_page(site.comments[g, no].body)
            assert len(comments.comments) == min(truth[no]["comment_count"], 100)
    assert any(len(parse_comment_page(r.body).comments) > 50 for r in site.comments.values())


def test_no_drift_changes_the_truth() -> None:
    for drift in DRIFTS:
        assert served(drift).truth == base().truth
    args = ["truth", "--gallery", SPECS[1], "--now", "2026-06-15T00:05:00"]
    plain, drifted = (
        subprocess.run(
            [sys.executable, "-m", "testbed.replica", *args, *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for extra in ((), [f"--drift={name}" for name in DRIFTS])
    )
    assert plain.count("\n") > 60 and drifted == plain


def test_the_command_line_takes_drifts_and_none_by_default() -> None:
    _, options = parse(["serve", "--port", "0", "--drift", "date-title", "--drift", "no-esno"])
    assert options.drift == frozenset({"date-title", "no-esno"})
    assert parse(["serve", "--port", "0"])[1].drift == frozenset()
    assert parse(["truth", "--drift", "comment-key"])[1].drift == frozenset({"comment-key"})
    with pytest.raises(SystemExit):
        parse(["serve", "--port", "0", "--drift", "everything"])
    with pytest.raises(ValueError, match="drifts"):
        ReplicaOptions(drift=frozenset({"everything"}))


def test_a_served_process_applies_every_drift_given() -> None:
    args = ["--gallery", SPECS[0], "--now", "2026-06-15T00:05:00"]
    with ReplicaProcess([*args, "--drift", "writer-class", "--drift", "no-esno"]) as replica:
        text = fetch(replica.url("/board/lists/?id=dm")).text
    page = parse_list_page(text)
    assert page.rows and page.e_s_n_o is None
    assert all(row.writer_nick is None for row in page.rows)


# ---------------------------------------------------------------- writer-class


def test_writer_class_leaves_list_rows_and_view_pages_without_a_writer() -> None:
    site, drifted = base(), served("writer-class")
    writers = f"//*[{has_class('gall_writer')}]"
    for gid, text in drifted.lists.items():
        # (1) the writer cells are td.gall_author with the same data-*, name span renamed
        rows = len(all_rows(site.parsed_lists[gid]))
        assert count(text, writers) == 0 and count(site.lists[gid], writers) > rows
        cells = count(site.lists[gid], f"//tr/td[{has_class('gall_writer')}]")
        assert count(text, f"//tr/td[{has_class('gall_author')}]") == cells
        assert count(text, f"//*[{has_class('nickname')}]") == 0
        # (2) the rows lose their writer, and nothing else
        page, before = drifted.parsed_lists[gid], site.parsed_lists[gid]
        assert page.rows and page.notices
        assert all_rows(page) == [without(row, *WRITER_FIELDS) for row in all_rows(before)]
        assert without(page, "rows", "notices") == without(before, "rows", "notices")
    for key, view in drifted.parsed_views.items():
        head = lxml_html.fromstring(drifted.views[key]).xpath(
            f"//div[{has_class('gall_author')}][@data-loc='view']"
        )
        assert head and head[0].get("data-nick") == site.parsed_views[key].writer_nick
        assert count(drifted.views[key], writers) == 0
        assert view == without(site.parsed_views[key], *WRITER_FIELDS)
        post, before = drifted.posts[key], site.posts[key]
        assert before["writer_nick"] and before["writer_class"]
        assert post == {**before, **dict.fromkeys(POST_WRITER_FIELDS)}
    for gid, no in drifted.row_posts:
        assert drifted.row_posts[gid, no]["writer_nick"] is None
    # comments keep their writers (the JSON is not the page's markup)
    assert [r.body for r in drifted.comments.values()] == [r.body for r in site.comments.values()]


# ---------------------------------------------------------------- date-title


def test_date_title_moves_the_full_time_out_of_title_and_posts_lose_created_at() -> None:
    site, drifted = base(), served("date-title")
    for gid, text in drifted.lists.items():
        before = site.parsed_lists[gid]
        # (1) the full time is in data-date; the visible list text is unchanged
        tree = lxml_html.fromstring(text)
        cells = tree.xpath(f"//tr[@data-no!='']/td[{has_class('gall_date')}]")
        assert cells and not any(cell.get("title") for cell in cells)
        assert [c.get("data-date") for c in cells] == [r.date_title for r in all_rows(before)]
        # (2) rows lose date_title only; from a row alone created_at is the short text's
        page = drifted.parsed_lists[gid]
        assert all_rows(page) == [without(row, "date_title") for row in all_rows(before)]
        for row in page.rows:
            full = site.row_posts[gid, row.post_no]["created_at"]
            short = drifted.row_posts[gid, row.post_no]["created_at"]
            assert short in (full.replace(second=0), full.replace(hour=0, minute=0, second=0))
    assert any(
        drifted.row_posts[key]["created_at"] != site.row_posts[key]["created_at"]
        for key in site.row_posts
    )
    texts = set()
    for key, view in drifted.parsed_views.items():
        before = site.parsed_views[key]
        span = lxml_html.fromstring(drifted.views[key]).xpath(
            f"//div[{has_class('gallview_head')}]//span[{has_class('gall_date')}]"
        )[0]
        assert span.get("title") is None and span.get("data-date") == before.date_title
        # (1) a relative visible time; (2) ViewPage has no date_title, the post no created_at
        created = datetime.fromisoformat(before.date_title or "").replace(tzinfo=NOW.tzinfo)
        assert view.date_text == ago_text(created, NOW) and RELATIVE.fullmatch(view.date_text)
        texts.add(view.date_text.split()[0][-1])
        assert view == without(before, "date_title", date_text=view.date_text)
        assert site.posts[key]["created_at"] is not None
        assert drifted.posts[key] == {**site.posts[key], "created_at": None}
    assert len(texts) >= 2  # e.g. 방금 전 and N년 전
    assert [r.body for r in drifted.comments.values()] == [r.body for r in site.comments.values()]


# ---------------------------------------------------------------- comment-key


def test_comment_key_renames_no_and_the_parser_keeps_no_comment() -> None:
    site, drifted = base(), served("comment-key")
    assert drifted.views == site.views and drifted.lists == site.lists
    for key, reply in drifted.comments.items():
        data, before = json.loads(reply.body), json.loads(site.comments[key].body)
        # (1) every row's "no" is now "comment_no" (ad rows too); nothing else changed
        assert all("no" not in row and "comment_no" in row for row in data["comments"])
        renamed = [
            {("no" if k == "comment_no" else k): v for k, v in row.items()}
            for row in data["comments"]
        ]
        assert {**data, "comments": renamed} == before
        # (2) a payload the crawler accepts, whose rows all lack a number: no comments
        assert crawler_signals.classify(reply.body, "comments").kind == "ok"
        page, full = parse_comment_page(reply.body), parse_comment_page(site.comments[key].body)
        assert page.comments == []
        assert page.raw_rows == full.raw_rows and page.total_count == full.total_count
        assert page.last_page == full.last_page
        assert len(full.comments) == min(full.total_count or 0, 100)
    assert any(parse_comment_page(r.body).raw_rows > 50 for r in drifted.comments.values())


# ---------------------------------------------------------------- list-wrapper


def test_list_wrapper_leaves_a_healthy_list_page_without_post_rows() -> None:
    site, drifted = base(), served("list-wrapper")
    for gid, text in drifted.lists.items():
        before = site.lists[gid]
        # (1) the table sits in a new container; rows are tr.gall_item (posts .gall_post)
        assert count(text, f"//div[{has_class('gall_list_area')}]/table[{has_class('gall_list')}]")
        assert count(text, f"//tr[{has_class('ub-content')}]") == 0
        assert count(text, f"//tr[{has_class('gall_item')}]") == count(
            before, f"//tr[{has_class('ub-content')}]"
        )
        assert count(text, f"//tr[{has_class('gall_post')}]") == count(
            before, f"//tr[{has_class('us-post')}]"
        )
        # (2) a complete 200 list page, paging and all, with no rows for the crawler
        assert crawler_signals.classify(text, "list").kind == "ok"
        page, full = drifted.parsed_lists[gid], site.parsed_lists[gid]
        assert page.rows == [] and page.notices == [] and page.row_kinds == []
        assert full.rows and full.notices
        assert without(page, "rows", "notices", "row_kinds") == without(
            full, "rows", "notices", "row_kinds"
        )
        assert page.last_page == full.last_page and page.last_page and page.last_page > 1
    # view pages (whose list below the post drifted too) parse as before
    assert drifted.parsed_views == site.parsed_views and drifted.posts == site.posts


# ---------------------------------------------------------------- no-esno


def test_no_esno_drops_the_token_and_the_comment_endpoint_refuses() -> None:
    site, drifted = base(), served("no-esno")
    token = "//input[@id='e_s_n_o' or @name='e_s_n_o']"
    for gid, text in drifted.lists.items():
        # (1) no hidden token on list pages; (2) the list page parses without it
        assert count(text, token) == 0 and count(site.lists[gid], token) == 1
        page = drifted.parsed_lists[gid]
        assert page.e_s_n_o is None and page == without(site.parsed_lists[gid], "e_s_n_o")
    for key, view in drifted.parsed_views.items():
        assert count(drifted.views[key], token) == 0 and count(site.views[key], token) == 1
        before = site.parsed_views[key]
        assert view.context.e_s_n_o is None and "e_s_n_o" not in view.hidden
        hidden = {k: v for k, v in before.hidden.items() if k != "e_s_n_o"}
        context = without(before.context, "e_s_n_o")
        assert view == dataclasses.replace(before, hidden=hidden, context=context)
        # the crawler's comment request (e_s_n_o "") is refused; without drift answered
        reply = drifted.comments[key]
        assert reply.status == 200 and reply.text == signals.REFUSAL
        assert crawler_signals.classify(reply.body, "comments").kind == "refused"
        with pytest.raises(RefusedPage):
            parse_comment_page(reply.body)
        assert crawler_signals.classify(site.comments[key].body, "comments").kind == "ok"


def test_no_esno_endpoint_refuses_a_request_without_the_token_and_takes_the_token() -> None:
    options = ReplicaOptions(
        galleries=(GallerySpec.parse(SPECS[0]),), now=NOW, drift=frozenset({"no-esno"})
    )
    with ReplicaThread(options) as replica:
        form = comment_form("dm", 59, esno_token(1), GALLTYPE["major"])
        missing = {k: v for k, v in form.items() if k != "e_s_n_o"}
        for data in (missing, {**form, "e_s_n_o": ""}):
            assert fetch(replica.url("/board/comment/"), data, XHR).text == signals.REFUSAL
        assert replica.stats()["refused"] == 2
        # the site still knows its token: a client that has it gets the JSON
        answer = fetch(replica.url("/board/comment/"), form, XHR)
        assert "comments" in json.loads(answer.body)
