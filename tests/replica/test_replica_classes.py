"""What kind of thing each row, post and comment is: writer classes on the three surfaces
that show them (list row, view header, comment JSON), comments from the app, every list
icon of SITE.md §2.1 (issue rows included) and the notices pinned on every list page.

Each check reads the served pages with the test-side parser and compares with the truth's
new fields (``writer_class``, ``via_app``, ``is_voice``, ``is_notice``, ``is_recommended``,
``video_urls``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import lxml.html
import pytest

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.model import GALLTYPES, PREFIXES
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from tests.replica.test_replica_parsing import (
    comment_record,
    doc,
    hidden,
    parse_rows,
    parse_view,
)

GALLERIES = ("wmaj:major:1500", "wmin:minor:160:heads", "wmini:mini:120", "wper:person:120")
KINDS = {spec.split(":")[0]: spec.split(":")[1] for spec in GALLERIES}
CLASSES = ("floating", "semi_fixed", "fixed", "manager", "sub_manager")
ICONS = {
    "fixed": {"fix_nik.gif"},
    "semi_fixed": {"nik.gif"},
    "manager": {"fix_managernik.gif", "managernik.gif"},
    "sub_manager": {"fix_sub_managernik.gif", "sub_managernik.gif"},
}
ROW_ICONS = (
    "icon_txt",
    "icon_pic",
    "icon_movie",
    "icon_recomtxt",
    "icon_recomimg",
    "icon_recomovie",
    "icon_notice",
    "icon_issue",
)


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    options = ReplicaOptions(
        galleries=tuple(GallerySpec.parse(g) for g in GALLERIES),
        now=parse_now("2026-03-15T00:05:00+09:00"),
    )
    with ReplicaThread(options) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaThread) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in replica.truth():
        out.setdefault(record["gallery_id"], []).append(record)
    return out


def posts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "post" and not r["is_deleted"]]


def listed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts of the plain listing, newest first (notices are pinned apart)."""
    return sorted((p for p in posts(records) if not p["is_notice"]), key=lambda p: -p["post_no"])


def list_rows(replica: ReplicaThread, gallery: str, page: int = 1) -> list[dict[str, Any]]:
    prefix = PREFIXES[KINDS[gallery]]
    url = f"{prefix}/lists/?id={gallery}&list_num=100&page={page}"
    return parse_rows(doc(fetch(replica.url(url)).body))


def row_of(replica: ReplicaThread, records: list[dict[str, Any]], no: int) -> dict[str, Any]:
    """The list row of post ``no``: notices on page 1, other posts on their page."""
    order = [p["post_no"] for p in listed(records)]
    page = order.index(no) // 100 + 1 if no in order else 1
    gallery = records[0]["gallery_id"]
    return next(r for r in list_rows(replica, gallery, page) if r["data_no"] == str(no))


def view_root(replica: ReplicaThread, gallery: str, no: int) -> lxml.html.HtmlElement:
    reply = fetch(replica.url(f"{PREFIXES[KINDS[gallery]]}/view/?id={gallery}&no={no}"))
    assert reply.status == 200
    return doc(reply.body)


def comment_objects(replica: ReplicaThread, gallery: str, no: int) -> list[dict[str, Any]]:
    """Every real comment row of a post, all pages."""
    root = view_root(replica, gallery, no)
    token, galltype = hidden(root, "e_s_n_o"), hidden(root, "_GALLTYPE_")
    assert galltype == GALLTYPES[KINDS[gallery]]
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        form = comment_form(gallery, no, token or "", galltype, page)
        data = json.loads(fetch(replica.url("/board/comment/"), form, XHR).body)
        rows = [c for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
        if not rows:
            return out
        out += rows
        page += 1


def icon_of(html: str) -> str | None:
    """The gallog icon's file name in a piece of writer markup, and its title's noise."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    images = root.xpath(".//a[contains(@class,'writer_nikcon')]/img")
    if not images:
        return None
    assert images[0].get("title").endswith(" : 갤로그로 이동합니다.")
    assert images[0].get("alt") == "갤로그로 이동합니다."
    return str(images[0].get("src")).rsplit("/", 1)[-1]


@pytest.mark.parametrize("gallery", list(KINDS))
def test_every_writer_class_writes_posts_and_comments(
    truth: dict[str, list[dict[str, Any]]], gallery: str
) -> None:
    records = truth[gallery]
    post_classes = [p["writer_class"] for p in posts(records) if not p["is_notice"]]
    comment_classes = [c["writer_class"] for c in records if c["type"] == "comment"]
    for cls in CLASSES:
        assert post_classes.count(cls) >= (2 if cls in ("manager", "sub_manager") else 3), cls
        assert comment_classes.count(cls) >= 3, cls
    staff = "operator" if KINDS[gallery] in ("major", "person") else "manager"
    assert {p["writer_class"] for p in posts(records) if p["is_notice"]} == {staff}
    assert all(c["writer_class"] != "operator" for c in records if c["type"] == "comment")
    for p in posts(records):
        if p["writer_class"] == "floating":
            assert p["writer_ip"] and not p["writer_uid"]
        elif p["writer_class"] == "operator":
            assert p["writer_nick"] == "운영자" and not p["writer_ip"] and not p["writer_uid"]
        else:
            assert p["writer_uid"] and not p["writer_ip"]


@pytest.mark.parametrize("gallery", list(KINDS))
def test_list_row_view_header_and_comment_json_show_the_class(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]], gallery: str
) -> None:
    records = truth[gallery]
    by_class: dict[str, dict[str, Any]] = {}
    for p in posts(records):
        by_class.setdefault(p["writer_class"], p)
    assert set(by_class) >= {*CLASSES, "operator" if gallery in ("wmaj", "wper") else "manager"}
    for cls, post in by_class.items():
        row = row_of(replica, records, post["post_no"])
        assert row["writer_class"] == cls, (cls, post["post_no"])
        root = view_root(replica, gallery, post["post_no"])
        header = root.xpath("//div[contains(@class,'gall_writer') and @data-loc='view']")[0]
        icon = icon_of(lxml.html.tostring(header, encoding="unicode"))
        assert parse_view(root)["writer_class"] == cls
        if cls in ICONS:
            assert icon in ICONS[cls], (cls, icon)
            assert header.get("data-uid") == post["writer_uid"]
        else:
            assert icon is None
    # Comments: find one of each class and read it from the JSON.
    wanted = {c["comment_no"]: c for c in records if c["type"] == "comment"}
    seen: dict[str, dict[str, Any]] = {}
    for c in wanted.values():
        seen.setdefault(c["writer_class"], c)
    assert set(seen) == set(CLASSES)
    for cls, comment in seen.items():
        objects = comment_objects(replica, gallery, comment["post_no"])
        obj = next(o for o in objects if int(o["no"]) == comment["comment_no"])
        assert comment_record(obj, comment["post_no"], gallery)["writer_class"] == cls
        icon = icon_of(obj["gallog_icon"])
        if cls == "floating":
            assert icon is None and obj["nicktype"] == "00" and obj["ip"]
        else:
            assert icon in ICONS[cls]
            assert obj["nicktype"] == ("00" if cls == "semi_fixed" else "20")


def test_every_icon_variant_is_drawn(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    """Every gallog icon of SITE.md §2.2 appears on list rows: the (sub-)managers' on a
    fixed nick (``fix_``) and on a semi-fixed nick (plain) too."""
    icons: set[str] = set()
    for gallery in KINDS:
        pages = -(-len(listed(truth[gallery])) // 100)
        for page in range(1, pages + 1):
            prefix = PREFIXES[KINDS[gallery]]
            url = f"{prefix}/lists/?id={gallery}&list_num=100&page={page}"
            root = doc(fetch(replica.url(url)).body)
            for cell in root.xpath("//td[contains(@class,'gall_writer')]"):
                icon = icon_of(lxml.html.tostring(cell, encoding="unicode"))
                if icon is not None:
                    icons.add(icon)
    assert icons == set().union(*ICONS.values())


def test_comments_from_the_app_carry_the_suffix_only_in_the_memo(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    records = truth["wmin"]
    comments = [c for c in records if c["type"] == "comment"]
    app = [c for c in comments if c["via_app"]]
    assert len(app) >= 5 and len(app) < len(comments) / 5
    assert not any("dc App" in (c["body_text"] or "") for c in comments)
    assert all(c["body_text"] for c in app)  # only text comments come with the suffix
    checked = 0
    for post_no in sorted({c["post_no"] for c in app})[:6]:
        expected = {c["comment_no"]: c for c in comments if c["post_no"] == post_no}
        for obj in comment_objects(replica, "wmin", post_no):
            c = expected[int(obj["no"])]
            assert obj["memo"].endswith("  - dc App") == c["via_app"]
            assert ("vr=" in (obj["vr_player"] or "")) == c["is_voice"]
            assert comment_record(obj, post_no, "wmin")["body_text"] == c["body_text"]
            checked += 1
    assert checked > 10


def test_voice_replies_are_flagged(truth: dict[str, list[dict[str, Any]]]) -> None:
    comments = [c for records in truth.values() for c in records if c["type"] == "comment"]
    voice = [c for c in comments if c["is_voice"]]
    assert voice and all(c["body_text"] is None and not c["via_app"] for c in voice)


def test_rows_carry_every_post_icon_matching_the_truth(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]]
) -> None:
    records = truth["wmaj"]
    by_no = {p["post_no"]: p for p in posts(records)}
    seen: set[str] = set()
    pages = -(-len(listed(records)) // 100)
    rows: list[dict[str, Any]] = []
    for page in range(1, pages + 1):
        rows += [r for r in list_rows(replica, "wmaj", page) if r["data_no"]]
    for row in rows:
        kind = row["data_type"]
        seen.add(kind)
        post = by_no[int(row["data_no"])]
        assert (kind == "icon_notice") == post["is_notice"]
        if kind in ("icon_notice", "icon_issue"):
            continue
        assert kind.startswith("icon_recom") == post["is_recommended"]
        movie = kind in ("icon_movie", "icon_recomovie")
        assert movie == bool(post["video_urls"])
        if not movie:  # a video outranks an image
            assert (kind in ("icon_pic", "icon_recomimg")) == bool(post["image_urls"])
    assert seen == set(ROW_ICONS)
    # The icon is also the em's class (the title link's first child).
    root = doc(fetch(replica.url("/board/lists/?id=wmaj&list_num=100")).body)
    for tr in root.xpath("//tbody/tr[@data-type!='']"):
        em = tr.xpath("./td[contains(@class,'gall_tit')]/a[1]/em/@class")[0]
        assert em == f"icon_img {tr.get('data-type')}"


@pytest.mark.parametrize("gallery", list(KINDS))
def test_issue_rows_are_posts_in_their_normal_place(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]], gallery: str
) -> None:
    records = truth[gallery]
    order = [p["post_no"] for p in listed(records)]
    rows: list[dict[str, Any]] = []
    for page in range(1, -(-len(order) // 100) + 1):
        rows += list_rows(replica, gallery, page)
    post_rows = [r for r in rows if "us-post" in r["classes"] and r["data_type"] != "icon_notice"]
    assert [int(r["data_no"]) for r in post_rows] == order
    issues = [r for r in post_rows if r["data_type"] == "icon_issue"]
    assert 1 <= len(issues) <= 4
    by_no = {p["post_no"]: p for p in posts(records)}
    for row in issues:
        post = by_no[int(row["data_no"])]
        assert row["num"] == row["data_no"] and not post["is_notice"]
        view = parse_view(view_root(replica, gallery, post["post_no"]))
        assert view["body_text"] == post["body_text"] and view["title"] == post["title"]


@pytest.mark.parametrize("gallery", list(KINDS))
def test_notices_are_pinned_on_every_page_and_answer_like_posts(
    replica: ReplicaThread, truth: dict[str, list[dict[str, Any]]], gallery: str
) -> None:
    records = truth[gallery]
    notices = sorted(p["post_no"] for p in posts(records) if p["is_notice"])
    assert notices and all(p["notice"] for p in posts(records) if p["post_no"] in notices)
    last = -(-len(listed(records)) // 100)
    for page in sorted({1, 2, last}):
        rows = list_rows(replica, gallery, page)
        pinned = [r for r in rows if r["data_type"] == "icon_notice"]
        assert sorted(int(r["data_no"]) for r in pinned) == notices, page
        assert all(r["num"] == "공지" for r in pinned)
        first = next(i for i, r in enumerate(rows) if r["data_type"] == "icon_notice")
        assert all(r["data_type"] != "icon_notice" for r in rows[first + len(pinned) :])
    by_no = {p["post_no"]: p for p in posts(records)}
    counts = []
    for no in notices:
        view = parse_view(view_root(replica, gallery, no))
        assert view["body_text"] == by_no[no]["body_text"]
        assert view["comment_count"] == by_no[no]["comment_count"]
        comments = comment_objects(replica, gallery, no)
        assert len(comments) == by_no[no]["comment_count"]
        counts.append(len(comments))
    assert sum(counts) > 0
