"""dccrawl.loaders: loaded items carry the field contract's Python types (dccrawl/items.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dccrawl.items import Comment, Post
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.site.comments import RawComment, parse_comment_page
from dccrawl.site.lists import ListRow, parse_list_page
from dccrawl.site.views import CommentContext, ViewPage
from tests.paths import SAMPLES

CRAWLED = datetime(2024, 7, 19, 16, 5, 0, tzinfo=KST)
VIEW_URL = "https://gall.dcinside.com/board/view/?id=granblue&no=4782971"

VIEW = ViewPage(
    title="레페 추가될  수영복은\n누굴까",
    head="[일반]",
    writer_nick="KOSMOS",
    writer_uid="301rs3xp0cfs",
    writer_ip="",
    writer_text="KOSMOS",
    date_title="2024-07-19 15:59:28",
    date_text="15:59",
    views="조회 1,234",
    recommend="추천 15",
    recommend_fixed="3",
    downvotes=None,
    comment_count="댓글 2",
    body_html=(
        "<p>본문&nbsp; 첫 줄</p><script>x()</script>"
        '<p><img src="https://nstatic.dcinside.com/dc/m/img/gallview_loading_ori.gif"'
        ' data-original="//dcimg6.dcinside.co.kr/viewimage.php?id=a&amp;no=1" onclick="p()"></p>'
    ),
    body_source="write_div",
    attachments=[],
    context=CommentContext("granblue", 4782971, "x", "G", "", "", "granblue", 4782971, 2),
)


def load_post(*, with_row: bool = True) -> Post:
    loader = PostLoader(crawled_at=CRAWLED, base_url=VIEW_URL)
    loader.add_view(VIEW)
    if with_row:
        rows = parse_list_page(
            "<html><body><table class='gall_list'><tbody>"
            + (SAMPLES / "list-rows-granblue-2024.html").read_text()
            + "</tbody></table><div class='bottom_paging_box'><em>1</em></div></body></html>"
        ).rows
        loader.add_list_row(rows[0])
    loader.add_value("gallery_id", "granblue")
    loader.add_value("gallery_kind", "major")
    loader.add_value("url", VIEW_URL)
    return loader.load_item()


POST = load_post()

POST_TYPES: dict[str, type | tuple[type, ...]] = {
    "gallery_id": str,
    "gallery_kind": str,
    "post_no": int,
    "title": str,
    "head": str,
    "writer_nick": str,
    "writer_uid": str,
    "writer_ip": type(None),
    "created_at": datetime,
    "views": int,
    "recommend": int,
    "downvotes": type(None),
    "comment_count": int,
    "body_text": str,
    "body_html": str,
    "image_urls": list,
    "is_deleted": bool,
    "url": str,
    "crawled_at": datetime,
}


def test_every_post_field_is_set() -> None:
    assert set(POST.keys()) == set(Post.fields)


@pytest.mark.parametrize(("field", "expected"), sorted(POST_TYPES.items()))
def test_post_field_type(field: str, expected: type) -> None:
    assert isinstance(POST[field], expected)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gallery_id", "granblue"),
        ("gallery_kind", "major"),
        ("post_no", 4782971),
        ("title", "레페 추가될 수영복은 누굴까"),
        ("head", "일반"),
        ("writer_nick", "KOSMOS"),
        ("writer_uid", "301rs3xp0cfs"),
        ("writer_ip", None),
        ("created_at", datetime(2024, 7, 19, 15, 59, 28, tzinfo=KST)),
        ("views", 1234),  # the view page's count wins over the list row's 33
        ("recommend", 15),
        ("downvotes", None),
        ("comment_count", 2),
        ("body_text", "본문 첫 줄"),
        ("image_urls", ["https://dcimg6.dcinside.co.kr/viewimage.php?id=a&no=1"]),
        ("is_deleted", False),
        ("url", VIEW_URL),
        ("crawled_at", CRAWLED),
    ],
)
def test_post_field_value(field: str, value: object) -> None:
    assert POST[field] == value


def test_post_body_html_cleaned() -> None:
    assert ("<script" not in POST["body_html"], "onclick" not in POST["body_html"]) == (True, True)


def test_times_are_kst() -> None:
    assert POST["created_at"].utcoffset() == timedelta(hours=9)


def test_crawled_at_converted_to_kst() -> None:
    loader = PostLoader(crawled_at=datetime(2024, 7, 19, 7, 5, tzinfo=KST).astimezone(tz=None))
    assert loader.load_item()["crawled_at"].tzinfo == KST


def test_list_row_alone_uses_the_crawl_time_as_reference() -> None:
    row = ListRow(
        post_no=5,
        title="t",
        href=None,
        head=None,
        writer_nick=None,
        writer_uid=None,
        writer_ip=None,
        writer_text="ㅇㅇ(118.235)",
        date_title=None,
        date_text="05.22",
        views="186",
        recommend="0",
        reply="[4]",
        comment_count=4,
        voice_count=0,
        data_type=None,
    )
    loader = PostLoader(crawled_at=datetime(2025, 5, 22, 23, 0, tzinfo=KST))
    post = loader.add_list_row(row).load_item()
    assert (post["created_at"], post["writer_nick"], post["writer_ip"], post["comment_count"]) == (
        datetime(2025, 5, 22, tzinfo=KST),
        "ㅇㅇ",
        "118.235",
        4,
    )


def test_title_wins_in_any_order() -> None:
    loader = PostLoader(crawled_at=CRAWLED)
    loader.add_value("created_at", "15:59")
    loader.add_value("created_at", "2024-07-19 15:59:28")
    assert loader.load_item()["created_at"] == datetime(2024, 7, 19, 15, 59, 28, tzinfo=KST)


def test_image_only_post_has_empty_text() -> None:
    loader = PostLoader(crawled_at=CRAWLED)
    loader.add_value("body_text", '<img src="https://dcimg1.dcinside.com/a.jpg">')
    assert loader.load_item()["body_text"] == ""


def test_empty_loader_sets_defaults() -> None:
    post = PostLoader().load_item()
    assert (post["image_urls"], post["is_deleted"], post["title"]) == ([], False, None)


def test_garbage_values_become_none() -> None:
    loader = PostLoader(crawled_at=CRAWLED)
    for field, value in [
        ("post_no", "abc"),
        ("views", "-"),
        ("created_at", "어제"),
        ("gallery_kind", "galaxy"),
        ("writer_ip", "localhost"),
        ("head", "[]"),
    ]:
        loader.add_value(field, value)
    post = loader.load_item()
    assert [
        post[f] for f in ("post_no", "views", "created_at", "gallery_kind", "writer_ip", "head")
    ] == [
        None,
        None,
        None,
        None,
        None,
        None,
    ]


# ---------------------------------------------------------------- comments


def load_comments(name: str, crawled: datetime) -> list[Comment]:
    page = parse_comment_page((SAMPLES / name).read_text(encoding="utf-8"))
    items = []
    for raw in page.comments:
        loader = CommentLoader(crawled_at=crawled, base_url=VIEW_URL)
        loader.add_value("gallery_id", "hit")
        items.append(loader.add_comment(raw).load_item())
    return items


C2021 = load_comments("comment-api-2021-hit-16457-excerpt.json", datetime(2021, 6, 27, tzinfo=KST))
C2018 = load_comments("comment-api-2018-ps-1132.json", datetime(2018, 9, 17, tzinfo=KST))
C2026 = load_comments(
    "comment-api-shape-2026-general-trimmed.json", datetime(2026, 10, 6, 13, tzinfo=KST)
)
CMINOR = load_comments(
    "comment-api-shape-2026-minor-deleted-trimmed.json", datetime(2026, 10, 6, 13, tzinfo=KST)
)

COMMENT_TYPES: dict[str, type | tuple[type, ...]] = {
    "gallery_id": str,
    "post_no": int,
    "comment_no": int,
    "parent_no": int,
    "writer_nick": str,
    "writer_uid": type(None),
    "writer_ip": str,
    "created_at": datetime,
    "body_text": str,
    "dccon_url": type(None),
    "is_deleted": bool,
    "crawled_at": datetime,
    "writer_class": str,
    "is_voice": bool,
    "via_app": bool,
}


def test_every_comment_field_is_set() -> None:
    assert all(set(c.keys()) == set(Comment.fields) for c in C2021 + C2018 + C2026)


@pytest.mark.parametrize(("field", "expected"), sorted(COMMENT_TYPES.items()))
def test_reply_comment_field_type(field: str, expected: type) -> None:
    assert isinstance(C2021[1][field], expected)


def test_reply_values() -> None:
    reply = C2021[1]
    assert dict(reply) == {
        "gallery_id": "hit",
        "post_no": 16457,
        "comment_no": 4878142,
        "parent_no": 4878040,
        "writer_nick": "ㅇㅇ",
        "writer_uid": None,
        "writer_ip": "175.203",
        "created_at": datetime(2021, 6, 26, 9, 59, 53, tzinfo=KST),
        "body_text": "당연한거지 만유인력에 의해서 뭉치는데",
        "dccon_url": None,
        "is_deleted": False,
        "crawled_at": datetime(2021, 6, 27, tzinfo=KST),
        "writer_class": "floating",
        "is_voice": False,
        "via_app": False,
    }


def test_member_comment_uid_without_ip() -> None:
    assert (C2021[3]["writer_uid"], C2021[3]["writer_ip"]) == ("dcin123456", None)


def test_2018_masked_ip() -> None:
    assert C2018[1]["writer_ip"] == "220.127"


def test_2018_date_with_two_digit_year() -> None:
    assert C2018[0]["created_at"] == datetime(2018, 9, 16, 20, 8, 28, tzinfo=KST)


def test_dccon_only_comment() -> None:
    assert (C2026[2]["body_text"], C2026[2]["dccon_url"]) == (
        None,
        "https://example.invalid/dccon/sample.png",
    )


def test_deleted_comment_flag() -> None:
    assert [c["is_deleted"] for c in CMINOR] == [False, True, False]


def test_previous_year_comment_date() -> None:
    assert CMINOR[0]["created_at"] == datetime(2025, 1, 1, 12, 0, tzinfo=KST)


def test_this_year_comment_date() -> None:
    assert CMINOR[1]["created_at"] == datetime(2026, 10, 6, 12, 0, 4, tzinfo=KST)


def test_garbage_comment_row_loads_with_none_fields() -> None:
    raw = RawComment(
        comment_no=1,
        parent_no=None,
        post_no=None,
        depth=0,
        name=None,
        user_id=None,
        ip="?",
        reg_date="garbage",
        memo="<b></b>",
        nicktype=None,
        is_deleted=False,
        has_voice=True,
    )
    item = CommentLoader(crawled_at=CRAWLED).add_comment(raw).load_item()
    assert [item[f] for f in ("writer_nick", "writer_ip", "created_at", "body_text")] == [
        None,
        None,
        None,
        None,
    ]
