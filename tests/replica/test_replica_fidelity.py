"""Structural fidelity: every element of each real sample has a counterpart in the replica.

For each element of a sample, the replica page must hold an element with the same tag, at
least the sample's classes and attribute names, under ancestors that match the sample's
ancestors (in order, not necessarily adjacent). JSON samples are compared by key sets and
value types. Known quirks of the excerpts are listed with their reasons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import lxml.html
import pytest
from lxml.html import HtmlElement

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.model import Image
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from testbed.replica.states import build_states
from tests.replica.test_replica_parsing import SAMPLES, doc, hidden

OPTIONS = ReplicaOptions(
    galleries=(
        GallerySpec.parse("fmaj:major:400:noheads"),
        GallerySpec.parse("fmin:minor:400:heads"),
    ),
    now=parse_now("2026-03-15T00:05:00+09:00"),
    search_window=100,
)
Signature = tuple[str, frozenset[str], frozenset[str]]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(OPTIONS) as server:
        yield server


def signature(el: HtmlElement) -> Signature:
    return (el.tag, frozenset((el.get("class") or "").split()), frozenset(el.attrib))


def covers(got: Signature, want: Signature) -> bool:
    return got[0] == want[0] and want[1] <= got[1] and want[2] <= got[2]


def missing_paths(
    sample: HtmlElement, page: HtmlElement, skip: set[str] = frozenset()
) -> list[str]:
    """Sample elements (as tag.class paths) that have no structural counterpart in ``page``."""
    index: dict[str, list[HtmlElement]] = {}
    for el in page.iter():
        if isinstance(el.tag, str):
            index.setdefault(el.tag, []).append(el)
    problems = []
    for el in sample.iter():
        if not isinstance(el.tag, str) or el is sample:
            continue
        chain = [
            a
            for a in reversed(list(el.iterancestors()))
            if a is not sample and a in set(sample.iter())
        ]
        want = signature(el)
        path = "/".join(f"{a.tag}.{'.'.join(sorted(signature(a)[1]))}" for a in [*chain, el])
        if path in skip:
            continue
        if not any(
            covers(signature(c), want) and ancestors_match(c, chain) for c in index.get(el.tag, [])
        ):
            problems.append(path)
    return problems


def ancestors_match(candidate: HtmlElement, chain: list[HtmlElement]) -> bool:
    wanted = [signature(a) for a in chain]
    for ancestor in candidate.iterancestors():
        if wanted and covers(signature(ancestor), wanted[-1]):
            wanted.pop()
    return not wanted


def fragment(text: str, wrapper: str = "div") -> HtmlElement:
    return lxml.html.fragment_fromstring(text, create_parent=wrapper)


def page(replica: ReplicaThread, path: str) -> HtmlElement:
    reply = fetch(replica.url(path))
    assert reply.status == 200, path
    return doc(reply.body)


def test_list_rows_match_the_real_granblue_rows(replica: ReplicaThread) -> None:
    text = (SAMPLES / "list-rows-granblue-2024.html").read_text(encoding="utf-8")
    sample = doc(f"<table class='gall_list'><tbody class='listwrap2'>{text}</tbody></table>")
    sample = sample.xpath("//table")[0]
    served = page(replica, "/board/lists/?id=fmaj&list_num=100")
    assert missing_paths(sample, served) == []


def test_minor_rows_and_search_snippets_match(replica: ReplicaThread) -> None:
    text = (SAMPLES / "search-list-observed-2026-07.md").read_text(encoding="utf-8")
    blocks = re.split(r"\n\s*\n", text)
    html_blocks = [
        "\n".join(line for line in b.splitlines() if line.lstrip().startswith("<")).replace(
            "...", ""
        )
        for b in blocks
    ]
    regular, minor_row, links = [b for b in html_blocks if b][:3]
    # The capture elides the cells' insides ("..."), so only the tags shown are compared.
    keyword = "%EC%A7%84%EC%A7%9C"
    search = page(
        replica, f"/mgallery/board/lists/?id=fmin&s_type=search_subject&s_keyword={keyword}"
    )
    major = page(replica, f"/board/lists/?id=fmaj&s_type=search_subject&s_keyword={keyword}")
    assert missing_paths(fragment(regular), major) == []
    minor_sample = doc(
        f"<table class='gall_list'><tbody class='listwrap2'>{minor_row}</tbody></table>"
    )
    assert missing_paths(minor_sample.xpath("//table")[0], search) == []
    older = page(
        replica, f"/board/lists/?id=fmaj&s_type=search_subject&s_keyword={keyword}&search_pos=-250"
    )
    assert missing_paths(fragment(links), older) == []
    for name in ("list_url", "gallery_name", "s_type", "s_keyword", "current_params"):
        assert hidden(search, name) is not None, name
    options = search.xpath("//select[@id='search_type']/option/@value")
    assert {"search_subject_memo", "search_subject", "search_memo", "search_name"} <= set(options)


def test_view_header_matches_the_2026_excerpt(replica: ReplicaThread) -> None:
    text = (SAMPLES / "view-header-excerpt-2026.html").read_text(encoding="utf-8")
    sample = fragment(text)
    served = page(replica, f"/board/view/?id=fmaj&no={live_post('fmaj')}")
    skip = {
        # a nickname variant carrying "(IP차단)"; the replica's nicknames are span.nickname
        "span.in-game-tel.nickname",
        # the excerpt flattens h3.title > span.title_subject into h3.title_subject
        "h3.title_subject",
    }
    assert missing_paths(sample, served, skip) == []
    assert served.xpath("//h3[contains(@class,'title')]/span[@class='title_subject']")
    assert served.xpath("//span[contains(@class,'nickname')]")


def test_view_writing_box_matches_the_2019_capture(replica: ReplicaThread) -> None:
    text = (SAMPLES / "view-writing-box-2019-d_fighter_new1.html").read_text(encoding="utf-8")
    sample = fragment(text, "div")
    state = build_states(OPTIONS)["fmaj"]
    no = next(
        n
        for n in state.sequence((False, None))
        if any(isinstance(b, Image) and not b.lazy for b in state.body(n).blocks)
    )
    served = page(replica, f"/board/view/?id=fmaj&no={no}")
    box = served.xpath("//div[@class='writing_view_box']")[0]
    assert missing_paths(sample, box) == []
    lazy = next(
        n
        for n in state.sequence((False, None))
        if any(isinstance(b, Image) and b.lazy for b in state.body(n).blocks)
    )
    lazy_page = page(replica, f"/board/view/?id=fmaj&no={lazy}")
    img = lazy_page.xpath("//div[contains(@class,'write_div')]//img[@data-original]")[0]
    assert img.get("src") == "https://nstatic.dcinside.com/dc/m/img/gallview_loading_ori.gif"
    assert re.match(
        r"https://dcimg[1-9]\.dcinside\.co\.kr/viewimage\.php\?id=\w+&no=[0-9a-f]+$",
        img.get("data-original"),
    )
    assert lazy_page.xpath("//div[@class='appending_file_box']//ul[@class='appending_file']/li/a")


def live_post(gallery_id: str, comments: int = 0) -> int:
    state = build_states(OPTIONS)[gallery_id]
    return next(
        n
        for n in reversed(state.sequence((False, None)))
        if state.post(n).comment_count >= comments
    )


def json_types(value: Any) -> str:
    return type(value).__name__


def comment_page(
    replica: ReplicaThread, gallery_id: str, no: int, page_no: int = 1
) -> dict[str, Any]:
    root = page(
        replica,
        f"/{'mgallery/' if gallery_id == 'fmin' else ''}board/view/?id={gallery_id}&no={no}",
    )
    token, galltype = hidden(root, "e_s_n_o"), hidden(root, "_GALLTYPE_")
    reply = fetch(
        replica.url("/board/comment/"), comment_form(gallery_id, no, token, galltype, page_no), XHR
    )
    assert reply.status == 200
    assert "<\\/" in reply.text  # PHP json_encode style: escaped slashes
    assert reply.text.isascii()  # and \uXXXX escapes
    return json.loads(reply.body)


def test_comment_json_has_the_2026_keys_and_types(replica: ReplicaThread) -> None:
    general = json.loads((SAMPLES / "comment-api-shape-2026-general-trimmed.json").read_text())
    after = json.loads((SAMPLES / "comment-api-shape-2026-after-last-page.json").read_text())
    old = json.loads((SAMPLES / "comment-api-2021-hit-16457-excerpt.json").read_text())
    no = live_post("fmin", comments=5)
    data = comment_page(replica, "fmin", no)
    assert {k: json_types(v) for k, v in data.items()} == {
        k: json_types(v) for k, v in general.items()
    }
    sample_rows = [c for c in general["comments"] if c["nicktype"] != "COMMENT_BOY"]
    sample_boy = next(c for c in general["comments"] if c["nicktype"] == "COMMENT_BOY")
    rows = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
    boys = [c for c in data["comments"] if c["nicktype"] == "COMMENT_BOY"]
    assert 2 <= len(boys) <= 6 and all(set(boy) == set(sample_boy) for boy in boys)
    assert {k: json_types(v) for k, v in boys[0].items()} == {
        k: json_types(v) for k, v in sample_boy.items()
    }
    assert all(set(c) == set(sample_rows[0]) for c in rows)
    assert set(old["comments"][0]) <= set(rows[0])
    allowed = {"c_no": {"int", "str"}, "voice": {"NoneType", "str"}, "vr_player": {"bool", "str"}}
    for c in rows:
        for key, value in c.items():
            sample_type = json_types(sample_rows[0][key])
            assert json_types(value) in allowed.get(key, {sample_type}), key
        assert (c["c_no"] == 0) == (c["depth"] == 0)
    past = comment_page(replica, "fmin", no, page_no=9)
    assert {k: json_types(v) for k, v in past.items()} == {
        k: json_types(v) for k, v in after.items()
    }
    assert past["comments"] == [] and past["pagination"] and past["total_cnt"] == data["total_cnt"]


def test_signals_match_the_recorded_responses(replica: ReplicaThread) -> None:
    truth = replica.truth("fmin")
    deleted = next(r["post_no"] for r in truth if r["type"] == "post" and r["is_deleted"])
    body = fetch(replica.url(f"/mgallery/board/view/?id=fmin&no={deleted}")).text
    assert (
        body
        == '<script type="text/javascript">location.replace("/derror/deleted/fmin/minor");</script>'
    )
    body = fetch(replica.url("/board/lists/?id=fmin")).text
    assert "location.replace" in body and "mgallery" in body and len(body) < 300
    unknown = doc(fetch(replica.url("/board/lists/?id=nosuchgallery")).body)
    assert 'alert("해당 갤러리는 존재하지 않습니다.");' in lxml.html.tostring(
        unknown.xpath("//head")[0], encoding="unicode"
    )
    assert fetch(replica.url("/board/view/?id=fmaj&no=999999999")).status == 404
    normal = fetch(replica.url("/board/lists/?id=fmaj")).text
    for signal in ("location.replace", "/derror/", "존재하지 않습니다"):
        assert signal not in normal


def test_pages_have_the_real_page_furniture(replica: ReplicaThread) -> None:
    listing = fetch(replica.url("/board/lists/?id=fmaj"))
    view = fetch(replica.url(f"/board/view/?id=fmaj&no={live_post('fmaj')}"))
    assert 80_000 <= len(listing.body) <= 125_000
    assert 60_000 <= len(view.body) <= 110_000
    root = doc(listing.body)
    assert root.xpath("//title/text()")[0].endswith(" 갤러리 - 커뮤니티 포털 디시인사이드")
    assert (
        doc(fetch(replica.url("/mgallery/board/lists/?id=fmin")).body)
        .xpath("//title/text()")[0]
        .endswith(" 마이너 갤러리 - 커뮤니티 포털 디시인사이드")
    )
    assert root.xpath(
        "//div[@class='bottom_paging_wrap']/div[@class='bottom_paging_box iconpaging']"
    )
    assert root.xpath("//h3[text()='실시간 베스트']")
    for name in ("e_s_n_o", "gallery_id", "list_url", "gallery_name", "current_params"):
        assert hidden(root, name) is not None
    vroot = doc(view.body)
    for name in (
        "e_s_n_o",
        "_GALLTYPE_",
        "board_type",
        "secret_article_key",
        "gallery_id",
        "id",
        "no",
        "comment_cnt",
    ):
        assert hidden(vroot, name) is not None, name
    assert vroot.xpath(
        "//div[contains(@class,'comment_wrap')]//div[@class='comment_box']"
        "/ul[@class='cmt_list' and not(*)]"
    )
    assert vroot.xpath("//div[@class='cmt_paging']")
    assert len(vroot.xpath("//div[@data-loc='view']")) == 1
    assert vroot.xpath("//td[@data-loc='list']")  # the gallery list below the post
