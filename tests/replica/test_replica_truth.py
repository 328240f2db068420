"""``truth`` agrees with what ``serve`` serves: crawl small galleries of every kind by parsing
the pages and the comment JSON (in the test), and compare with the truth records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import KST, parse_now
from testbed.replica.model import GALLTYPES, PREFIXES
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaProcess, ReplicaThread
from tests.crawling import COMMENT_FIELDS, POST_FIELDS, replica_truth
from tests.replica.test_replica_parsing import (
    comment_record,
    doc,
    hidden,
    paging,
    parse_rows,
    parse_view,
    post_rows,
)

NOW = "2026-03-15T00:05:00+09:00"
GALLERIES = ("tmaj:major:130", "tmin:minor:130", "tmini:mini:70", "tper:person:70:heads")


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    options = ReplicaOptions(
        galleries=tuple(GallerySpec.parse(g) for g in GALLERIES), now=parse_now(NOW)
    )
    with ReplicaThread(options) as server:
        yield server


def reg_date_to_iso(reg: str, now: datetime) -> str:
    fmt = "%Y.%m.%d %H:%M:%S" if len(reg) > 14 else "%m.%d %H:%M:%S"
    value = datetime.strptime(reg, fmt)
    if len(reg) <= 14:
        value = value.replace(year=now.year)
    return value.replace(tzinfo=KST).isoformat()


def crawl(server: ReplicaThread, gallery_id: str, kind: str) -> dict[str, Any]:
    """A miniature correct crawler: lists → views → comment pages."""
    prefix = PREFIXES[kind]
    first = doc(fetch(server.url(f"{prefix}/lists/?id={gallery_id}&list_num=100")).body)
    last = paging(first)["end"] or max([paging(first)["current"], *paging(first)["pages"]])
    rows: list[dict[str, Any]] = []
    notices = [r for r in parse_rows(first) if r["data_type"] == "icon_notice"]
    for page in range(1, last + 1):
        root = doc(
            fetch(server.url(f"{prefix}/lists/?id={gallery_id}&list_num=100&page={page}")).body
        )
        rows += post_rows(parse_rows(root))
    posts: dict[int, dict[str, Any]] = {}
    comments: list[dict[str, Any]] = []
    now = parse_now(NOW)
    for row in [*rows, *notices]:
        no = int(row["data_no"])
        reply = fetch(server.url(f"{prefix}/view/?id={gallery_id}&no={no}"))
        assert reply.status == 200
        root = doc(reply.body)
        view = parse_view(root)
        token, galltype = hidden(root, "e_s_n_o"), hidden(root, "_GALLTYPE_")
        assert galltype == GALLTYPES[kind]
        assert view.pop("header_recommend") == view["recommend"]
        posts[no] = {"row": row, **view}
        page = 1
        while True:
            data = json.loads(
                fetch(
                    server.url("/board/comment/"),
                    comment_form(gallery_id, no, token, galltype, page),
                    XHR,
                ).body
            )
            assert data["total_cnt"] == view["comment_count"]
            real = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
            if not real:
                break
            for obj in real:
                record = {"gallery_kind": kind, **comment_record(obj, no, gallery_id)}
                record["created_at"] = reg_date_to_iso(record.pop("reg_date"), now)
                comments.append(record)
            page += 1
    return {"rows": rows, "notices": notices, "posts": posts, "comments": comments}


@pytest.mark.parametrize("spec", GALLERIES)
def test_served_pages_carry_exactly_the_truth(replica: ReplicaThread, spec: str) -> None:
    gallery_id, kind = spec.split(":")[:2]
    truth = replica.truth(gallery_id)
    crawled = crawl(replica, gallery_id, kind)
    truth_posts = {r["post_no"]: r for r in truth if r["type"] == "post"}
    live = {n: r for n, r in truth_posts.items() if not r["is_deleted"]}
    listed = {n for n, r in live.items() if not r["notice"]}
    assert [int(r["data_no"]) for r in crawled["rows"]] == sorted(listed, reverse=True)
    assert {int(r["data_no"]) for r in crawled["notices"]} == {
        n for n, r in live.items() if r["notice"]
    }
    fields = (
        "title",
        "head",
        "writer_nick",
        "writer_uid",
        "writer_ip",
        "created_at",
        "views",
        "recommend",
        "downvotes",
        "comment_count",
        "body_text",
        "image_urls",
        "writer_class",
        "recommend_fixed",
        "video_urls",
    )
    for no, page in crawled["posts"].items():
        expected = truth_posts[no]
        assert {f: page[f] for f in fields} == {f: expected[f] for f in fields}, no
        row = page["row"]
        assert row["title"] == expected["title"]
        assert row["writer_class"] == expected["writer_class"]
        assert (row["data_type"] == "icon_notice") == expected["is_notice"] == expected["notice"]
        if row["data_type"] != "icon_issue":
            recommended = row["data_type"] in ("icon_recomtxt", "icon_recomimg", "icon_recomovie")
            assert recommended == expected["is_recommended"] == expected["recommended"]
            movie = row["data_type"] in ("icon_movie", "icon_recomovie")
            assert movie == bool(expected["video_urls"])
        assert (row["nick"], row["uid"], row["ip"]) == (
            expected["writer_nick"],
            expected["writer_uid"],
            expected["writer_ip"],
        )
        assert row["replies"] + row["voice"] == expected["comment_count"]
        assert row["date_title"].replace(" ", "T") + "+09:00" == expected["created_at"]
        assert int(row["views"]) == expected["views"]
        if expected["head"] is not None:
            assert row["subject"] == expected["head"]
    truth_comments = [
        {k: v for k, v in r.items() if k != "type"} for r in truth if r["type"] == "comment"
    ]
    got = crawled["comments"]
    key = lambda c: (c["post_no"], c["comment_no"])  # noqa: E731
    assert sorted(got, key=key) == sorted(truth_comments, key=key)
    # Deleted posts answer the deleted script, never-existing numbers 404.
    prefix = PREFIXES[kind]
    deleted = [n for n, r in truth_posts.items() if r["is_deleted"]]
    for no in deleted[:3]:
        body = fetch(replica.url(f"{prefix}/view/?id={gallery_id}&no={no}")).text
        assert body.startswith('<script type="text/javascript">location.replace("/derror/deleted/')
    missing = [n for n in range(1, max(truth_posts) + 1) if n not in truth_posts]
    for no in missing[:3]:
        assert fetch(replica.url(f"{prefix}/view/?id={gallery_id}&no={no}")).status == 404


def test_data_has_the_promised_variety(replica: ReplicaThread) -> None:
    truth = replica.truth()
    posts = [r for r in truth if r["type"] == "post" and r["gallery_id"] != "seed"]
    comments = [r for r in truth if r["type"] == "comment" and r["gallery_id"] != "seed"]
    assert any(r["is_deleted"] for r in posts)
    assert any(r["notice"] for r in posts)
    assert any(r["recommended"] for r in posts)
    assert any(r["comment_count"] and r["comment_count"] > 100 for r in posts)
    assert any(r["downvotes"] is None for r in posts if not r["is_deleted"])
    assert any(r["image_urls"] for r in posts if not r["is_deleted"])
    assert any(r["writer_uid"] for r in posts) and any(r["writer_ip"] for r in posts)
    assert any(c["parent_no"] for c in comments) and any(c["is_deleted"] for c in comments)
    assert any(c["dccon_url"] for c in comments) and any(c["body_text"] is None for c in comments)
    assert any(
        c["is_deleted"] and any(d["parent_no"] == c["comment_no"] for d in comments)
        for c in comments
    )


def test_cli_truth_equals_the_servers_truth_and_is_deterministic() -> None:
    args = ["--gallery", "cli:minor:60", "--seed", "7", "--now", NOW]
    printed = replica_truth(*args)
    assert printed == replica_truth(*args)
    assert printed != replica_truth("--gallery", "cli:minor:60", "--seed", "8", "--now", NOW)
    with ReplicaProcess(args) as server:
        assert server.truth("cli") == printed
        assert fetch(server.url("/mgallery/board/lists/?id=cli")).status == 200
    post = next(r for r in printed if r["type"] == "post" and not r["is_deleted"])
    # Every field the crawl tests compare (tests/crawling.py), and the replica's own.
    assert set(post) == {
        "type",
        *POST_FIELDS,
        "head_id",
        "recommended",
        "notice",
        "is_notice",
        "writer_class",
        "is_recommended",
        "recommend_fixed",
        "video_urls",
    }
    deleted = next(r for r in printed if r["type"] == "post" and r["is_deleted"])
    assert set(deleted) == set(post)
    for key in ("is_notice", "writer_class", "is_recommended", "recommend_fixed", "video_urls"):
        assert deleted[key] is None, key
    comment = next(r for r in printed if r["type"] == "comment")
    assert set(comment) == {
        "type",
        *COMMENT_FIELDS,
        "gallery_kind",
        "writer_class",
        "is_voice",
        "via_app",
    }


def test_a_later_epoch_changes_counts_and_edits_deterministically() -> None:
    base = replica_truth("--gallery", "ep:major:400", "--now", NOW)
    later = replica_truth("--gallery", "ep:major:400", "--now", NOW, "--epoch", "2")
    assert later == replica_truth("--gallery", "ep:major:400", "--now", NOW, "--epoch", "2")
    before = {r["post_no"]: r for r in base if r["type"] == "post" and not r["is_deleted"]}
    after = {r["post_no"]: r for r in later if r["type"] == "post" and not r["is_deleted"]}
    # Posts come (above every number) and go (deleted: see test_replica_epochs.py).
    assert min(after.keys() - before.keys()) > max(before)
    kept = before.keys() & after.keys()
    assert before.keys() - kept and all(
        r["is_deleted"]
        for r in later
        if r["type"] == "post" and r["post_no"] in before.keys() - kept
    )
    assert any(after[n]["views"] > before[n]["views"] for n in kept)
    assert all(after[n]["views"] >= before[n]["views"] for n in kept)
    assert any(after[n]["comment_count"] > before[n]["comment_count"] for n in kept)
    assert any(after[n]["title"] != before[n]["title"] for n in kept)
    assert any(after[n]["body_text"] != before[n]["body_text"] for n in kept)
    old_comments = {r["comment_no"]: r for r in base if r["type"] == "comment"}
    new_comments = {r["comment_no"]: r for r in later if r["type"] == "comment"}
    # Every comment of a post still live is still there, as it was but for a deletion.
    for no, comment in new_comments.items():
        if no in old_comments:
            assert comment == {**old_comments[no], "is_deleted": comment["is_deleted"]}
    assert min(set(new_comments) - set(old_comments)) > max(old_comments)
