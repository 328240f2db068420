"""Gallery kinds and prefixes: the minor redirect from ``/board/``, mini and person ids
served under their own prefix only, and one id served as two galleries of two kinds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.model import GALLTYPES, PREFIXES
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaProcess, ReplicaThread
from testbed.replica.states import build_states
from tests.crawling import replica_truth
from tests.replica.test_replica_parsing import doc, hidden, parse_rows, parse_view, post_rows

NOW = "2026-03-15T00:05:00+09:00"
SPECS = (
    "kmin:minor:40",
    "kmini:mini:40",
    "kper:person:40",
    "twin:major:60",
    "twin:mini:40",
)
OPTIONS = ReplicaOptions(galleries=tuple(GallerySpec.parse(g) for g in SPECS), now=parse_now(NOW))
REDIRECT = re.compile(r'<script type="text/javascript">location\.replace\("([^"]+)"\);</script>')


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(OPTIONS) as server:
        yield server


def newest(replica: ReplicaThread, gallery: str, kind: str) -> int:
    return max(
        r["post_no"]
        for r in replica.truth(gallery)
        if r["type"] == "post" and r["gallery_kind"] == kind and not r["is_deleted"]
    )


def test_a_minor_id_under_board_answers_the_redirect(replica: ReplicaThread) -> None:
    no = newest(replica, "kmin", "minor")
    for page in ("lists", "view"):
        reply = fetch(replica.url(f"/board/{page}/?id=kmin&no={no}"))
        target = REDIRECT.fullmatch(reply.text)
        assert reply.status == 200 and target
        assert target[1] == f"https://gall.dcinside.com/mgallery/board/{page}/?id=kmin&no={no}"


@pytest.mark.parametrize(("gallery", "kind"), [("kmini", "mini"), ("kper", "person")])
def test_mini_and_person_ids_exist_only_under_their_prefix(
    replica: ReplicaThread, gallery: str, kind: str
) -> None:
    no = newest(replica, gallery, kind)
    assert fetch(replica.url(f"{PREFIXES[kind]}/lists/?id={gallery}")).status == 200
    assert fetch(replica.url(f"{PREFIXES[kind]}/view/?id={gallery}&no={no}")).status == 200
    for other, prefix in PREFIXES.items():
        if other == kind:
            continue
        for page in ("lists", "view"):
            query = f"no={no}&page=1"
            reply = fetch(replica.url(f"{prefix}/{page}/?id={gallery}&{query}"))
            unknown = fetch(replica.url(f"{prefix}/{page}/?id=nosuchgallery&{query}"))
            assert (reply.status, reply.headers["Content-Type"], reply.body) == (
                unknown.status,
                unknown.headers["Content-Type"],
                unknown.body,
            ), (prefix, page)
            assert 'alert("해당 갤러리는 존재하지 않습니다.");' in reply.text
    # The comment endpoint refuses another kind's _GALLTYPE_, as for an unknown id.
    token = hidden(doc(fetch(replica.url(f"{PREFIXES[kind]}/lists/?id={gallery}")).body), "e_s_n_o")
    form = comment_form(gallery, no, token or "", "G", 1)
    assert "잘못된 접근입니다." in fetch(replica.url("/board/comment/"), form, XHR).text


@pytest.mark.parametrize("spec", SPECS)
def test_every_list_page_names_its_own_gallery_and_kind(replica: ReplicaThread, spec: str) -> None:
    gallery, kind = spec.split(":")[:2]
    for page in (1, 2):
        root = doc(
            fetch(replica.url(f"{PREFIXES[kind]}/lists/?id={gallery}&list_num=30&page={page}")).body
        )
        assert hidden(root, "gallery_id") == gallery
        assert hidden(root, "_GALLTYPE_") == GALLTYPES[kind]
        assert root.xpath("//input[@type='hidden' and @id='_GALLTYPE_']")


def test_one_id_serves_two_galleries_with_their_own_data(replica: ReplicaThread) -> None:
    truth = replica.truth("twin")
    major = [r for r in truth if r["gallery_kind"] == "major"]
    mini = [r for r in truth if r["gallery_kind"] == "mini"]
    assert {r["gallery_id"] for r in truth} == {"twin"} and len(major) + len(mini) == len(truth)
    assert max(r["post_no"] for r in major if r["type"] == "post") <= 60
    assert max(r["post_no"] for r in mini if r["type"] == "post") <= 40
    titles = {r["gallery_kind"]: {} for r in truth}
    for r in truth:
        if r["type"] == "post" and not r["is_deleted"]:
            titles[r["gallery_kind"]][r["post_no"]] = r["title"]
    shared = titles["major"].keys() & titles["mini"].keys()
    assert shared and sum(titles["major"][n] != titles["mini"][n] for n in shared) > len(shared) / 2
    # /board/ answers the major gallery (no redirect), /mini/board/ the mini one.
    for kind, records in (("major", major), ("mini", mini)):
        listing = doc(fetch(replica.url(f"{PREFIXES[kind]}/lists/?id=twin&list_num=100")).body)
        assert hidden(listing, "_GALLTYPE_") == GALLTYPES[kind]
        expected = sorted(
            (
                r["post_no"]
                for r in records
                if r["type"] == "post" and not r["is_deleted"] and not r["is_notice"]
            ),
            reverse=True,
        )
        assert [int(r["data_no"]) for r in post_rows(parse_rows(listing))] == expected
        post = next(r for r in records if r["type"] == "post" and r["post_no"] == expected[0])
        root = doc(fetch(replica.url(f"{PREFIXES[kind]}/view/?id=twin&no={post['post_no']}")).body)
        view = parse_view(root)
        assert (view["title"], view["body_text"]) == (post["title"], post["body_text"])
        token = hidden(root, "e_s_n_o") or ""
        form = comment_form("twin", post["post_no"], token, GALLTYPES[kind], 1)
        data = json.loads(fetch(replica.url("/board/comment/"), form, XHR).body)
        assert data["total_cnt"] == post["comment_count"]
        got = [int(c["no"]) for c in data["comments"] if c["nicktype"] != "COMMENT_BOY"]
        want = [
            r["comment_no"]
            for r in records
            if r["type"] == "comment" and r["post_no"] == post["post_no"]
        ][:100]
        assert got == want
    form = comment_form("twin", 1, token, "M", 1)
    assert "잘못된 접근입니다." in fetch(replica.url("/board/comment/"), form, XHR).text
    assert "location.replace" not in fetch(replica.url("/board/lists/?id=twin")).text
    galleries = replica.stats()["galleries"]
    assert galleries["twin"]["kind"] == "major" and galleries["twin:mini"]["kind"] == "mini"
    assert galleries["kmini"]["kind"] == "mini"


def test_the_cli_prints_both_galleries_of_an_id() -> None:
    args = ["--gallery", "twin:major:60", "--gallery", "twin:mini:40", "--now", NOW]
    printed = replica_truth(*args)
    assert {(r["gallery_id"], r["gallery_kind"]) for r in printed} == {
        ("twin", "major"),
        ("twin", "mini"),
    }
    with ReplicaProcess(args) as server:
        assert server.truth("twin") == printed
    # Galleries whose id is served once keep their data, whatever else is served.
    alone = replica_truth("--gallery", "twin:mini:40", "--now", NOW)
    assert (
        alone
        == replica_truth("--gallery", "twin:mini:40", "--gallery", "x:major:20", "--now", NOW)[
            : len(alone)
        ]
    )
    assert alone != [r for r in printed if r["gallery_kind"] == "mini"]
    assert [r for r in printed if r["gallery_kind"] == "major"] == replica_truth(
        "--gallery", "twin:major:60", "--now", NOW
    )


def test_states_are_keyed_by_id_and_kind() -> None:
    states = build_states(OPTIONS)
    assert states["twin"] is states[("twin", "major")]
    assert states[("twin", "mini")].config.kind == "mini"
    assert states["kmini"].config.key == ("kmini", "mini")
    assert ("twin", "minor") not in states and "nosuch" not in states
    with pytest.raises(ValueError, match="duplicate"):
        build_states(
            ReplicaOptions(galleries=(GallerySpec.parse("a:mini:5"), GallerySpec.parse("a:mini:9")))
        )
