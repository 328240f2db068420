"""The seed page (a real gallery page captured as text, 2025-05-22) read by dccrawl's parsers.

Nothing here parses a string this file built. The text-form parsers read the captured
strings themselves (writers, dates, counts as the capture prints them) and are checked
against expectations written out by hand below. The markup parsers (``parse_list_page``
→ ``PostLoader``, ``parse_view``) read the seed gallery as the replica serves it — markup
the replica renders from its own copy of the capture, checked against the real samples by
``test_replica_fidelity.py`` — and must give back what the captured text shows: every row's
number, title, ``[N]``, writer, date, views and recommends, and the post's header and body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from dccrawl import normalize
from dccrawl.kst import KST
from dccrawl.loaders import PostLoader
from dccrawl.normalize import Writer
from dccrawl.site.lists import ListPage, parse_list_page
from dccrawl.site.signals import classify
from dccrawl.site.views import parse_view
from testbed.replica.client import fetch
from testbed.replica.options import ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.seed_capture import SEED_LINES, captured_body

FETCHED = datetime(2025, 5, 22, 23, 30, tzinfo=KST)  # the capture day (seed-README.md)
GALLOG = "갤로그로 이동합니다."
ROW_LINE = re.compile(
    r"^(?P<no>\d+) (?P<rest>.+) (?P<date>\d\d\.\d\d) (?P<views>\d+) (?P<rec>\d+)$"
)


@dataclass(frozen=True)
class SeedRow:
    """One list row of the seed as its text states it."""

    post_no: int
    title: str
    comments: int
    writer: str  # as printed: "ㅇㅇ(118.235)" or "코비갤로그로 이동합니다."
    date: str
    views: int
    recommend: int


def seed_row(line: str) -> SeedRow | None:
    """Split a captured list line: the writer is its last word, or its last two for a
    member (``…갤로그로 이동합니다.``)."""
    m = ROW_LINE.match(line)
    if m is None:
        return None
    words = m["rest"].split(" ")
    member = m["rest"].endswith(GALLOG)
    writer = " ".join(words[-2:]) if member else words[-1]
    title = " ".join(words[:-2] if member else words[:-1]).strip()
    comments = 0
    if reply := re.search(r" \[(\d+)\]$", title):
        comments = int(reply.group(1))
        title = title[: reply.start()]
    return SeedRow(
        post_no=int(m["no"]),
        title=" ".join(title.split()),
        comments=comments,
        writer=writer,
        date=m["date"],
        views=int(m["views"]),
        recommend=int(m["rec"]),
    )


ROWS = [row for line in SEED_LINES if (row := seed_row(line)) is not None]
SURVEY = next(line for line in SEED_LINES if line.startswith("설문 "))

# Every writer text of the captured list, read by a person: anonymous writers are a nick
# with the first two octets of their IP; members show their nick and the gallog icon's
# alt text (noise), never their uid.
WRITERS = {
    "ㅇㅇ(112.161)": Writer("ㅇㅇ", None, "112.161"),
    "ㅇㅇ(118.235)": Writer("ㅇㅇ", None, "118.235"),
    "ㅇㅇ(121.142)": Writer("ㅇㅇ", None, "121.142"),
    "ㅇㅇ(211.221)": Writer("ㅇㅇ", None, "211.221"),
    "ㅇㅇ(211.224)": Writer("ㅇㅇ", None, "211.224"),
    "ㅇㅇ(211.234)": Writer("ㅇㅇ", None, "211.234"),
    "ㅇㅇ(211.235)": Writer("ㅇㅇ", None, "211.235"),
    "ㅇㅇ(211.246)": Writer("ㅇㅇ", None, "211.246"),
    "ㅇㅇ(211.36)": Writer("ㅇㅇ", None, "211.36"),
    "ㅇㅇ(223.38)": Writer("ㅇㅇ", None, "223.38"),
    "ㅇㅇ(39.7)": Writer("ㅇㅇ", None, "39.7"),
    "ㅇㅇ(58.121)": Writer("ㅇㅇ", None, "58.121"),
    "긷갤러(1.227)": Writer("긷갤러", None, "1.227"),
    "긷갤러(106.101)": Writer("긷갤러", None, "106.101"),
    "긷갤러(112.148)": Writer("긷갤러", None, "112.148"),
    "긷갤러(118.235)": Writer("긷갤러", None, "118.235"),
    "긷갤러(183.101)": Writer("긷갤러", None, "183.101"),
    "긷갤러(211.36)": Writer("긷갤러", None, "211.36"),
    "수만번말함(118.235)": Writer("수만번말함", None, "118.235"),
    "ㅇㅇ갤로그로 이동합니다.": Writer("ㅇㅇ", None, None, member=True),
    "긷통령영수갤로그로 이동합니다.": Writer("긷통령영수", None, None, member=True),
    "식물풀나무갤로그로 이동합니다.": Writer("식물풀나무", None, None, member=True),
    "코비갤로그로 이동합니다.": Writer("코비", None, None, member=True),
}


def test_the_seed_lists_50_posts() -> None:
    assert len(ROWS) == 50
    assert [row.post_no for row in ROWS] == sorted((row.post_no for row in ROWS), reverse=True)
    assert (ROWS[0].post_no, ROWS[-1].post_no) == (19385272, 19385194)


# ---------------------------------------------------------------- the text-form parsers


def test_the_writer_table_is_the_captured_writers() -> None:
    assert {row.writer for row in ROWS} == set(WRITERS)


@pytest.mark.parametrize(("text", "expected"), WRITERS.items(), ids=list(WRITERS))
def test_captured_writer_text(text: str, expected: Writer) -> None:
    assert normalize.split_writer_text(text) == expected


def test_captured_list_dates_are_the_capture_day() -> None:
    assert {row.date for row in ROWS} == {"05.22"}
    assert normalize.parse_kst("05.22", FETCHED) == datetime(2025, 5, 22, tzinfo=KST)


def test_survey_date_and_withheld_counts() -> None:
    *_, date_text, views, recommend = SURVEY.split(" ")
    assert (date_text, views, recommend) == ("25/05/19", "-", "-")
    assert (
        normalize.parse_kst(date_text, FETCHED),
        normalize.parse_count(views),
        normalize.parse_count(recommend),
    ) == (datetime(2025, 5, 19, tzinfo=KST), None, None)


HEADER_WRITER_DATE = SEED_LINES[8]  # "ㅇㅇ(110.8) 2025.02.02 01:20:06"
HEADER_COUNTS = SEED_LINES[9]  # "조회 202 추천 0 댓글 0"


def test_header_writer() -> None:
    writer_text = HEADER_WRITER_DATE.rsplit(" ", 2)[0]
    assert normalize.split_writer_text(writer_text) == Writer("ㅇㅇ", None, "110.8")


def test_header_date() -> None:
    date_text = " ".join(HEADER_WRITER_DATE.rsplit(" ", 2)[1:])
    assert normalize.parse_kst(date_text, FETCHED) == datetime(2025, 2, 2, 1, 20, 6, tzinfo=KST)


def test_header_counts() -> None:
    pieces = re.findall(r"\S+ \d+", HEADER_COUNTS)  # the captured "조회 202" etc.
    assert [normalize.parse_count(piece) for piece in pieces] == [202, 0, 0]


# ---------------------------------------------------------------- the seed as the replica serves it


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(ReplicaOptions()) as server:
        yield server


@pytest.fixture(scope="module")
def list_html(replica: ReplicaThread) -> str:
    return fetch(replica.url("/board/lists/?id=seed")).text


@pytest.fixture(scope="module")
def list_page(list_html: str) -> ListPage:
    return parse_list_page(list_html)


VIEW_PATH = "/board/view/?id=seed&no=19000000"  # the captured post (testbed/replica/README.md)


@pytest.fixture(scope="module")
def view_html(replica: ReplicaThread) -> str:
    return fetch(replica.url(VIEW_PATH)).text


def test_the_served_pages_are_ok(list_html: str, view_html: str) -> None:
    assert (classify(list_html, "list").kind, classify(view_html, "view").kind) == ("ok", "ok")


def test_the_list_rows_are_the_captured_rows(list_page: ListPage) -> None:
    assert list_page.row_kinds == ["survey"] + ["post"] * 50 + ["news"]
    loaded = []
    for row in list_page.rows:  # the post rows
        item = dict(PostLoader(crawled_at=FETCHED).add_list_row(row).load_item())
        created = item["created_at"]
        assert isinstance(created, datetime)
        loaded.append(
            {
                "post_no": item["post_no"],
                "title": item["title"],
                "comment_count": item["comment_count"],
                "writer": Writer(
                    item["writer_nick"], None, item["writer_ip"], member=bool(item["writer_uid"])
                ),
                "date": created.astimezone(KST).date(),
                "views": item["views"],
                "recommend": item["recommend"],
            }
        )
    # What the captured text shows, row by row; members' uids are not in the text (the
    # replica invents them), so only whether there is one is compared.
    assert loaded == [
        {
            "post_no": row.post_no,
            "title": row.title,
            "comment_count": row.comments,
            "writer": WRITERS[row.writer],
            "date": date(2025, 5, 22),
            "views": row.views,
            "recommend": row.recommend,
        }
        for row in ROWS
    ]


def test_the_view_is_the_captured_post(view_html: str, replica: ReplicaThread) -> None:
    url = replica.url(VIEW_PATH)
    post = PostLoader(crawled_at=FETCHED, base_url=url).add_view(parse_view(view_html, url=url))
    item = post.load_item()
    text, keys = captured_body()
    assert len(keys) == 5
    assert {
        field: item[field]
        for field in ("title", "head", "writer_nick", "writer_uid", "writer_ip", "created_at",
                      "views", "recommend", "downvotes", "comment_count")
    } == {
        "title": SEED_LINES[6],  # the captured title line
        "head": None,
        "writer_nick": "ㅇㅇ",
        "writer_uid": None,
        "writer_ip": "110.8",
        "created_at": datetime(2025, 2, 2, 1, 20, 6, tzinfo=KST),
        "views": 202,
        "recommend": 0,
        "downvotes": 0,
        "comment_count": 0,
    }  # fmt: skip
    assert item["body_text"].split("\n") == text
    assert [image.rsplit("no=", 1)[1] for image in item["image_urls"]] == keys


def test_the_view_ignores_the_list_below(view_html: str) -> None:
    # The served view page carries list page 1 below the post, 50 other writers.
    assert "수만번말함" in view_html
    assert parse_view(view_html).writer_nick == "ㅇㅇ"
