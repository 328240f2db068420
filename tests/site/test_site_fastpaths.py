"""The parsers' shortcuts change no result: the cut post list, the class search, the JSON reuse."""

from __future__ import annotations

import re

import pytest
from parsel import Selector

from dccrawl.site import signals
from dccrawl.site.comments import parse_comment_page
from dccrawl.site.views import parse_view, without_post_list
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.paths import SAMPLES
from tests.site.test_site_views import RECOMMEND_BOX, full_page

LIST = '<table class="gall_list"><tbody><tr><td class="gall_date">x</td></tr></tbody></table>'


def test_the_list_after_the_recommend_box_is_cut() -> None:
    page = (
        f"<html><body><div class='write_div'>a</div>{RECOMMEND_BOX}{LIST}<p>after</p></body></html>"
    )
    cut = without_post_list(page)
    assert "gall_list" not in cut
    assert cut.endswith("<p>after</p></body></html>")
    assert RECOMMEND_BOX in cut


def test_the_right_column_after_the_box_is_cut_and_one_in_the_body_kept() -> None:
    column = '<section class="right_content"><ul class="best_list"><li>x</li></ul></section>'
    page = f"<html><body><div class='write_div'>{column}</div>{RECOMMEND_BOX}{column}</body></html>"
    cut = without_post_list(page)
    assert cut.count("right_content") == 1
    assert cut.startswith(f"<html><body><div class='write_div'>{column}</div>")


def test_a_list_table_inside_the_body_is_kept() -> None:
    page = f"<html><body><div class='write_div'>{LIST}</div>{RECOMMEND_BOX}</body></html>"
    assert without_post_list(page) == page


def test_a_list_with_a_nested_table_is_left_whole() -> None:
    nested = LIST.replace("<td class", "<td><table><tr><td>x</td></tr></table></td><td class")
    page = f"<html><body><div class='write_div'>a</div>{RECOMMEND_BOX}{nested}</body></html>"
    assert without_post_list(page) == page


def test_parse_view_gives_the_same_with_and_without_the_cut() -> None:
    page = full_page()
    assert "<table" in page
    assert "<table" not in without_post_list(page)
    # A bare Selector is parsed whole (nothing to cut): the reference.
    assert parse_view(page) == parse_view(Selector(text=page))


def test_replica_view_pages_parse_the_same_with_and_without_the_cut() -> None:
    options = ReplicaOptions(galleries=(GallerySpec.parse("cut:major:60"),))
    with ReplicaThread(options) as replica:
        for no in (10, 25, 40, 55):
            url = replica.url(f"/board/view/?id=cut&no={no}")
            reply = fetch(url)
            if reply.status != 200 or "write_div" not in reply.text:
                continue  # deleted or missing numbers
            assert without_post_list(reply.text) != reply.text
            assert parse_view(reply.text, url=url) == parse_view(Selector(text=reply.text), url=url)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ('<div class="gall_listwrap_title"></div><table class="gall_list">', 0),
        ('<table class="gall_list x">', 0),
        ('<TABLE CLASS="GALL_LIST">', 0),  # no lowercase name: the plain search decides
        ('<table class="gall_list"><table class="gall_list">', 5),
        ('<p class="a\ngall_list">', 0),
        ("<p>nothing here</p>", 0),
        ('<b class="write_div_x"></b><div class="writing_view_box">', 0),
    ],
)
def test_class_search_finds_what_the_plain_search_finds(text: str, start: int) -> None:
    for pattern, names in (
        (signals._GALL_LIST, ("gall_list",)),
        (signals._BODY_BOX, ("write_div", "writing_view_box")),
    ):
        fast = signals._search(pattern, text, names, start)
        plain = pattern.search(text, start)
        assert (fast and fast.span()) == (plain and plain.span())


def test_the_comment_verdict_carries_the_decoded_page() -> None:
    body = (SAMPLES / "comment-api-shape-2026-general-trimmed.json").read_bytes()
    signal = signals.classify(body, "comments")
    assert signal.ok and signal.payload is not None
    assert parse_comment_page(signal.payload) == parse_comment_page(body)


def test_replica_comment_pages_parse_the_same_from_the_verdict() -> None:
    options = ReplicaOptions(galleries=(GallerySpec.parse("json:major:40"),))
    with ReplicaThread(options) as replica:
        listing = fetch(replica.url("/board/lists/?id=json")).text
        match = re.search(r'id="e_s_n_o" value="([0-9a-f]+)"', listing)
        assert match is not None
        checked = 0
        for no in range(5, 40, 5):
            form = comment_form("json", no, match[1], "G")
            body = fetch(replica.url("/board/comment/"), form, XHR).body
            signal = signals.classify(body, "comments")
            if signal.ok:
                assert parse_comment_page(signal.payload or {}) == parse_comment_page(body)
                checked += 1
        assert checked
