"""dccrawl.site.signals on the recorded deleted/redirect/missing responses and on broken bodies."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from dccrawl import htmlclean, normalize
from dccrawl.site.comments import last_comment_page
from dccrawl.site.signals import PageSignal, classify, is_complete
from tests.paths import SAMPLES

RECORDED = (SAMPLES / "deleted-and-redirect-responses.txt").read_text(encoding="utf-8")
VIEW_URL = "https://gall.dcinside.com/board/view/?id=giants_new&no=1"

LIST_PAGE = (
    "<html><head><script>function go(){ location.href='/board/lists/?id=x&page=2'; }</script>"
    '</head><body><table class="gall_list"><tbody><tr class="ub-content us-post" data-no="1">'
    '<td class="gall_num">1</td></tr></tbody></table>'
    '<div class="bottom_paging_box"><em>1</em></div></body></html>'
)
VIEW_PAGE = (
    '<html><head><script>function list(){ location.replace("/board/lists/?id=x"); }</script>'
    '</head><body><div class="writing_view_box"><div class="write_div">'
    "<p>크롤러 만들기: Too Many Requests 가 뜨면 쉬세요.</p>"
    '<p>삭제 글은 <code>&lt;script&gt;location.replace("/derror/deleted/x")</code> 로 옵니다</p>'
    '</div></div><div class="btn_recommend_box"><p class="up_num">0</p></div></body></html>'
)


# ---------------------------------------------------------------- recorded responses


def test_recorded_deleted_script() -> None:
    script = re.search(
        r"<script[^>]*>location\.replace\(\"/derror/deleted/giants_new\"\);</script>", RECORDED
    )
    assert script is not None
    assert classify(script.group(), "view", url=VIEW_URL).kind == "deleted"


@pytest.mark.parametrize(
    "target",
    [
        "/derror/deleted/girlgroup/minor",
        "/derror/deleted/test/gallery/gallery/1",
        "https://gall.dcinside.com/derror/deleted/<gall>/gallery",
    ],
)
def test_recorded_deleted_variants(target: str) -> None:
    assert target in RECORDED
    target = target.replace("<gall>", "giants_new")
    body = f'<script type="text/javascript">location.replace("{target}");</script>'
    assert classify(body, "view", url=VIEW_URL).kind == "deleted"


def test_deleted_after_an_alert() -> None:
    body = "<script>alert('삭제된 게시물입니다.'); location.replace('/derror/deleted/x');</script>"
    assert classify(body, "view").kind == "deleted"


def test_truncated_page_with_head_scripts_is_broken_not_redirect() -> None:
    cut = "<html><head><script>function go(){ location.href='/lists/?id=x'; }</script><body><div"
    assert classify(cut, "view").kind == "broken"


def test_deleted_reached_by_http_redirect() -> None:
    url = "https://gall.dcinside.com/derror/deleted/giants_new/gallery"
    assert (
        classify("<html><body>삭제된 게시물입니다</body></html>", "view", url=url).kind == "deleted"
    )


def test_recorded_missing_post_is_404() -> None:
    assert "-> HTTP 404" in RECORDED
    assert classify("<html>Not Found</html>", "view", status=404).kind == "missing"


def test_recorded_unknown_gallery() -> None:
    alert = re.search(r'alert\("해당 갤러리는 존재하지 않습니다\."\);', RECORDED)
    assert alert is not None
    body = f"<html><head><script>{alert.group()} history.back();</script></head></html>"
    assert classify(body, "list").kind == "unknown_gallery"


def test_recorded_short_url_redirect_to_minor() -> None:
    target = "https://gall.dcinside.com/mgallery/board/view?id=mechanicalkeyboard&no=2227600"
    assert target in RECORDED
    body = f'<script>location.replace("{target}");</script>'
    url = "https://gall.dcinside.com/mechanicalkeyboard/2227600"
    assert classify(body, "view", url=url) == PageSignal(
        "redirect", "script redirect", target, "minor"
    )


def test_wrong_kind_list_redirect_relative_target() -> None:
    body = (
        "<html><head><script>"
        'location.replace("/mgallery/board/lists/?id=mechanicalkeyboard");'
        "</script></head></html>"
    )
    signal = classify(
        body, "list", url="https://gall.dcinside.com/board/lists/?id=mechanicalkeyboard"
    )
    assert (signal.kind, signal.target_url, signal.target_kind) == (
        "redirect",
        "https://gall.dcinside.com/mgallery/board/lists/?id=mechanicalkeyboard",
        "minor",
    )


def test_recorded_location_href_form() -> None:
    assert "<script>location.href='...'</script>" in RECORDED
    body = "<script>location.href='/mini/board/view/?id=compliment&no=33'</script>"
    signal = classify(body, "view", url=VIEW_URL)
    assert (signal.kind, signal.target_kind) == ("redirect", "mini")


def test_recorded_adult() -> None:
    assert '"/error/adult"' in RECORDED
    body = (
        '<html><head><script>location.href="/error/adult/?id=x&no=1";</script></head>'
        "<body></body></html>"
    )
    assert classify(body, "view").kind == "adult"


# ---------------------------------------------------------------- rate limits


@pytest.mark.parametrize(
    "body",
    [
        "Too Many Requests",
        "<h1>Too Many Attempts.</h1>",
        "너무 많은 요청이 발생했습니다",
        '<html><body><div class="penalty-box">잠시 후</div></body></html>',
    ],
)
def test_rate_limit_texts(body: str) -> None:
    assert classify(body, "list").kind == "rate_limited"


def test_rate_limit_status() -> None:
    assert classify(LIST_PAGE, "list", status=429).kind == "rate_limited"


def test_rate_limit_text_in_comment_call() -> None:
    assert classify("Too Many Requests", "comments").kind == "rate_limited"


# ---------------------------------------------------------------- complete pages are ok


def test_list_page_with_button_scripts_is_ok() -> None:
    assert classify(LIST_PAGE, "list").ok


def test_view_page_about_crawling_is_still_ok() -> None:
    assert classify(VIEW_PAGE, "view", url=VIEW_URL).kind == "ok"


def test_empty_search_result_is_ok() -> None:
    body = '<html><body><table class="gall_list empty"><tbody></tbody></table></body></html>'
    assert classify(body, "list").ok


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("comment-api-*.json")), ids=lambda p: p.name)
def test_comment_samples_are_ok(path: Path) -> None:
    assert classify(path.read_text(encoding="utf-8"), "comments").ok


# ---------------------------------------------------------------- broken and refused


@pytest.mark.parametrize(
    ("body", "page"),
    [
        ("", "list"),
        ("   \n", "view"),
        (b"", "comments"),
        (None, "view"),
        (LIST_PAGE[: LIST_PAGE.index("bottom_paging_box") - 12], "list"),  # no pagination box
        (LIST_PAGE.replace("</html>", ""), "list"),  # no closing markup
        (VIEW_PAGE[: VIEW_PAGE.index("btn_recommend_box") - 12], "view"),  # body cut off
        (VIEW_PAGE.replace('class="btn_recommend_box"', 'class="x"'), "view"),
        (VIEW_PAGE[:60], "view"),
        ('{"total_cnt":4,"comments":[{"no":"1"', "comments"),  # truncated JSON
        ("<html><body>random</body></html>", "list"),
    ],
)
def test_broken(body: str | bytes | None, page: str) -> None:
    assert classify(body, page).kind == "broken"  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [500, 502, 503, 403, 301])
def test_other_statuses_are_broken(status: int) -> None:
    assert classify(LIST_PAGE, "list", status=status).kind == "broken"


@pytest.mark.parametrize(
    "body", ['{"result":"fail"}', "<html><body>잘못된 접근</body></html>", "[]", '{"comments": 5}']
)
def test_refused_comment_calls(body: str) -> None:
    assert classify(body, "comments").kind == "refused"


def test_is_complete_per_page_type() -> None:
    assert (
        is_complete(LIST_PAGE, "list"),
        is_complete(VIEW_PAGE, "view"),
        is_complete(LIST_PAGE, "view"),
    ) == (
        True,
        True,
        False,
    )


@pytest.mark.parametrize(
    "body",
    [
        "\x00" * 100,
        "\ud800<script>",
        "<script>" * 10_000,
        "<" * 100_000,
        "[" * 100_000,
        b"\xff\xfe\xfd",
        '<script>location.replace("\ud800")</script>',
    ],
)
@pytest.mark.parametrize("page", ["list", "view", "comments"])
def test_hostile_bodies_never_raise(body: str | bytes, page: str) -> None:
    assert isinstance(classify(body, page), PageSignal)  # type: ignore[arg-type]


# ---------------------------------------------------------------- no catastrophic backtracking

SIZE = 50_000
SLOW_INPUTS = {
    "spaces after an alert": "<script>alert('x')" + " " * SIZE + "x",
    "unclosed script tags": "<script " * (SIZE // 8),
    "long class attribute": 'class="' + " " * SIZE,
    "unclosed em tags": "<em " * (SIZE // 4),
    "gallog noise after a long word": "a" * SIZE + "** : 갤로그로 이동합니다.",
    "open parentheses": "(" * SIZE,
}


@pytest.mark.parametrize("text", SLOW_INPUTS.values(), ids=SLOW_INPUTS.keys())
def test_hostile_text_is_handled_in_linear_time(text: str) -> None:
    """Every regex on untrusted text is bounded; 50 KB must not take seconds (it took 40 s once)."""
    start = time.perf_counter()
    for page in ("list", "view", "comments"):
        classify(text, page)  # type: ignore[arg-type]
    normalize.split_writer_text(text)
    htmlclean.memo_text(text)
    last_comment_page(text)
    assert time.perf_counter() - start < 2.0
