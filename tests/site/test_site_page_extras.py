"""What the site shows besides the core fields (issue 15), read from the real samples:
notices, writer classes, 개념글 rows, app comments, videos.

One assert per field, on the captures in ``tests/samples/`` (copied from ``../shared/``).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dccrawl import htmlclean
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.site.comments import parse_comment_page
from dccrawl.site.lists import ListRow
from dccrawl.site.writers import WRITER_CLASSES, icon_in_html, icon_name, writer_class
from tests.paths import SAMPLES
from tests.site.test_site_lists import GRANBLUE, POST

CRAWLED = datetime(2026, 12, 7, tzinfo=KST)
C2021 = CommentLoader.load_comments(
    parse_comment_page((SAMPLES / "comment-api-2021-hit-16457-excerpt.json").read_bytes()).comments,
    crawled_at=CRAWLED,
    gallery_id="hit",
    post_no=16457,
)
APP_COMMENT = next(c for c in C2021 if c["comment_no"] == 4878650)
FIXED_COMMENT = next(c for c in C2021 if c["comment_no"] == 4879860)
NOTICE = GRANBLUE.notices[0]


# --- notices (granblue list, REAL 2024) ----------------------------------------------


def test_the_notice_row_is_a_numbered_post() -> None:
    assert NOTICE.post_no == 1


def test_the_notice_row_is_flagged() -> None:
    assert NOTICE.is_notice is True


def test_the_notice_is_apart_from_the_rows_that_steer_paging() -> None:
    assert [row.post_no for row in GRANBLUE.rows] == [4782971]


def test_the_notice_has_its_comment_count() -> None:
    assert NOTICE.comment_count == 124


def test_the_operator_writes_the_notice() -> None:
    post = PostLoader(crawled_at=CRAWLED).add_list_row(NOTICE).load_item()
    assert post["writer_class"] == "operator"


# --- writer classes ------------------------------------------------------------------


def test_the_list_rows_icon_is_read() -> None:
    assert POST.writer_icon == "fix_nik"


def test_a_fixed_nick_row_is_a_fixed_writer() -> None:
    post = PostLoader(crawled_at=CRAWLED).add_list_row(POST).load_item()
    assert post["writer_class"] == "fixed"


def test_an_anonymous_comment_is_a_floating_writer() -> None:
    assert C2021[0]["writer_class"] == "floating"


def test_a_fixed_nick_comment_is_a_fixed_writer() -> None:
    assert FIXED_COMMENT["writer_class"] == "fixed"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("https://nstatic.dcinside.com/dc/w/images/fix_nik.gif", "fixed"),
        ("https://nstatic.dcinside.com/dc/w/images/nik.gif", "semi_fixed"),
        ("https://nstatic.dcinside.com/dc/w/images/fix_managernik.gif", "manager"),
        ("https://nstatic.dcinside.com/dc/w/images/managernik.gif", "manager"),
        ("https://nstatic.dcinside.com/dc/w/images/fix_sub_managernik.gif", "sub_manager"),
        ("https://nstatic.dcinside.com/dc/w/images/sub_managernik.gif", "sub_manager"),
        ("https://nstatic.dcinside.com/dc/w/images/fix_newnik.gif", "fixed"),
        ("https://nstatic.dcinside.com/dc/w/images/nftcon_fix.png", "fixed"),
        ("https://nstatic.dcinside.com/dc/w/images/w_app_gonick_16.png", "fixed"),
    ],
)
def test_each_gallog_icon_names_its_class(src: str, expected: str) -> None:
    assert writer_class(icon_name(src), "someone1", None, "닉") == expected


def test_no_icon_and_no_address_is_no_class_for_a_member() -> None:
    assert writer_class(None, "someone1", None, "닉") is None


def test_the_vocabulary_is_the_documented_one() -> None:
    assert WRITER_CLASSES == (
        "floating", "semi_fixed", "fixed", "manager", "sub_manager", "operator",
    )  # fmt: skip


def test_the_comment_apis_gallog_icon_html_names_the_icon() -> None:
    markup = "<a class='writer_nikcon'><img src='https://x/dc/w/images/fix_nik.gif' border=0></a>"
    assert icon_in_html(markup) == "fix_nik"


# --- 개념글 rows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [("icon_recomtxt", True), ("icon_recomimg", True), ("icon_recomovie", True),
     ("icon_recoimg", True), ("icon_pic", False), ("icon_movie", False), (None, False)],
)  # fmt: skip
def test_a_recommended_row_is_known_by_its_type(data_type: str | None, expected: bool) -> None:
    row = ListRow(1, "t", None, None, None, None, None, None, None, None, None, None, None,
                  None, None, data_type)  # fmt: skip
    assert row.is_recommended is expected


# --- app comments (2021 REAL: "  - dc App") -------------------------------------------


def test_an_app_comment_is_flagged() -> None:
    assert APP_COMMENT["via_app"] is True


def test_the_app_mark_is_not_part_of_the_text() -> None:
    assert APP_COMMENT["body_text"].endswith("이모양임 ㅋㅋ")


def test_a_comment_from_the_web_is_not_from_the_app() -> None:
    assert FIXED_COMMENT["via_app"] is False


def test_no_comment_of_the_sample_is_a_voice_reply() -> None:
    assert [c["is_voice"] for c in C2021] == [False] * len(C2021)


# --- videos --------------------------------------------------------------------------

UPLOADED = "https://gall.dcinside.com/board/movie/movie_view?no=24b0d769e1d32ca73fed"
EMBED = "https://www.youtube.com/embed/dQw4w9WgXcQ"
BODY = (
    f'<p>앞</p><iframe src="{UPLOADED}" width="640" height="360" frameborder="0"></iframe>'
    f'<p>뒤</p><iframe src="https://ads.example/frame"></iframe>'
    f'<iframe width="560" height="315" src="{EMBED}" allowfullscreen></iframe>'
)


def test_videos_are_listed_in_body_order() -> None:
    assert htmlclean.video_urls(BODY) == [UPLOADED, EMBED]


def test_videos_stay_in_the_html_as_links_not_players() -> None:
    html = htmlclean.body_html(BODY)
    assert (html.count('class="dccrawl-video"'), "<iframe" in html) == (2, False)


def test_a_video_is_no_text() -> None:
    assert htmlclean.body_text(BODY) == "앞\n뒤"


def test_a_gif_shown_as_video_is_an_image_not_a_video() -> None:
    gif = '<video data-src="https://dcimg1.dcinside.com/viewimage.php?id=a&amp;no=b"><source src="https://x/a.mp4"></video>'
    assert htmlclean.video_urls(gif) == []
