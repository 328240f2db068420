"""The item schema (``dccrawl/schema.py``) on items the loaders make from the real samples.

Every sample's items are valid as they are; then each rule is broken on one field of a real
item, and the validator must name that field and that rule, and nothing else. The accept
path (``fastjsonschema``) and the explaining path (``jsonschema``) must agree on each.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from dccrawl.items import Comment, ListedPost, MediaPost, Post
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.refresh import RowState
from dccrawl.site.comments import parse_comment_page
from dccrawl.site.lists import parse_list_page
from dccrawl.site.views import parse_view
from dccrawl.validation import ItemValidator, TimeRule, Violation, as_json, parse_tolerance
from testbed.replica.client import fetch
from testbed.replica.options import ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.paths import SAMPLES
from tests.site.test_site_lists import list_page
from tests.site.test_site_views import RECOMMEND_BOX

CRAWLED = datetime(2026, 7, 1, 12, 0, tzinfo=KST)
SEED_DAY = datetime(2025, 5, 22, 23, 30, tzinfo=KST)  # the capture day (seed-README.md)
SEED_VIEW = "/board/view/?id=seed&no=19000000"  # the captured post
VIEW_URL = "https://gall.dcinside.com/board/view/?id=neostock&no=1"
COMMENT_SAMPLES = (
    "comment-api-2018-ps-1132.json",
    "comment-api-2021-hit-16457-excerpt.json",
    "comment-api-shape-2026-general-trimmed.json",
    "comment-api-shape-2026-minor-deleted-trimmed.json",
)
VALIDATOR = ItemValidator(TimeRule(clock=lambda: CRAWLED))


def _sample(name: str) -> str:
    """A sample without its leading ``<!-- Source: … -->`` note."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text.split("-->", 1)[1] if text.lstrip().startswith("<!--") else text


def _post(loader: PostLoader, gallery: str, no: int) -> Post:
    """The fields the spider adds to a loaded page (gallery, number, kind, URL)."""
    loader.add_value("gallery_id", gallery)
    loader.add_value("post_no", no)
    loader.add_value("gallery_kind", "major")
    loader.add_value("url", f"https://gall.dcinside.com/board/view/?id={gallery}&no={no}")
    return loader.load_item()


def view_posts() -> list[Post]:
    """Posts from the two real view samples (2026 header excerpt, 2019 writing box), with
    the recommend box their tests add (the excerpts end before it)."""
    posts = []
    header = _sample("view-header-excerpt-2026.html")
    box = _sample("view-writing-box-2019-d_fighter_new1.html")
    for markup, gallery in (
        (header, "neostock"),
        (f'<div class="writing_view_box">{box}</div>', "d_fighter_new1"),
    ):
        url = f"https://gall.dcinside.com/board/view/?id={gallery}&no=1"
        view = parse_view(f"<html><body>{markup}{RECOMMEND_BOX}</body></html>", url=url)
        posts.append(_post(PostLoader(crawled_at=CRAWLED).add_view(view), gallery, 1))
    return posts


def list_posts() -> list[Post]:
    """Posts from the real list rows (granblue, 2024) as a list-only read loads them."""
    page = parse_list_page(list_page(_sample("list-rows-granblue-2024.html")))
    return [
        _post(PostLoader(crawled_at=CRAWLED).add_list_row(row), "granblue", row.post_no)
        for row in page.rows
    ]


def comments() -> list[Comment]:
    loaded = []
    for name in COMMENT_SAMPLES:
        page = parse_comment_page(_sample(name))
        loaded += CommentLoader.load_comments(
            page.comments, crawled_at=CRAWLED, base_url=VIEW_URL, gallery_id="g", post_no=7
        )
    return loaded


def listed_post() -> ListedPost:
    """The real list row as a refresh passes it on (``spiders/gallery.py``)."""
    row = parse_list_page(list_page(_sample("list-rows-granblue-2024.html"))).rows[0]
    return RowState.of(row, in_recommend_list=False).item("granblue", CRAWLED)


POSTS = view_posts() + list_posts()
COMMENTS = comments()


def test_the_samples_give_items_to_check() -> None:
    assert [p["gallery_id"] for p in POSTS] == ["neostock", "d_fighter_new1", "granblue"]
    assert len(COMMENTS) == 14
    assert any(c.get("is_deleted") for c in COMMENTS)  # the minor gallery's deleted rows
    assert any(c.get("writer_ip") for c in COMMENTS) and any(p.get("writer_uid") for p in POSTS)


@pytest.fixture(scope="module")
def seed_items() -> Iterator[list[Post]]:
    """The seed gallery (the real captured page) as the replica serves it: its 50 rows and
    the captured post, loaded as the spider loads them, on the capture day."""
    with ReplicaThread(ReplicaOptions()) as replica:
        rows = parse_list_page(fetch(replica.url("/board/lists/?id=seed")).text).rows
        view = parse_view(fetch(replica.url(SEED_VIEW)).text, url=replica.url(SEED_VIEW))
    posts = [
        _post(PostLoader(crawled_at=SEED_DAY).add_list_row(row), "seed", row.post_no)
        for row in rows
    ]
    return [*posts, _post(PostLoader(crawled_at=SEED_DAY).add_view(view), "seed", 19000000)]


def test_the_seed_gallery_is_valid(seed_items: list[Post]) -> None:
    validator = ItemValidator(TimeRule(clock=lambda: SEED_DAY))
    assert len(seed_items) == 51
    assert {p["post_no"]: validator.violations("post", p) for p in seed_items} == {
        p["post_no"]: [] for p in seed_items
    }


@pytest.mark.parametrize("post", POSTS, ids=lambda p: f"{p['gallery_id']}-{p['post_no']}")
def test_every_sample_post_is_valid(post: Post) -> None:
    assert VALIDATOR.violations("post", post) == []


@pytest.mark.parametrize("comment", COMMENTS, ids=lambda c: str(c["comment_no"]))
def test_every_sample_comment_is_valid(comment: Comment) -> None:
    assert VALIDATOR.violations("comment", comment) == []


def test_a_media_post_from_the_sample_is_valid() -> None:
    """``-a media=1``: the same post with its attachments, its videos still to be filled."""
    header = _sample("view-header-excerpt-2026.html")
    url = "https://gall.dcinside.com/board/view/?id=neostock&no=1"
    view = parse_view(f"<html><body>{header}{RECOMMEND_BOX}</body></html>", url=url)
    loader = PostLoader(item=MediaPost(), crawled_at=CRAWLED).add_view(view).add_attachments(view)
    post = _post(loader, "neostock", 1)
    assert post.get("videos") is None and isinstance(post.get("attachments"), list)
    assert VALIDATOR.violations("post", post) == []


def test_a_sample_listed_post_is_valid() -> None:
    assert VALIDATOR.violations("listed_post", listed_post()) == []


FUTURE = CRAWLED + timedelta(days=2)
DELETE = object()  # the field removed from the item

# (kind, field, bad value, rule): one broken rule each, on a real item.
RULES: list[tuple[str, str, Any, str]] = [
    ("post", "gallery_id", "stock gallery", "pattern"),
    ("post", "gallery_id", DELETE, "required"),
    ("post", "gallery_kind", "board", "enum"),
    ("post", "post_no", 0, "minimum"),
    ("post", "post_no", "12", "type"),
    ("post", "post_no", DELETE, "required"),
    ("post", "title", 12, "type"),
    ("post", "head", ["잡담"], "type"),
    ("post", "writer_nick", 3, "type"),
    ("post", "writer_uid", "has space", "pattern"),
    ("post", "writer_uid", "", "pattern"),
    ("post", "writer_ip", "118.235.1.2", "pattern"),
    ("post", "writer_class", "admin", "enum"),
    ("post", "created_at", FUTURE, "future"),
    ("post", "created_at", datetime(1998, 12, 31, tzinfo=KST), "past"),
    ("post", "created_at", datetime(2025, 1, 1), "format"),
    ("post", "created_at", "2025-01-01 10:00", "format"),
    ("post", "views", -1, "minimum"),
    ("post", "views", 1.5, "type"),
    ("post", "recommend", -1, "minimum"),
    ("post", "downvotes", -2, "minimum"),
    ("post", "recommend_fixed", -1, "minimum"),
    ("post", "comment_count", -1, "minimum"),
    ("post", "body_text", b"bytes", "type"),
    ("post", "body_html", 0, "type"),
    ("post", "image_urls.0", ["/viewimage.php?id=1"], "pattern"),
    ("post", "image_urls", "https://a/b.png", "type"),
    ("post", "video_urls", None, "type"),
    ("post", "is_deleted", None, "type"),
    ("post", "is_deleted", DELETE, "required"),
    ("post", "is_notice", "yes", "type"),
    ("post", "is_recommended", 1, "type"),
    ("post", "url", "https://gall.dcinside.com/board/lists/?id=neostock", "pattern"),
    ("post", "url", DELETE, "required"),
    ("post", "crawled_at", FUTURE, "future"),
    ("post", "crawled_at", DELETE, "required"),
    ("post", "attachments.0.url", [{"filename": "a.jpg"}], "required"),
    ("post", "likes", 3, "unknown field"),
    ("comment", "gallery_id", "a/b", "pattern"),
    ("comment", "post_no", -7, "minimum"),
    ("comment", "comment_no", 0, "minimum"),
    ("comment", "comment_no", DELETE, "required"),
    ("comment", "parent_no", 0, "minimum"),
    ("comment", "writer_ip", "1.2.*.*", "pattern"),
    ("comment", "writer_class", "bot", "enum"),
    ("comment", "created_at", FUTURE, "future"),
    ("comment", "body_text", 5, "type"),
    ("comment", "dccon_url", "dccon.php?no=1", "pattern"),
    ("comment", "is_deleted", "N", "type"),
    ("comment", "is_voice", None, "type"),
    ("comment", "via_app", 0, "type"),
    ("comment", "crawled_at", DELETE, "required"),
    ("comment", "url", VIEW_URL, "unknown field"),
    ("listed_post", "views", -1, "minimum"),
    ("listed_post", "comment_count", "3", "type"),
    ("listed_post", "is_notice", None, "type"),
    ("listed_post", "listed_at", FUTURE, "future"),
    ("listed_post", "listed_at", DELETE, "required"),
]


def _real(kind: str) -> dict[str, Any]:
    if kind == "post":
        return dict(POSTS[0])  # the 2026 header: a member's post with every count
    if kind == "comment":
        return dict(COMMENTS[0])
    return dict(listed_post())


@pytest.mark.parametrize(
    ("kind", "field", "value", "rule"),
    RULES,
    ids=[f"{kind}.{field}-{rule}-{i}" for i, (kind, field, _, rule) in enumerate(RULES)],
)
def test_each_rule_names_its_field_and_rule(kind: str, field: str, value: Any, rule: str) -> None:
    item = _real(kind)
    name = field.split(".", 1)[0]  # image_urls.0: the field's first element
    if value is DELETE:
        del item[name]
    else:
        item[name] = value
    (violation,) = VALIDATOR.violations(kind, item)
    assert (violation.field, violation.rule) == (field, rule)


def test_a_none_where_the_coverage_checks_decide_is_valid() -> None:
    """Missing values of checked fields are the coverage monitor's to count, not invalid."""
    post = _real("post") | {"title": None, "writer_nick": None, "created_at": None}
    assert VALIDATOR.violations("post", post | {"views": None}) == []


def test_every_broken_rule_of_an_item_is_listed() -> None:
    post = _real("post") | {"views": -1, "post_no": 0, "created_at": FUTURE}
    found = {(v.field, v.rule) for v in VALIDATOR.violations("post", post)}
    assert found == {("views", "minimum"), ("post_no", "minimum"), ("created_at", "future")}


def test_a_time_inside_the_tolerance_is_valid() -> None:
    validator = ItemValidator(TimeRule(clock=lambda: CRAWLED, tolerance=timedelta(hours=1)))
    near = _real("post") | {"created_at": CRAWLED + timedelta(minutes=59)}
    assert validator.violations("post", near) == []
    far = near | {"created_at": CRAWLED + timedelta(minutes=61)}
    assert [v.rule for v in validator.violations("post", far)] == ["future"]


def test_the_violation_says_the_field_and_the_message() -> None:
    item = _real("post") | {"views": -1}
    assert str(VALIDATOR.violations("post", item)[0]) == "views: -1 is less than the minimum of 0"
    assert Violation("views", "minimum", "m").field == "views"


def test_the_json_form_writes_times_as_iso_strings() -> None:
    data = as_json(_real("comment"))
    assert data["crawled_at"] == "2026-07-01T12:00:00+09:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", timedelta(days=1)), ("6h", timedelta(hours=6)), (" 30M ", timedelta(minutes=30)),
     ("", timedelta(days=1)), (None, timedelta(days=1))],
)  # fmt: skip
def test_the_tolerance_setting(text: str | None, expected: timedelta) -> None:
    assert parse_tolerance(text) == expected


def test_a_wrong_tolerance_is_refused_with_the_setting_name() -> None:
    with pytest.raises(ValueError, match="DCCRAWL_FUTURE_TOLERANCE='soon'"):
        parse_tolerance("soon")
