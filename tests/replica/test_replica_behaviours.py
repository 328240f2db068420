"""Site behaviours of the replica: URL kinds and signals, the comment endpoint's rules,
list variants (list_num, 개념글, 말머리, paging blocks) and search windows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.replica.test_replica_parsing import doc, hidden, paging, parse_rows, post_rows

NOW = parse_now("2026-06-15T00:05:00+09:00")
OPTIONS = ReplicaOptions(
    galleries=tuple(
        GallerySpec.parse(g)
        for g in (
            "bmaj:major:2500:noheads",
            "bmin:minor:300:heads",
            "bmini:mini:80",
            "bper:person:80",
        )
    ),
    now=NOW,
    search_window=500,
)


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(OPTIONS) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaThread) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in replica.truth():
        out.setdefault(record["gallery_id"], []).append(record)
    return out


def live_posts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Listed posts, newest first."""
    posts = [r for r in records if r["type"] == "post" and not r["is_deleted"] and not r["notice"]]
    return sorted(posts, key=lambda r: -r["post_no"])


def rows_of(replica: ReplicaThread, path: str) -> list[dict[str, Any]]:
    return post_rows(parse_rows(doc(fetch(replica.url(path)).body)))


@pytest.mark.parametrize(
    ("gallery", "prefix"),
    [
        ("bmaj", "/board"),
        ("bmin", "/mgallery/board"),
        ("bmini", "/mini/board"),
        ("bper", "/person/board"),
    ],
)
def test_each_kind_serves_lists_and_views_under_its_own_prefix(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]], gallery: str, prefix: str
) -> None:
    """Every kind answers under its prefix. Under /board/, a minor id answers the redirect
    to /mgallery/ (SITE.md §1.1); a mini or person id answers exactly what an id that
    does not exist answers (nothing shows the site redirecting to them)."""
    newest = live_posts(truth[gallery])[0]["post_no"]
    assert fetch(replica.url(f"{prefix}/lists/?id={gallery}")).status == 200
    assert fetch(replica.url(f"{prefix}/view/?id={gallery}&no={newest}")).status == 200
    for page in ("lists", "view"):
        reply = fetch(replica.url(f"/board/{page}/?id={gallery}&no={newest}"))
        assert reply.status == 200
        if prefix == "/mgallery/board":
            target = re.fullmatch(
                r'<script type="text/javascript">location\.replace\("([^"]+)"\);</script>',
                reply.text,
            )
            assert target and target[1] == (
                f"https://gall.dcinside.com{prefix}/{page}/?id={gallery}&no={newest}"
            )
        elif prefix != "/board":
            unknown = fetch(replica.url(f"/board/{page}/?id=nosuchgallery&no={newest}"))
            assert (reply.status, reply.body) == (unknown.status, unknown.body)
            assert "location.replace" not in reply.text


def test_unknown_gallery_and_deleted_page(replica: ReplicaThread) -> None:
    for path in ("/board/lists/?id=zzz", "/mgallery/board/view/?id=zzz&no=1"):
        reply = fetch(replica.url(path))
        assert reply.status == 200 and 'alert("해당 갤러리는 존재하지 않습니다.");' in reply.text
    reply = fetch(replica.url("/derror/deleted/bmaj"))
    assert reply.status == 200 and "삭제" in reply.text
    assert fetch(replica.url("/board/view/?id=bmaj&no=abc")).status == 404


def comment_json(
    replica: ReplicaThread, gallery: str, no: int, page: int = 1, **overrides: str
) -> tuple[int, str]:
    form = comment_form(
        gallery,
        no,
        hidden(doc(fetch(replica.url("/board/lists/?id=bmaj")).body), "e_s_n_o"),
        {"bmaj": "G", "bmin": "M"}[gallery],
        page,
    )
    headers = dict(XHR)
    if overrides.pop("no_xhr", None):
        headers = {}
    form.update(overrides)
    reply = fetch(replica.url("/board/comment/"), form, headers)
    return reply.status, reply.text


def test_comment_endpoint_refuses_without_xhr_token_or_right_kind(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    no = live_posts(truth["bmaj"])[0]["post_no"]
    refusal = (
        '<script type="text/javascript">alert("잘못된 접근입니다.");history.back(-1);</script>'
    )
    assert comment_json(replica, "bmaj", no, no_xhr="1") == (200, refusal)
    assert comment_json(replica, "bmaj", no, e_s_n_o="3eabc219ebdd65f000") == (200, refusal)
    assert comment_json(replica, "bmaj", no, _GALLTYPE_="M") == (200, refusal)
    status, text = comment_json(replica, "bmaj", no)
    assert status == 200 and json.loads(text)["total_cnt"] >= 0
    assert replica.stats()["refused"] >= 3


def test_comment_pages_hold_100_rows_oldest_first_and_end_empty(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    big = next(r for r in live_posts(truth["bmaj"]) if r["comment_count"] > 100)
    expected = [
        r["comment_no"]
        for r in truth["bmaj"]
        if r["type"] == "comment" and r["post_no"] == big["post_no"]
    ]
    got: list[int] = []
    pages = -(-big["comment_count"] // 100)
    for page in range(1, pages + 2):
        data = json.loads(comment_json(replica, "bmaj", big["post_no"], page)[1])
        assert data["total_cnt"] == big["comment_count"]
        rows = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
        links = [int(n) for n in re.findall(r">(\d+)<", data["pagination"])]
        assert max(links) == pages
        if page <= pages:
            assert len(rows) == min(100, big["comment_count"] - 100 * (page - 1))
            assert f"<em>{page}</em>" in data["pagination"]
            assert 2 <= sum(c["nicktype"] == "COMMENT_BOY" for c in data["comments"]) <= 6
        else:
            assert data["comments"] == [] and data["comment_view_cnt"] == 0
        got += [int(c["no"]) for c in rows]
    assert got == expected
    assert len(set(got)) == len(got)
    heads = [n for n in got if n]
    parents = {int(c["comment_no"]) for c in truth["bmaj"] if c["type"] == "comment"}
    assert set(heads) <= parents
    missing = json.loads(comment_json(replica, "bmaj", 99_999_999)[1])
    assert missing["total_cnt"] == 0 and missing["comments"] == []


def test_list_num_and_paging_blocks(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    posts = live_posts(truth["bmaj"])
    for list_num, expected in (("30", 30), ("50", 50), ("100", 100), ("77", 50), ("", 50)):
        rows = rows_of(replica, f"/board/lists/?id=bmaj&list_num={list_num}")
        assert [int(r["data_no"]) for r in rows] == [p["post_no"] for p in posts[:expected]]
    last = -(-len(posts) // 50)
    first = paging(doc(fetch(replica.url("/board/lists/?id=bmaj")).body))
    assert first["current"] == 1 and first["pages"] == list(range(2, 16)) and first["end"] == last
    assert first["next"] and "page=16" in first["next"][0]
    root = doc(fetch(replica.url("/board/lists/?id=bmaj&page=17")).body)
    page17 = paging(root)
    assert page17["current"] == 17 and 16 in page17["pages"] and 30 in page17["pages"]
    box = root.xpath("//div[@class='bottom_paging_box iconpaging']")[0]
    assert box.xpath("./a[@class='sp_pagingicon page_prev']/@href")[0].endswith("page=15")
    assert box.xpath("./a[@class='sp_pagingicon page_first']/@href")[0].endswith("page=1")
    assert [int(r["data_no"]) for r in rows_of(replica, "/board/lists/?id=bmaj&page=17")] == [
        p["post_no"] for p in posts[800:850]
    ]
    tail = paging(doc(fetch(replica.url(f"/board/lists/?id=bmaj&page={last}")).body))
    assert tail["end"] is None and tail["current"] == last
    beyond = doc(fetch(replica.url(f"/board/lists/?id=bmaj&page={last + 5}")).body)
    assert post_rows(parse_rows(beyond)) == [] and paging(beyond)["current"] is None


def test_notices_heads_and_recommended(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    major_rows = parse_rows(doc(fetch(replica.url("/board/lists/?id=bmaj")).body))
    notices = [r for r in major_rows if r["data_type"] == "icon_notice"]
    assert notices and all("us-post" not in r["classes"] and r["num"] == "공지" for r in notices)
    minor_rows = parse_rows(doc(fetch(replica.url("/mgallery/board/lists/?id=bmin")).body))
    minor_notices = [r for r in minor_rows if r["data_type"] == "icon_notice"]
    assert minor_notices and all("us-post" in r["classes"] for r in minor_notices)
    assert all(r["subject"] == "공지" for r in minor_notices)
    assert any(r["num"] == "AD" for r in minor_rows)
    # 개념글
    recommended = [p["post_no"] for p in live_posts(truth["bmaj"]) if p["recommended"]]
    rows = rows_of(replica, "/board/lists/?id=bmaj&exception_mode=recommend&list_num=100")
    assert [int(r["data_no"]) for r in rows] == recommended[:100]
    kinds = {r["data_type"] for r in rows}
    assert kinds <= {"icon_recomtxt", "icon_recomimg", "icon_recomovie", "icon_issue"}
    assert {"icon_recomtxt", "icon_recomimg", "icon_recomovie"} <= kinds
    assert all("exception_mode=recommend" in r["href"] for r in rows)
    # 말머리: tab ids are the search_head values
    page = fetch(replica.url("/mgallery/board/lists/?id=bmin")).text
    head_ids = [int(i) for i in re.findall(r'href="javascript:listSearchHead\((\d+)\)"', page)]
    assert head_ids[0] == 0 and len(head_ids) > 2
    posts = live_posts(truth["bmin"])
    for head_id in head_ids[1:]:
        rows = rows_of(
            replica, f"/mgallery/board/lists/?id=bmin&search_head={head_id}&list_num=100"
        )
        expected = [p for p in posts if p["head_id"] == head_id][:100]
        assert [int(r["data_no"]) for r in rows] == [p["post_no"] for p in expected]
        assert all(r["subject"] == p["head"] for r, p in zip(rows, expected, strict=True))
    assert all(p["head"] is None for p in live_posts(truth["bmaj"]))


def test_visible_dates_follow_the_clock(replica: ReplicaThread) -> None:
    seen = set()
    for page in (1, 5, 40):
        for row in rows_of(replica, f"/board/lists/?id=bmaj&page={page}"):
            at = datetime.strptime(row["date_title"], "%Y-%m-%d %H:%M:%S")
            if at.date() == NOW.date():
                assert row["date_text"] == at.strftime("%H:%M")
                seen.add("today")
            elif at.year == NOW.year:
                assert row["date_text"] == at.strftime("%m.%d")
                seen.add("year")
            else:
                assert row["date_text"] == at.strftime("%y.%m.%d")
                seen.add("older")
    assert seen == {"today", "year", "older"}


def search_all(replica: ReplicaThread, path: str) -> tuple[list[int], int]:
    """Follow pages inside each window and 다음 검색 to older windows; (numbers, windows)."""
    found: list[int] = []
    windows = 0
    url: str | None = path
    while url:
        windows += 1
        root = doc(fetch(replica.url(url)).body)
        info = paging(root)
        pages = max([info["current"] or 1, *info["pages"]])
        rows = post_rows(parse_rows(root))
        for page in range(2, pages + 1):
            link = root.xpath(
                f"//div[contains(@class,'bottom_paging_box')]/a[text()='{page}']/@href"
            )[0]
            rows += post_rows(parse_rows(doc(fetch(replica.url(link.replace("&amp;", "&"))).body)))
        if not rows:
            assert root.xpath("//table[@class='gall_list empty']")
        found += [int(r["data_no"]) for r in rows]
        if windows > 1:
            assert info["search_prev"]
        url = info["search_next"][0] if info["search_next"] else None
    return found, windows


@pytest.mark.parametrize(
    ("s_type", "field"),
    [
        ("search_subject", "title"),
        ("search_name", "writer_nick"),
        ("search_memo", "body_text"),
    ],
)
def test_search_windows_cover_the_whole_gallery(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]], s_type: str, field: str
) -> None:
    keyword = {"title": "진짜", "writer_nick": "ㅇㅇ", "body_text": "여름"}[field]
    expected = [p["post_no"] for p in live_posts(truth["bmaj"]) if keyword in p[field]]
    found, windows = search_all(
        replica, f"/board/lists/?id=bmaj&s_type={s_type}&s_keyword={keyword}"
    )
    assert windows == -(-2500 // 500) and found == expected


def test_search_comment_and_empty_results(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    keyword = "개추"
    with_comment = {
        c["post_no"]
        for c in truth["bmin"]
        if c["type"] == "comment" and c["body_text"] and keyword in c["body_text"]
    }
    expected = [p["post_no"] for p in live_posts(truth["bmin"]) if p["post_no"] in with_comment]
    found, _ = search_all(
        replica, f"/mgallery/board/lists/?id=bmin&s_type=search_comment&s_keyword={keyword}"
    )
    assert found == expected and found
    root = doc(
        fetch(replica.url("/board/lists/?id=bmaj&s_type=search_subject&s_keyword=qqqzzz")).body
    )
    assert root.xpath("//table[@class='gall_list empty']") and paging(root)["search_next"]
    assert post_rows(parse_rows(root)) == []
