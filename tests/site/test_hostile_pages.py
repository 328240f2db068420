"""Parsers never raise on hostile pages: property-based mutations of real-shaped pages.

Real-shaped list and view pages and comment JSON come from the replica; hypothesis
mutates them (truncation, removed nodes, wrong types, huge values, odd Unicode).
Each mutated answer goes the way a response goes through the spider — classify,
parse, load — and must either give items whose fields have the contract's
types or be reported as unparseable (``PageError``). No other exception may
escape.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dccrawl.items import Comment, Post
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.site import comments, lists, views
from dccrawl.site.errors import PageError
from dccrawl.site.signals import classify
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread

CRAWLED_AT = datetime(2026, 11, 27, 12, 0, tzinfo=KST)
ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["\u202eevil", "\x00", "9" * 400, "-1", "1e308", "ㅇㅇ(1.2", "&amp;&#0;", "💩"])


@pytest.fixture(scope="module")
def pages() -> Iterator[dict[str, str]]:
    options = ReplicaOptions(galleries=(GallerySpec.parse("host:minor:120"),))
    with ReplicaThread(options) as replica:

        def get(path: str, data: bytes | None = None) -> str:
            headers = {"X-Requested-With": "XMLHttpRequest"} if data else {}
            request = urllib.request.Request(replica.url(path), data=data, headers=headers)
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read().decode()

        view = get("/mgallery/board/view/?id=host&no=100")
        token = lxml.html.fromstring(view).xpath("//input[@id='e_s_n_o']/@value")[0]
        form = f"id=host&no=100&cmt_id=host&cmt_no=100&e_s_n_o={token}&comment_page=1&_GALLTYPE_=M"
        yield {
            "list": get("/mgallery/board/lists/?id=host&page=1&list_num=50"),
            "view": view,
            "comments": get("/board/comment/", form.encode()),
        }


HTML_OPS = st.lists(
    st.tuples(st.sampled_from(["drop", "text", "attr"]), st.integers(0, 10**6), ODD_TEXT),
    min_size=1,
    max_size=8,
)
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def mutate_html(html: str, cut: int | None, ops: list[tuple[str, int, str]]) -> str:
    """Cut the page at ``cut``, or drop / rewrite some of its elements' text and attributes."""
    if cut is not None:
        return html[: cut % (len(html) + 1)]
    root = lxml.html.fromstring(html)
    for op, index, raw in ops:
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        if not elements:  # every element dropped already: nothing left to mutate
            break
        element = elements[index % len(elements)]
        text = _XML_UNSAFE.sub("", raw)  # lxml refuses what no HTML parser would produce
        if op == "drop":
            element.getparent().remove(element)
        elif op == "text":
            element.text = text
        elif element.attrib:
            element.set(sorted(element.attrib)[index % len(element.attrib)], text)
    return lxml.html.tostring(root, encoding="unicode")


CUTS = st.none() | st.integers(0, 10**7)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=6,
)


def mutate_json(text: str, data: st.DataObject) -> str:
    """Drop keys, change value types, or cut the JSON text."""
    if data.draw(st.booleans()):
        return text[: data.draw(st.integers(0, len(text)))]
    payload = json.loads(text)
    targets: list[dict[str, Any]] = [payload, *[c for c in payload.get("comments") or [] if
                                                isinstance(c, dict)]]  # fmt: skip
    for _ in range(data.draw(st.integers(1, 6))):
        target = data.draw(st.sampled_from(targets))
        if not target:
            continue
        key = data.draw(st.sampled_from(sorted(target)))
        if data.draw(st.booleans()):
            del target[key]
        else:
            target[key] = data.draw(JSON_VALUES)
    return json.dumps(payload, ensure_ascii=data.draw(st.booleans()))


def assert_post_types(post: Post) -> None:
    for name in ("gallery_id", "title", "head", "writer_nick", "writer_uid", "writer_ip",
                 "body_text", "body_html", "url"):  # fmt: skip
        assert post[name] is None or isinstance(post[name], str), name
    for name in ("post_no", "views", "recommend", "downvotes", "comment_count"):
        limit = 2**63 if name == "post_no" else 2**31  # bigint / integer columns
        assert post[name] is None or (isinstance(post[name], int) and post[name] < limit), name
    assert post["created_at"] is None or post["created_at"].tzinfo is not None
    assert isinstance(post["image_urls"], list)
    assert all(isinstance(url, str) for url in post["image_urls"])
    assert isinstance(post["is_deleted"], bool)


def assert_comment_types(comment: Comment) -> None:
    for name in ("gallery_id", "writer_nick", "writer_uid", "writer_ip", "body_text", "dccon_url"):
        assert comment[name] is None or isinstance(comment[name], str), name
    for name in ("post_no", "comment_no", "parent_no"):
        value = comment[name]
        assert value is None or (isinstance(value, int) and 0 <= value < 2**63), name
    assert comment["created_at"] is None or comment["created_at"].tzinfo is not None
    assert isinstance(comment["is_deleted"], bool)


FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FAST
@given(cut=CUTS, ops=HTML_OPS)
def test_mutated_view_pages_give_typed_posts_or_page_errors(
    pages: dict[str, str], cut: int | None, ops: list[tuple[str, int, str]]
) -> None:
    body = mutate_html(pages["view"], cut, ops)
    if not classify(body, "view").ok:
        return  # retried or reported by the spider, never parsed
    try:
        view = views.parse_view(
            body, url="https://gall.dcinside.com/mgallery/board/view/?id=h&no=1"
        )
    except PageError:
        return
    loader = PostLoader(crawled_at=CRAWLED_AT, base_url="https://gall.dcinside.com")
    loader.add_value("gallery_id", "host")
    loader.add_view(view)
    assert_post_types(loader.load_item())


@FAST
@given(cut=CUTS, ops=HTML_OPS)
def test_mutated_list_pages_give_numbered_rows_or_page_errors(
    pages: dict[str, str], cut: int | None, ops: list[tuple[str, int, str]]
) -> None:
    body = mutate_html(pages["list"], cut, ops)
    if not classify(body, "list").ok:
        return
    try:
        page = lists.parse_list_page(body)
    except PageError:
        return
    for row in page.rows:
        assert isinstance(row.post_no, int) and row.post_no >= 0
        loader = PostLoader(crawled_at=CRAWLED_AT)
        loader.add_list_row(row)
        assert_post_types(loader.load_item())
    assert page.last_page is None or isinstance(page.last_page, int)


@FAST
@given(data=st.data())
def test_mutated_comment_json_gives_typed_comments_or_page_errors(
    pages: dict[str, str], data: st.DataObject
) -> None:
    body = mutate_json(pages["comments"], data)
    try:
        page = comments.parse_comment_page(body)
    except PageError:
        return
    for raw in page.comments:
        loader = CommentLoader(crawled_at=CRAWLED_AT)
        loader.add_value("gallery_id", "host")
        loader.add_comment(raw)
        assert_comment_types(loader.load_item())
    assert page.last_page is None or isinstance(page.last_page, int)
