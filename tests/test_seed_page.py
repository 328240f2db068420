"""The seed page (a real gallery page as text, 2025-05-22): every row and the post header.

The helper below reads the text the way a person reads it — number, title with
``[N]``, writer, ``05.22``, views, recommends — so the expected values come from
the seed itself, not from the parsers under test. The parsers then meet the
same rows twice: as text (the text-form writer and count parsers) and rendered
into the site's list markup (``parse_list_page`` → ``PostLoader``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from dccrawl import normalize
from dccrawl.loaders import PostLoader
from dccrawl.normalize import KST
from dccrawl.site.lists import parse_list_page
from dccrawl.site.signals import classify
from dccrawl.site.views import parse_view

SAMPLES = Path(__file__).parent / "samples"
SEED_LINES = (SAMPLES / "seed-gallery-post-page.txt").read_text(encoding="utf-8").splitlines()
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
    nick: str
    ip: str | None
    member: bool
    date: str
    views: int
    recommend: int


def seed_row(line: str) -> SeedRow | None:
    """Split a seed list line: the writer is the last word (two for ``…갤로그로 이동합니다.``)."""
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
    if member:
        nick, ip = writer[: -len(GALLOG)], None
    else:
        nick, _, rest = writer.partition("(")
        ip = rest.rstrip(")")
    return SeedRow(
        post_no=int(m["no"]),
        title=" ".join(title.split()),
        comments=comments,
        writer=writer,
        nick=nick,
        ip=ip,
        member=member,
        date=m["date"],
        views=int(m["views"]),
        recommend=int(m["rec"]),
    )


ROWS = [row for line in SEED_LINES if (row := seed_row(line)) is not None]
IDS = [str(row.post_no) for row in ROWS]
SURVEY = next(line for line in SEED_LINES if line.startswith("설문 "))
NEWS = next(line for line in SEED_LINES if line.startswith("뉴스 "))


def test_the_seed_lists_50_posts() -> None:
    assert len(ROWS) == 50


def test_post_numbers_descend() -> None:
    assert [row.post_no for row in ROWS] == sorted((row.post_no for row in ROWS), reverse=True)


# ---------------------------------------------------------------- the text-form parsers, row by row


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_writer_text_nick(row: SeedRow) -> None:
    assert normalize.split_writer_text(row.writer).nick == row.nick


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_writer_text_ip(row: SeedRow) -> None:
    assert normalize.split_writer_text(row.writer).ip == row.ip


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_writer_text_member(row: SeedRow) -> None:
    assert normalize.split_writer_text(row.writer).member is row.member


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_views_count(row: SeedRow) -> None:
    assert normalize.parse_count(str(row.views)) == row.views


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_recommend_count(row: SeedRow) -> None:
    assert normalize.parse_count(str(row.recommend)) == row.recommend


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_reply_count(row: SeedRow) -> None:
    text = f"[{row.comments}]" if row.comments else None
    assert normalize.parse_reply_counts(text) == (row.comments, 0)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_date_relative_to_the_fetch(row: SeedRow) -> None:
    assert normalize.parse_kst(row.date, FETCHED) == datetime(2025, 5, 22, tzinfo=KST)


def test_survey_date_and_withheld_counts() -> None:
    *_, date, views, recommend = SURVEY.split(" ")
    assert (
        normalize.parse_kst(date, FETCHED),
        normalize.parse_count(views),
        normalize.parse_count(recommend),
    ) == (datetime(2025, 5, 19, tzinfo=KST), None, None)


# ---------------------------------------------------------------- the post header


HEADER_WRITER_DATE = SEED_LINES[8]  # "ㅇㅇ(110.8) 2025.02.02 01:20:06"
HEADER_COUNTS = SEED_LINES[9]  # "조회 202 추천 0 댓글 0"


def test_header_writer() -> None:
    writer_text = HEADER_WRITER_DATE.rsplit(" ", 2)[0]
    assert normalize.split_writer_text(writer_text) == normalize.Writer("ㅇㅇ", None, "110.8")


def test_header_date() -> None:
    date_text = " ".join(HEADER_WRITER_DATE.rsplit(" ", 2)[1:])
    assert normalize.parse_kst(date_text, FETCHED) == datetime(2025, 2, 2, 1, 20, 6, tzinfo=KST)


@pytest.mark.parametrize(("label", "expected"), [("조회", 202), ("추천", 0), ("댓글", 0)])
def test_header_counts(label: str, expected: int) -> None:
    pairs = re.findall(r"(\S+) (\d+)", HEADER_COUNTS)
    assert normalize.parse_count(f"{label} {dict(pairs)[label]}") == expected


# ---------------------------------------------------------------- the seed rendered as a page


BODY_LINES = SEED_LINES[10 : SEED_LINES.index("추천 비추천")]
TITLE = SEED_LINES[6]


def row_html(row: SeedRow, *, attributes: bool) -> str:
    """A list row in the real markup (SITE.md §2.1); ``attributes=False`` leaves only text."""
    if attributes and row.member:
        writer = (
            f'<td class="gall_writer ub-writer" data-nick="{row.nick}"'
            f' data-uid="seed{row.post_no}" data-ip="" data-loc="list">'
            f'<span class="nickname in" title="{row.nick}"><em>{row.nick}</em></span>'
            '<a class="writer_nikcon">'
            '<img src="https://nstatic.dcinside.com/dc/w/images/fix_nik.gif"'
            f' title="seed** : {GALLOG}" alt="{GALLOG}"></a></td>'
        )
    elif attributes:
        writer = (
            f'<td class="gall_writer ub-writer" data-nick="{row.nick}" data-uid=""'
            f' data-ip="{row.ip}" data-loc="list">'
            f'<span class="nickname" title="{row.nick}"><em>{row.nick}</em></span>'
            f'<span class="ip">({row.ip})</span></td>'
        )
    else:
        writer = f'<td class="gall_writer ub-writer">{html.escape(row.writer)}</td>'
    reply = (
        f'<a class="reply_numbox" href="#"><span class="reply_num">[{row.comments}]</span></a>'
        if row.comments
        else ""
    )
    return (
        f'<tr class="ub-content us-post" data-no="{row.post_no}" data-type="icon_txt">'
        f'<td class="gall_num">{row.post_no}</td><td class="gall_tit ub-word">'
        f'<a href="/board/view/?id=seed&amp;no={row.post_no}&amp;page=1">'
        f'<em class="icon_img icon_txt"></em>{html.escape(row.title)}</a> {reply}</td>{writer}'
        f'<td class="gall_date" title="2025-05-22 00:00:00">{row.date}</td>'
        f'<td class="gall_count">{row.views}</td>'
        f'<td class="gall_recommend">{row.recommend}</td></tr>'
    )


def seed_page(*, attributes: bool) -> str:
    survey = (
        '<tr class="ub-content" data-no="" data-type=""><td class="gall_num">설문</td>'
        '<td class="gall_tit"><a href="javascript:;" class="font_blue3a7">새로운 워터밤</a></td>'
        '<td class="gall_writer ub-writer" data-nick="운영자" data-uid="" data-ip="">운영자</td>'
        '<td class="gall_date">25/05/19</td><td class="gall_count">-</td>'
        '<td class="gall_recommend">-</td></tr>'
    )
    news = (
        '<tr class="ub-content" data-no="" data-type=""><td class="gall_num">뉴스</td>'
        '<td class="gall_tit"><a href="https://dctrend.example/">첫사랑</a></td>'
        '<td class="gall_writer">디시트렌드</td><td class="gall_date">05.22</td></tr>'
    )
    body = "".join(
        f"<p>{html.escape(line)}</p>" if line.strip() else "<p><br></p>" for line in BODY_LINES
    )
    rows = "".join(row_html(row, attributes=attributes) for row in ROWS)
    return (
        "<!DOCTYPE html><html><head><title>시드 갤러리</title></head><body>"
        '<input type="hidden" id="e_s_n_o" value="3eabc219ebdd65f438">'
        '<input type="hidden" id="gallery_id" value="seed"><input type="hidden" id="no" value="1">'
        '<input type="hidden" id="_GALLTYPE_" value="G">'
        '<div class="view_content_wrap"><header><div class="gallview_head clear ub-content">'
        f'<h3 class="title ub-word"><span class="title_subject">{html.escape(TITLE)}</span></h3>'
        '<div class="gall_writer ub-writer" data-nick="ㅇㅇ" data-uid="" data-ip="110.8"'
        ' data-loc="view">'
        '<div class="fl"><span class="nickname"><em>ㅇㅇ</em></span><span class="ip">(110.8)</span>'
        '<span class="gall_date" title="2025-02-02 01:20:06">2025.02.02 01:20:06</span></div>'
        '<div class="fr"><span class="gall_count">조회 202</span>'
        '<span class="gall_reply_num">추천 0</span>'
        '<span class="gall_comment"><a href="#focus_cmt">댓글 0</a></span></div></div></div>'
        "</header>"
        f'<div class="writing_view_box"><div class="write_div">{body}</div></div>'
        '<div class="btn_recommend_box clear"><div class="inner fl"><div class="up_num_box">'
        '<p class="up_num font_red">0</p>'
        '<p class="sup_num"><span class="smallnum">0</span></p></div>'
        '<div class="down_num_box"><p class="down_num">0</p></div></div></div></div>'
        f'<div class="gall_listwrap list"><table class="gall_list"><tbody class="listwrap2">'
        f"{survey}{rows}{news}</tbody></table></div>"
        '<div class="bottom_paging_wrap"><div class="bottom_paging_box iconpaging"><em>1</em>'
        '<a href="/board/lists/?id=seed&amp;page=2">2</a></div></div></body></html>'
    )


PAGE = seed_page(attributes=True)
TEXT_PAGE = seed_page(attributes=False)
LIST = parse_list_page(PAGE)
TEXT_LIST = parse_list_page(TEXT_PAGE)
VIEW_URL = "https://gall.dcinside.com/board/view/?id=seed&no=1"


def load_row_post(index: int, *, text_only: bool = False) -> dict[str, object]:
    rows = TEXT_LIST.rows if text_only else LIST.rows
    return dict(PostLoader(crawled_at=FETCHED).add_list_row(rows[index]).load_item())


def test_seed_page_is_ok() -> None:
    assert (classify(PAGE, "view").kind, classify(PAGE, "list").kind) == ("ok", "ok")


def test_seed_row_kinds() -> None:
    assert LIST.row_kinds == ["survey"] + ["post"] * 50 + ["news"]


@pytest.mark.parametrize("index", range(50), ids=IDS)
@pytest.mark.parametrize("text_only", [False, True], ids=["attributes", "text"])
def test_seed_rows_load_as_the_seed_shows_them(index: int, text_only: bool) -> None:
    row = ROWS[index]
    post = load_row_post(index, text_only=text_only)
    uid = f"seed{row.post_no}" if row.member and not text_only else None
    assert {
        k: post[k]
        for k in (
            "post_no",
            "title",
            "comment_count",
            "writer_nick",
            "writer_ip",
            "writer_uid",
            "created_at",
            "views",
            "recommend",
        )
    } == {
        "post_no": row.post_no,
        "title": row.title,
        "comment_count": row.comments,
        "writer_nick": row.nick,
        "writer_ip": row.ip,
        "writer_uid": uid,
        "created_at": datetime(2025, 5, 22, tzinfo=KST),
        "views": row.views,
        "recommend": row.recommend,
    }


SEED_POST = (
    PostLoader(crawled_at=FETCHED, base_url=VIEW_URL)
    .add_view(parse_view(PAGE, url=VIEW_URL))
    .load_item()
)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "“지금 대규모 투자해야 AI강국 가능”… 네이버 개발자, 딥시크서 기회"),
        ("head", None),
        ("writer_nick", "ㅇㅇ"),
        ("writer_uid", None),
        ("writer_ip", "110.8"),
        ("created_at", datetime(2025, 2, 2, 1, 20, 6, tzinfo=KST)),
        ("views", 202),
        ("recommend", 0),
        ("downvotes", 0),
        ("comment_count", 0),
        ("image_urls", []),
    ],
)
def test_seed_post_field(field: str, expected: object) -> None:
    assert SEED_POST[field] == expected


def test_seed_post_body_text_is_the_seed_body() -> None:
    expected = "\n".join(" ".join(line.split()) for line in BODY_LINES if line.strip())
    assert SEED_POST["body_text"] == expected


def test_seed_view_ignores_the_list_below() -> None:
    assert parse_view(PAGE).writer_nick == "ㅇㅇ"
