"""The built-in ``seed`` gallery reproduces tests/samples/seed-gallery-post-page.txt.

The captured text is parsed here, independently of the replica's own copy of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.options import ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.replica.test_replica_parsing import doc, hidden, parse_rows, parse_view, post_rows
from tests.seed_capture import SEED_LINES, captured_body

ROW = re.compile(
    r"^(?P<no>\d+) (?P<title>.*?)(?: \[(?P<n>\d+)\])? "
    r"(?:(?P<anon>\S+)\((?P<ip>[\d.]+)\)|(?P<member>\S+)갤로그로 이동합니다\.) "
    r"(?P<date>\d\d\.\d\d) (?P<views>\d+) (?P<rec>\d+)$"
)


def captured_rows() -> list[dict[str, Any]]:
    rows = []
    for line in SEED_LINES:
        m = ROW.match(line)
        if m:
            rows.append(m.groupdict())
    assert len(rows) == 50
    return rows


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(ReplicaOptions()) as server:
        yield server


def test_list_page_one_carries_the_captured_rows(replica: ReplicaThread) -> None:
    root = doc(fetch(replica.url("/board/lists/?id=seed")).body)
    rows = parse_rows(root)
    served = post_rows(rows)
    expected = captured_rows()
    assert [int(r["data_no"]) for r in served] == [int(r["no"]) for r in expected]
    for got, want in zip(served, expected, strict=True):
        assert got["title"] == " ".join(want["title"].split())
        assert got["replies"] == int(want["n"] or 0) and got["voice"] == 0
        if want["anon"]:
            assert (got["nick"], got["ip"], got["uid"]) == (want["anon"], want["ip"], None)
            assert got["writer_text"] == f"{want['anon']}({want['ip']})"
        else:
            assert got["nick"] == want["member"] and got["uid"] and got["ip"] is None
            assert "갤로그로 이동합니다." in fetch_row_html(replica, got["data_no"])
        assert got["date_text"] == want["date"] == "05.22"
        assert got["date_title"].startswith("2025-05-22 ")
        assert (int(got["views"]), int(got["recommend"])) == (int(want["views"]), int(want["rec"]))
    times = [r["date_title"] for r in served]
    assert times == sorted(times, reverse=True)
    survey, news = rows[0], rows[-1]
    assert survey["num"] == "설문" and survey["date_text"] == "25/05/19"
    assert survey["title"] == "새로운 워터밤 여신으로 자리잡을 것 같은 스타는?"
    assert (survey["views"], survey["recommend"]) == ("-", "-")
    assert news["num"] == "뉴스" and news["nick"] == "디시트렌드" and news["date_text"] == "05.22"


def fetch_row_html(replica: ReplicaThread, no: str) -> str:
    page = fetch(replica.url("/board/lists/?id=seed")).text
    start = page.index(f'data-no="{no}"')
    return page[start : page.index("</tr>", start)]


def test_the_captured_post_is_on_page_two_and_its_view_matches(replica: ReplicaThread) -> None:
    page2 = post_rows(parse_rows(doc(fetch(replica.url("/board/lists/?id=seed&page=2")).body)))
    assert [r["data_no"] for r in page2] == ["19000000"]
    root = doc(fetch(replica.url("/board/view/?id=seed&no=19000000")).body)
    view = parse_view(root)
    text, keys = captured_body()
    assert view["title"] == "“지금 대규모 투자해야 AI강국 가능”… 네이버 개발자, 딥시크서 기회"
    assert (view["writer_nick"], view["writer_ip"], view["writer_uid"]) == ("ㅇㅇ", "110.8", None)
    assert view["created_at"] == "2025-02-02T01:20:06+09:00"
    assert (view["views"], view["recommend"], view["comment_count"]) == (202, 0, 0)
    assert view["downvotes"] == 0
    assert view["body_text"].split("\n") == text
    assert [u.rsplit("no=", 1)[1] for u in view["image_urls"]] == keys
    header = root.xpath("//div[contains(@class,'gallview_head')]")[0].text_content()
    assert "2025.02.02 01:20:06" in header and "조회 202" in header


def test_each_reply_count_has_exactly_that_many_comments(replica: ReplicaThread) -> None:
    root = doc(fetch(replica.url("/board/view/?id=seed&no=19385230")).body)
    token = hidden(root, "e_s_n_o")
    for row in captured_rows():
        data = json.loads(
            fetch(
                replica.url("/board/comment/"),
                comment_form("seed", int(row["no"]), token, "G"),
                XHR,
            ).body
        )
        real = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
        assert len(real) == data["total_cnt"] == int(row["n"] or 0), row["no"]


def test_truth_prints_the_51_posts_and_their_comments(replica: ReplicaThread) -> None:
    truth = replica.truth("seed")
    posts = [r for r in truth if r["type"] == "post"]
    assert len(posts) == 51 and not any(r["is_deleted"] for r in posts)
    counts = {int(r["no"]): int(r["n"] or 0) for r in captured_rows()}
    counts[19_000_000] = 0
    assert {r["post_no"]: r["comment_count"] for r in posts} == counts
    comments = [r for r in truth if r["type"] == "comment"]
    assert len(comments) == sum(counts.values())
    members = {r["writer_nick"]: r["writer_uid"] for r in posts if r["writer_uid"]}
    assert set(members) == {"코비", "식물풀나무", "ㅇㅇ", "긷통령영수"}
