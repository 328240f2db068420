"""dccrawl.normalize: every spelling the site uses, read the one way the database stores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dccrawl import htmlclean
from dccrawl import normalize as n
from dccrawl.kst import KST

REF = datetime(2025, 5, 22, 15, 0, 0, tzinfo=KST)  # the seed page's capture day


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-07-19 15:59:28", kst(2024, 7, 19, 15, 59, 28)),  # list/view title attribute
        ("2025.02.02 01:20:06", kst(2025, 2, 2, 1, 20, 6)),  # seed view header
        ("2025.01.01 12:00:00", kst(2025, 1, 1, 12, 0, 0)),  # previous-year comment (2026)
        ("2026.07.29 13:40", kst(2026, 7, 29, 13, 40)),  # mobile view
        ("15.12.17", kst(2015, 12, 17)),  # older list row
        ("08.11.06", kst(2008, 11, 6)),  # 2026 view excerpt
        ("26/07/13", kst(2026, 7, 13)),  # survey row
        ("25/05/19", kst(2025, 5, 19)),  # seed survey row
        ("18.09.16 20:08:28", kst(2018, 9, 16, 20, 8, 28)),  # 2018 comment reg_date
        ("06.26 03:25:05", kst(2025, 6, 26, 3, 25, 5) - timedelta(days=365)),  # > REF+1d → 2024
        ("05.22", kst(2025, 5, 22)),  # this year's list row
        ("03.18 15:10:18", kst(2025, 3, 18, 15, 10, 18)),  # rendered comment
        ("15:05", kst(2025, 5, 22, 15, 5)),  # a few minutes ahead: clock skew, today
        ("14:30", kst(2025, 5, 22, 14, 30)),
        ("23:59", kst(2025, 5, 21, 23, 59)),  # hours ahead → yesterday
        ("  2024-07-19\u00a015:59:28 ", kst(2024, 7, 19, 15, 59, 28)),  # NBSP, padding
        ("２０２５.０５.２２", kst(2025, 5, 22)),  # full-width digits
    ],
)
def test_parse_kst_forms(text: str, expected: datetime) -> None:
    assert n.parse_kst(text, REF) == expected


def test_parse_kst_is_aware_kst() -> None:
    value = n.parse_kst("05.22", REF)
    assert value is not None and value.utcoffset() == timedelta(hours=9)


def test_year_rolls_back_at_new_year() -> None:
    ref = kst(2025, 1, 1, 0, 30)
    assert n.parse_kst("12.31 23:59:59", ref) == kst(2024, 12, 31, 23, 59, 59)


def test_year_kept_within_a_day_ahead() -> None:
    assert n.parse_kst("01.02", kst(2025, 1, 1, 0, 30)) == kst(2025, 1, 2)


def test_feb_29_in_common_year_is_last_leap_year() -> None:
    assert n.parse_kst("02.29", kst(2025, 3, 1)) == kst(2024, 2, 29)


def test_clock_time_just_after_midnight_is_yesterday() -> None:
    assert n.parse_kst("23:58", kst(2025, 5, 22, 0, 3)) == kst(2025, 5, 21, 23, 58)


def test_naive_reference_is_taken_as_kst() -> None:
    assert n.parse_kst("15:59", datetime(2025, 5, 22, 16, 0)) == kst(2025, 5, 22, 15, 59)


def test_utc_reference_is_converted() -> None:
    ref = datetime(2025, 5, 21, 23, 0, tzinfo=UTC)  # = 2025-05-22 08:00 KST
    assert n.parse_kst("07:30", ref) == kst(2025, 5, 22, 7, 30)


def test_datetime_passes_through_as_kst() -> None:
    value = datetime(2025, 5, 22, 0, 0, tzinfo=UTC)
    assert n.parse_kst(value) == kst(2025, 5, 22, 9, 0)


@pytest.mark.parametrize(
    "text", ["", "   ", "-", "어제", "02.30", "25:61", "2025-13-01 00:00:00", "1.2.3.4", "x" * 500]
)
def test_unreadable_times_are_none(text: str) -> None:
    assert n.parse_kst(text, REF) is None


def test_best_time_prefers_title_whatever_the_order() -> None:
    assert n.best_time(["15:59", "2024-07-19 15:59:28"], REF) == kst(2024, 7, 19, 15, 59, 28)


def test_best_time_falls_back_to_visible_text() -> None:
    assert n.best_time([None, "05.22"], REF) == kst(2025, 5, 22)


# ---------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("조회 202", 202),
        ("추천 0", 0),
        ("댓글 3", 3),
        ("1,234", 1234),
        ("[4]", 4),
        ("[3/1]", 3),
        (" 329904 ", 329904),
        (15, 15),
        ("-", None),
        ("", None),
        (None, None),
        (True, None),
        (-3, None),
    ],
)
def test_parse_count(text: object, expected: int | None) -> None:
    assert n.parse_count(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[4]", (4, 0)), ("[3/1]", (3, 1)), ("[124]", (124, 0)), (None, (0, 0)), ("[x]", None)],
)
def test_parse_reply_counts(text: str | None, expected: tuple[int, int] | None) -> None:
    assert n.parse_reply_counts(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("4782971", 4782971), (3996, 3996), ("12a", None), ("9" * 30, None), (False, None)],
)
def test_parse_int(value: object, expected: int | None) -> None:
    assert n.parse_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("Y", True), ("N", False), ("0", False), (1, True), ("?", None)]
)
def test_parse_bool(value: object, expected: bool | None) -> None:
    assert n.parse_bool(value) is expected


# ---------------------------------------------------------------- head, title


@pytest.mark.parametrize(
    ("text", "expected"), [("[일반]", "일반"), ("질문", "질문"), ("[ ]", None), ("", None)]
)
def test_clean_head(text: str, expected: str | None) -> None:
    assert n.clean_head(text) == expected


def test_clean_text_collapses_whitespace() -> None:
    assert n.clean_text(" 외워 \u00a0\u3000 수만번\n말함 ") == "외워 수만번 말함"


# ---------------------------------------------------------------- writers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ㅇㅇ(110.8)", n.Writer("ㅇㅇ", None, "110.8", False)),
        ("ㅇㅇ (118.235)", n.Writer("ㅇㅇ", None, "118.235", False)),
        ("코비갤로그로 이동합니다.", n.Writer("코비", None, None, True)),
        ("우주방어(IP차단)", n.Writer("우주방어", None, None, False)),
        ("ㅁ(220.127.*.*)", n.Writer("ㅁ", None, "220.127", False)),
        ("KOSMOS 301rs3xp0c** : 갤로그로 이동합니다.", n.Writer("KOSMOS", None, None, True)),
        ("운영자", n.Writer("운영자", None, None, False)),
        ("", n.Writer(None, None, None, False)),
    ],
)
def test_split_writer_text(text: str, expected: n.Writer) -> None:
    assert n.split_writer_text(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("118.235", "118.235"), ("(1.214)", "1.214"), ("220.127.*.*", "220.127"), ("", None)],
)
def test_normalize_ip(value: str, expected: str | None) -> None:
    assert n.normalize_ip(value) == expected


def test_resolve_writer_member_from_attributes() -> None:
    writer = n.resolve_writer("KOSMOS", "301rs3xp0cfs", "", "KOSMOS")
    assert writer == n.Writer("KOSMOS", "301rs3xp0cfs", None, True)


def test_resolve_writer_anonymous_from_attributes() -> None:
    assert n.resolve_writer("ㅇㅇ", "", "1.228", "ㅇㅇ(1.228)") == n.Writer("ㅇㅇ", None, "1.228")


def test_resolve_writer_operator_has_neither_uid_nor_ip() -> None:
    assert n.resolve_writer("운영자", "", "", "운영자") == n.Writer("운영자", None, None)


def test_resolve_writer_text_only_fallback() -> None:
    assert n.resolve_writer(None, None, None, "ㅇㅇ(118.235)") == n.Writer("ㅇㅇ", None, "118.235")


def test_resolve_writer_nick_never_keeps_noise() -> None:
    assert n.resolve_writer("우주방어(IP차단)", "", "", None).nick == "우주방어"


# ---------------------------------------------------------------- bodies

BODY = (
    '<div id="zzbang_div"><a href="https://ad.example/">광고</a></div>'
    "<p>첫 줄&nbsp;&nbsp;  입니다</p><p><br></p>"
    "<p>둘째<br>셋째 <b>굵게</b></p>"
    "<script>alert(1)</script><style>p{}</style><noscript>x</noscript><template>t</template>"
    '<iframe src="https://ad.example"></iframe><ins class="adsbygoogle">ad</ins>'
    '<div class="adv-groupin">광고박스</div><div id="zzbang_ad">광고2</div>'
    "<!-- comment -->"
    '<p onclick="steal()"><a href="javascript:evil()" onmouseover="x()">링크</a>'
    '<a href=" JaVa&#9;Script&#10;:evil()">둘</a></p>'
    '<img src="https://nstatic.dcinside.com/dc/m/img/gallview_loading_ori.gif"'
    ' data-original="https://dcimg1.dcinside.com/viewimage.php?id=a&amp;no=1">'
    '<img src="//dcimg2.dcinside.co.kr/viewimage.php?id=b&amp;amp;no=2">'
    '<img data-src="/viewimage.php?no=3" src="https://nstatic.dcinside.com/dc/m/img/m_webp.png">'
    '<img src="https://dcimg1.dcinside.com/viewimage.php?id=a&amp;no=1">'
    "<ul><li>항목\n하나</li><li>항목 둘</li></ul>"
)
BASE = "https://gall.dcinside.com/board/view/?id=x&no=1"
CLEAN = htmlclean.clean_body(BODY, BASE)


def test_body_text_lines() -> None:
    assert CLEAN.text == "첫 줄 입니다\n둘째\n셋째 굵게\n링크둘\n항목 하나\n항목 둘"


@pytest.mark.parametrize(
    "noise",
    [
        "광고",
        "alert",
        "p{}",
        "<noscript",
        "<template",
        "<iframe",
        "adsbygoogle",
        "adv-groupin",
        "zzbang",
        "<!--",
        "onclick",
        "onmouseover",
        "javascript:",
        "<script",
        "Script",
    ],
)
def test_body_html_has_no_noise(noise: str) -> None:
    assert noise not in CLEAN.html


def test_body_html_keeps_content() -> None:
    assert "<p>둘째<br>셋째 <b>굵게</b></p>" in CLEAN.html


def test_image_urls_in_order_without_placeholders_or_repeats() -> None:
    assert CLEAN.image_urls == (
        "https://dcimg1.dcinside.com/viewimage.php?id=a&no=1",
        "https://dcimg2.dcinside.co.kr/viewimage.php?id=b&no=2",
        "https://gall.dcinside.com/viewimage.php?no=3",
    )


def test_gif_video_data_src_counts_as_image() -> None:
    body = (
        '<video data-src="https://dcimg3.dcinside.com/viewimage.php?no=9">'
        '<source src="a.mp4"></video>'
    )
    assert htmlclean.image_urls(body) == ["https://dcimg3.dcinside.com/viewimage.php?no=9"]


def test_empty_body() -> None:
    assert htmlclean.clean_body("   ") == htmlclean.CleanBody("", "", ())


def test_text_only_body_without_tags() -> None:
    assert htmlclean.body_text("그냥 글") == "그냥 글"


# ---------------------------------------------------------------- comment memos


@pytest.mark.parametrize(
    ("memo", "expected"),
    [
        ("k&r", "k&r"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("첫 줄<br>둘째  줄<br/><br>", "첫 줄\n둘째 줄"),
        ("여기서 윤성우  추천하면 혼날까요? ", "여기서 윤성우 추천하면 혼날까요?"),
        ('<img class="written_dccon" src="https://dcimg5.dcinside.com/dccon.php?no=1">', None),
        ("", None),
        (None, None),
    ],
)
def test_memo_text(memo: str | None, expected: str | None) -> None:
    assert htmlclean.memo_text(memo) == expected


def test_dccon_url() -> None:
    memo = (
        '<img src="https://dcimg5.dcinside.com/dccon.php?no=1&amp;p=2"'
        ' class="written_dccon" alt="0">'
    )
    assert htmlclean.dccon_url(memo) == "https://dcimg5.dcinside.com/dccon.php?no=1&p=2"


def test_a_cached_dccon_resolves_against_each_callers_base_url() -> None:
    memo = '<img class="written_dccon" src="/dccon.php?no=7" alt="x">'
    first = htmlclean.dccon_url(memo, "https://gall.dcinside.com/board/view/?id=a&no=1")
    again = htmlclean.dccon_url(memo, "https://other.example/board/view/?id=a&no=2")
    assert (first, again) == (
        "https://gall.dcinside.com/dccon.php?no=7",
        "https://other.example/dccon.php?no=7",
    )


def test_a_cached_writer_is_the_same_writer() -> None:
    assert n.split_writer_text("ㅇㅇ(110.8)") == n.split_writer_text("ㅇㅇ(110.8)")
    assert n.split_writer_text("ㅇㅇ(110.8)") == n.Writer("ㅇㅇ", None, "110.8", False)
    long_nick = "가" * 200 + "(1.2)"  # past the cache's length limit: still read the same way
    assert n.split_writer_text(long_nick) == n.Writer("가" * 200, None, "1.2", False)


def test_dccon_url_absent() -> None:
    assert htmlclean.dccon_url("그냥 댓글") is None


# ---------------------------------------------------------------- hostile input

HOSTILE: list[object] = [
    None,
    "",
    " ",
    0,
    -1,
    3.5,
    True,
    [],
    {},
    b"bytes",
    object(),
    "\x00\x01",
    "\ud800",
    "9" * 5000,
    "<" * 1000,
    "<p" * 500,
    "&#xFFFFFFFF;",
    "\u202e\u200b",
    "[" * 100,
    "2025-02-30 99:99:99",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_scalar_normalizers_never_raise(value: object) -> None:
    for function in (
        n.parse_kst,
        n.parse_count,
        n.parse_int,
        n.parse_bool,
        n.parse_reply_counts,
        n.clean_text,
        n.clean_head,
        n.clean_nick,
        n.clean_uid,
        n.normalize_ip,
        n.split_writer_text,
        htmlclean.memo_text,
        htmlclean.dccon_url,
        htmlclean.absolute_url,
        htmlclean.body_text,
        htmlclean.body_html,
        htmlclean.image_urls,
    ):
        function(value)


@pytest.mark.parametrize("value", [v for v in HOSTILE if isinstance(v, str)])
def test_clean_body_never_raises(value: str) -> None:
    assert isinstance(htmlclean.clean_body(value).text, str)
