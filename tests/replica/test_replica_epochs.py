"""Epochs model a busy gallery over time (README "Activity over epochs").

Each step E-1 → E of a generated gallery of 100+ posts brings every kind of change: new
posts (some commented), new comments on the newest posts (new threads and replies to
comments of earlier epochs), growing views, 추천, 고정닉 추천 and 비추, deleted posts and
deleted comments. Epoch 0 is the data it always was. Steps accumulate, ``truth --epoch``
agrees with ``serve --epoch`` and with a server stepped there through ``/_replica/epoch``,
the comment pages move exactly as the README says, and ``--changes`` lists what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import pytest

from testbed.replica.__main__ import main
from testbed.replica.activity import ACTIVE_POSTS
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.model import GALLTYPES, PREFIXES
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaProcess, ReplicaThread
from testbed.replica.states import build_states, esno_token
from testbed.replica.truth import records
from tests.replica.test_replica_parsing import doc, paging, parse_rows, parse_view, post_rows

NOW = parse_now("2026-03-15T00:05:00+09:00")
STEPS = range(1, 6)  # 0→1 .. 4→5
# Galleries of 300 posts of every kind; the major one with a 비추 box, the mini one without
# (mini galleries never have one).
SPECS = ("act:major:300:down", "acm:minor:300:heads", "acn:mini:300", "acp:person:300:down")
SERVED = "act:major:300:down"
TOKEN = esno_token(1)

# Epoch 0 before the activity model existed (recorded before the change): the truth of
# these galleries and every page of one, byte for byte.
EPOCH0_TRUTH_ARGS = [
    *("--gallery", "ep:major:300", "--gallery", "mi:minor:300", "--gallery", "mn:mini:150"),
    *("--gallery", "pe:person:120", "--gallery", "readme:minor:160", "--gallery", "seed"),
    *("--now", "2026-03-01T12:00:00"),
]
EPOCH0_TRUTH_SHA256 = "ec9fe06419a0f9be738109af8cd3a2216bc261e7e06ad59ca3f56753b6f804f9"
EPOCH0_MEDIA_TRUTH_SHA256 = "a065a3940a6c8971487bbd9d786408c4a9b05bfbea717a5660e1905dbb9bc615"
EPOCH0_PAGES_SHA256 = "4ac0d8dff6a03149cad56b2b928d71f8b9afe9ef5bef2a9d096abdaca8c4e06d"


def cli(*args: str) -> str:
    """``python -m testbed.replica ARGS`` in this process (its stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def options(spec: str, epoch: int = 0, **kw: Any) -> ReplicaOptions:
    return ReplicaOptions(galleries=(GallerySpec.parse(spec),), now=NOW, epoch=epoch, **kw)


@cache
def truth_at(spec: str, epoch: int) -> tuple[dict[str, Any], ...]:
    """The gallery's truth at ``epoch``, built afresh (nothing shared with other epochs)."""
    gallery = GallerySpec.parse(spec)
    state = build_states(options(spec, epoch))[(gallery.id, gallery.kind)]
    return tuple(records(state))


@dataclass
class State:
    """One epoch's truth, indexed."""

    posts: dict[int, dict[str, Any]]
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def of(cls, lines: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> State:
        state = cls({r["post_no"]: r for r in lines if r["type"] == "post"})
        for r in lines:
            if r["type"] == "comment":
                state.comments.setdefault(r["post_no"], []).append(r)
        return state

    def live(self) -> set[int]:
        return {n for n, p in self.posts.items() if not p["is_deleted"]}

    def listed(self) -> list[int]:
        """Live non-notice posts, newest first (the list's order)."""
        return sorted((n for n in self.live() if not self.posts[n]["notice"]), reverse=True)

    def numbers(self) -> dict[int, dict[str, Any]]:
        return {c["comment_no"]: c for rows in self.comments.values() for c in rows}


@cache
def at(spec: str, epoch: int) -> State:
    """``truth_at`` indexed (shared: tests only read it)."""
    return State.of(truth_at(spec, epoch))


# ------------------------------------------------------------------ epoch 0 is unchanged


def test_epoch_0_truth_is_byte_for_byte_what_it_was() -> None:
    for extra, expected in (
        ((), EPOCH0_TRUTH_SHA256),
        (("--epoch", "0", "--media-base", "http://127.0.0.1:1"), EPOCH0_MEDIA_TRUTH_SHA256),
    ):
        text = cli("truth", *EPOCH0_TRUTH_ARGS, *extra)
        assert text.count("\n") > 15_000
        assert hashlib.sha256(text.encode()).hexdigest() == expected


def test_epoch_0_pages_are_byte_for_byte_what_they_were() -> None:
    digest = hashlib.sha256()
    with ReplicaThread(options("eps:minor:300")) as replica:
        for query in ("", "&page=2", "&page=6", "&page=7", "&list_num=100&page=3"):
            digest.update(fetch(replica.url(f"/mgallery/board/lists/?id=eps{query}")).body)
        digest.update(
            fetch(replica.url("/mgallery/board/lists/?id=eps&exception_mode=recommend")).body
        )
        for no in range(1, 302):
            view = fetch(replica.url(f"/mgallery/board/view/?id=eps&no={no}"))
            digest.update(str(view.status).encode() + view.body)
            for page in (1, 2, 3):
                form = comment_form("eps", no, TOKEN, "M", page)
                digest.update(fetch(replica.url("/board/comment/"), form, XHR).body)
    assert digest.hexdigest() == EPOCH0_PAGES_SHA256


# ------------------------------------------------------- every kind of change, every step


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("step", STEPS)
def test_every_kind_of_change_happens_at_every_step(spec: str, step: int) -> None:
    old, new = at(spec, step - 1), at(spec, step)
    kept = old.live() & new.live()
    # New posts: numbers above every earlier one, some commented.
    fresh = sorted(new.live() - set(old.posts))
    assert fresh and min(fresh) > max(old.posts)
    assert any(new.posts[n]["comment_count"] for n in fresh)
    assert all(new.comments.get(n) for n in fresh if new.posts[n]["comment_count"])
    # Deleted posts: live before, deleted now (truth: is_deleted, no comments).
    gone = old.live() - new.live()
    assert gone and all(new.posts[n]["is_deleted"] for n in gone)
    assert not any(new.comments.get(n) for n in gone)
    # New comments: on the posts of the last days (list page 1 then, or new), replies to
    # comments of an earlier epoch and new threads among them, numbered above every
    # earlier comment of the gallery.
    before = old.numbers()
    added = {n: [c for c in new.comments.get(n, []) if c["comment_no"] not in before] for n in kept}
    added = {n: rows for n, rows in added.items() if rows}
    assert set(added) <= set(old.listed()[:ACTIVE_POSTS])
    assert any(c["parent_no"] in before for rows in added.values() for c in rows)
    assert any(c["parent_no"] is None for rows in added.values() for c in rows)
    newest = [c["comment_no"] for rows in new.comments.values() for c in rows]
    assert min(n for n in newest if n not in before) > max(before)
    # Old comments stay as they were, but for deletions (some in every step).
    now = new.numbers()
    flipped = 0
    for number, comment in before.items():
        if comment["post_no"] in kept:
            assert now[number] == {**comment, "is_deleted": now[number]["is_deleted"]}
            flipped += now[number]["is_deleted"] and not comment["is_deleted"]
    assert flipped
    # Counts never decrease; each kind grows somewhere; the comment count follows.
    for name in ("views", "recommend", "recommend_fixed", "downvotes", "comment_count"):
        pairs = [(old.posts[n][name], new.posts[n][name]) for n in kept]
        if name == "downvotes" and pairs[0][0] is None:
            assert ":down" not in spec and all(b is None for _, b in pairs)
            continue
        assert all(b >= a for a, b in pairs), name
        assert any(b > a for a, b in pairs), name
    for n in new.live():
        assert new.posts[n]["comment_count"] == len(new.comments.get(n, []))
        assert new.posts[n]["recommend_fixed"] <= new.posts[n]["recommend"]
    for n in kept:
        grew = new.posts[n]["comment_count"] - old.posts[n]["comment_count"]
        assert grew == len(added.get(n, []))


@pytest.mark.parametrize("spec", SPECS)
def test_steps_accumulate_and_the_clock_moves_three_hours_a_step(spec: str) -> None:
    """Epoch E+1 is epoch E plus one step: what a server stepping through epochs knows
    equals what a process started at E+1 computes; and new posts fall in their step."""
    gallery = GallerySpec.parse(spec)
    timelines: dict[Any, Any] = {}
    for epoch in range(6):
        state = build_states(options(spec, epoch), timelines=timelines)[gallery.id]
        assert tuple(records(state)) == truth_at(spec, epoch)
        assert state.now == NOW.replace(hour=3 * epoch)  # NOW is 00:05: 03:05, 06:05 ...
    timeline = timelines[(gallery.id, gallery.kind)]
    assert [s.epoch for s in timeline.steps] == list(STEPS)
    for step in timeline.steps:
        created = [at(spec, step.epoch).posts[n]["created_at"] for n in step.new_posts]
        assert created == sorted(created)
        for text in created:
            assert step.start.isoformat() < text <= step.end.isoformat()


def test_the_seed_gallery_and_notices_never_change() -> None:
    assert cli("truth", "--gallery", "seed", "--epoch", "4") == cli("truth", "--gallery", "seed")
    old, new = at(SERVED, 0), at(SERVED, 5)
    notices = [n for n, p in old.posts.items() if p["notice"]]
    assert notices and all(new.posts[n] == old.posts[n] for n in notices)


# ------------------------------------------------------------ one server, stepped through


@dataclass
class Served:
    """What the stepped server answered at one epoch."""

    truth: list[dict[str, Any]]
    rows: list[dict[str, Any]]  # list rows of every page (post rows), in list order
    last_page: int
    views: dict[int, tuple[int, Any]]  # post → (status, parsed view or body)
    threads: dict[int, list[dict[str, Any]]]  # post → pages of comment JSON


def comment_pages(replica: ReplicaThread, gallery: str, no: int) -> list[dict[str, Any]]:
    pages, page = [], 1
    while True:
        form = comment_form(gallery, no, TOKEN, GALLTYPES["major"], page)
        data = json.loads(fetch(replica.url("/board/comment/"), form, XHR).body)
        pages.append(data)
        if not data["comments"]:
            return pages
        page += 1


def snapshot(replica: ReplicaThread, epoch: int) -> Served:
    gid = "act"
    lists = f"{PREFIXES['major']}/lists/?id={gid}&list_num=100"
    first = doc(fetch(replica.url(lists)).body)
    info = paging(first)
    last = info["end"] or max([info["current"], *info["pages"]])
    rows = post_rows(parse_rows(first))
    for page in range(2, last + 1):
        rows += post_rows(parse_rows(doc(fetch(replica.url(f"{lists}&page={page}")).body)))
    served_truth = replica.truth(gid)
    state = State.of(served_truth)
    previous = at(SERVED, max(0, epoch - 1))
    # The step's new and deleted posts, those with new comments, a share of the others
    # whose counts moved, and a few untouched ones.
    changed = {n for n in state.posts if state.posts[n] != previous.posts.get(n)}
    threads_moved = {
        n
        for n in changed
        if n not in previous.posts
        or state.posts[n]["is_deleted"]
        or state.posts[n]["comment_count"] != previous.posts[n]["comment_count"]
    }
    look = threads_moved | set(sorted(changed - threads_moved)[::6])
    look |= set(sorted(state.live())[::60])
    views: dict[int, tuple[int, Any]] = {}
    threads: dict[int, list[dict[str, Any]]] = {}
    for no in sorted(look):
        reply = fetch(replica.url(f"{PREFIXES['major']}/view/?id={gid}&no={no}"))
        live = reply.status == 200 and b"location.replace" not in reply.body
        views[no] = (reply.status, parse_view(doc(reply.body)) if live else reply.text)
        threads[no] = comment_pages(replica, gid, no)
    return Served(served_truth, rows, last, views, threads)


@pytest.fixture(scope="module")
def stepped() -> Iterator[dict[int, Served]]:
    with ReplicaThread(options(SERVED)) as replica:
        base = replica.base_url
        out = {0: snapshot(replica, 0)}
        for epoch in STEPS:
            assert replica.set_epoch(epoch) == epoch
            assert replica.base_url == base
            out[epoch] = snapshot(replica, epoch)
        yield out


@pytest.mark.parametrize("epoch", [0, *STEPS])
def test_a_stepped_server_answers_each_epochs_truth(stepped: dict[int, Served], epoch: int) -> None:
    assert tuple(stepped[epoch].truth) == truth_at(SERVED, epoch)


def test_truth_epoch_on_the_command_line_is_what_serve_epoch_serves() -> None:
    args = ["--gallery", SERVED, "--now", NOW.isoformat(), "--epoch", "3"]
    printed = [json.loads(line) for line in cli("truth", *args).splitlines()]
    with ReplicaThread(options(SERVED, 3)) as replica:
        assert replica.truth("act") == printed
        assert replica.epoch() == 3
    assert tuple(printed) == truth_at(SERVED, 3)


@pytest.mark.parametrize("epoch", [0, *STEPS])
def test_list_rows_show_the_epochs_posts_and_counts(stepped: dict[int, Served], epoch: int) -> None:
    served = stepped[epoch]
    state = State.of(served.truth)
    assert [int(r["data_no"]) for r in served.rows] == state.listed()
    assert served.last_page == -(-len(state.listed()) // 100)
    for row in served.rows:
        post = state.posts[int(row["data_no"])]
        voice = sum(c["is_voice"] for c in state.comments.get(post["post_no"], []))
        assert (int(row["views"]), int(row["recommend"])) == (post["views"], post["recommend"])
        assert (row["replies"], row["voice"]) == (post["comment_count"] - voice, voice)
    if epoch:
        # The step's new posts top the list, newest first.
        fresh = sorted(state.live() - set(at(SERVED, epoch - 1).posts), reverse=True)
        assert [int(r["data_no"]) for r in served.rows[: len(fresh)]] == fresh


@pytest.mark.parametrize("epoch", [0, *STEPS])
def test_view_pages_show_the_epochs_counts_and_deletions(
    stepped: dict[int, Served], epoch: int
) -> None:
    state = State.of(stepped[epoch].truth)
    deleted = 0
    for no, (status, view) in stepped[epoch].views.items():
        post = state.posts[no]
        if post["is_deleted"]:
            deleted += 1
            assert status == 200 and "/derror/deleted/act" in view
            assert stepped[epoch].threads[no][0]["total_cnt"] == 0
            continue
        for key in ("title", "views", "recommend", "recommend_fixed", "downvotes"):
            assert view[key] == post[key], (no, key)
        assert view["comment_count"] == post["comment_count"]
    assert deleted or not epoch


@pytest.mark.parametrize("epoch", [0, *STEPS])
def test_the_comment_json_serves_each_thread_in_the_sites_order(
    stepped: dict[int, Served], epoch: int
) -> None:
    state = State.of(stepped[epoch].truth)
    for no, pages in stepped[epoch].threads.items():
        if state.posts[no]["is_deleted"]:
            continue
        rows = [c for page in pages for c in page["comments"] if c["no"]]
        assert [int(c["no"]) for c in rows] == [c["comment_no"] for c in state.comments.get(no, [])]
        head = None
        for c in rows:
            if c["depth"] == 0:
                assert head is None or int(c["no"]) > head, "heads oldest first"
                head, last = int(c["no"]), int(c["no"])
            else:
                assert int(c["c_no"]) == head and int(c["no"]) > last, "replies follow the head"
                last = int(c["no"])
        replies: dict[str, int] = {}
        for c in rows:
            if c["depth"]:
                replies[c["c_no"]] = replies.get(c["c_no"], 0) + 1
        for c in rows:
            assert int(c["rcnt"]) == replies.get(c["no"] if c["depth"] == 0 else c["c_no"], 0)
        for page in pages:
            assert page["total_cnt"] == state.posts[no]["comment_count"]
            real = [c for c in page["comments"] if c["no"]]
            assert len(real) <= 100
            if real:
                assert 2 <= len(page["comments"]) - len(real) <= 6
        assert all(len([c for c in p["comments"] if c["no"]]) == 100 for p in pages[:-2])


# ------------------------------------------------------------------ comment page shifts


def thread_pages(replica: ReplicaThread, gallery: GallerySpec, no: int) -> list[list[Any]]:
    pages, page = [], 1
    while True:
        form = comment_form(gallery.id, no, TOKEN, GALLTYPES[gallery.kind], page)
        data = json.loads(fetch(replica.url("/board/comment/"), form, XHR).body)
        if not data["comments"]:
            return pages
        pages.append(data["comments"])
        page += 1


def test_comment_pages_change_exactly_as_the_readme_says() -> None:
    """(a) Only new threads: pages 1..T//100 keep their rows (ads included), the rest
    change. (b) A reply to an older comment: the page holding its parent and every page
    after it change, the pages before keep their rows. (c) A deleted comment: the page
    holding it changes. Proved on the JSON of multi-page threads over five steps."""
    specs = [GallerySpec.parse(g) for g in ("sha:major:300", "shb:minor:300", "shd:person:300")]
    opts = ReplicaOptions(galleries=tuple(specs), now=NOW, big_thread=350)
    seen = {"a": 0, "b": 0, "b_later_pages": 0, "c": 0}
    with ReplicaThread(opts) as replica:
        watched = [
            (g, p["post_no"])
            for g in specs
            for p in replica.truth(g.id)
            if p["type"] == "post" and not p["is_deleted"] and (p["comment_count"] or 0) > 100
        ]
        before = {key: thread_pages(replica, *key) for key in watched}
        for epoch in STEPS:
            replica.set_epoch(epoch)
            after = {key: thread_pages(replica, *key) for key in watched}
            for key in watched:
                old, new = before[key], after[key]
                if not new:
                    continue  # deleted
                total = sum(1 for page in old for c in page if c["no"])
                where = {c["no"]: i + 1 for i, page in enumerate(old) for c in page if c["no"]}
                deleted = {c["no"] for page in old for c in page if c["no"] and c["del_yn"] == "Y"}
                rows = [c for page in new for c in page if c["no"]]
                fresh = [c for c in rows if c["no"] not in where]
                to_old = [c for c in fresh if c["c_no"] and c["c_no"] in where]
                flips = {c["no"] for c in rows if c["del_yn"] == "Y" and c["no"] in where}
                flip_pages = {where[n] for n in flips - deleted}
                start = len(new) + 1
                if fresh:
                    start = total // 100 + 1
                if to_old:
                    start = min(where[c["c_no"]] for c in to_old)
                expected = flip_pages | set(range(start, len(new) + 1))
                changed = {i + 1 for i in range(len(new)) if i >= len(old) or new[i] != old[i]}
                assert changed == expected, (key, epoch)
                if fresh and not to_old and not flip_pages and total > 100:
                    seen["a"] += 1
                if to_old and not flip_pages and len(old) > 1:
                    seen["b"] += 1
                    seen["b_later_pages"] += start < len(old)
                seen["c"] += bool(flip_pages)
            before = after
    assert all(seen.values()), seen


# ------------------------------------------------------------------ the epoch route


def test_the_epoch_route_reads_and_moves_the_epoch_forward_only() -> None:
    with ReplicaThread(options("rt:minor:120")) as replica:
        assert json.loads(fetch(replica.url("/_replica/epoch")).body) == {"epoch": 0}
        post = urllib.request.Request(
            replica.url("/_replica/epoch"),
            data=json.dumps({"epoch": 2}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(post) as resp:
            assert json.loads(resp.read()) == {"epoch": 2, "previous": 0}
        form = fetch(replica.url("/_replica/epoch"), {"epoch": "3"})
        assert json.loads(form.body) == {"epoch": 3, "previous": 2}
        assert replica.epoch() == 3 and replica.stats()["epoch"] == 3
        back = fetch(replica.url("/_replica/epoch"), {"epoch": "1"})
        assert back.status == 409 and json.loads(back.body)["epoch"] == 3
        assert fetch(replica.url("/_replica/epoch"), {"epoch": "x"}).status == 400
        with pytest.raises(ValueError, match="before the epoch served"):
            replica.set_epoch(2)
        assert replica.set_epoch(3) == 3  # staying is fine
        assert tuple(replica.truth("rt")) == truth_at("rt:minor:120", 3)


def test_the_epoch_cannot_move_while_faults_change_the_gallery() -> None:
    opts = replace(options("rf:major:120"), faults={"new_posts": 0.001})
    with ReplicaThread(opts) as replica, pytest.raises(ValueError, match="faults"):
        replica.set_epoch(1)


def test_a_replica_process_steps_through_epochs_too() -> None:
    args = ["--gallery", "rp:mini:120", "--now", NOW.isoformat()]
    with ReplicaProcess(args) as replica:
        base = replica.base_url
        assert replica.set_epoch(2) == 2 and replica.base_url == base
        assert tuple(replica.truth("rp")) == truth_at("rp:mini:120", 2)
        page = fetch(replica.url("/mini/board/lists/?id=rp")).text
        newest = max(at("rp:mini:120", 2).live())
        assert f'data-no="{newest}"' in page


# ------------------------------------------------------------------ changes


@pytest.mark.parametrize(("after", "upto"), [(0, 1), (2, 3), (4, 5), (1, 4)])
def test_changes_list_what_changed_between_two_epochs(after: int, upto: int) -> None:
    args = ["--gallery", SERVED, "--now", NOW.isoformat(), "--epoch", str(upto)]
    (record,) = [
        json.loads(line) for line in cli("truth", *args, "--changes", str(after)).splitlines()
    ]
    with ReplicaThread(options(SERVED, upto)) as replica:
        assert replica.changes(after, upto, "act") == [record]
        assert replica.changes(after, gallery="act") == [record]  # to: the epoch served
        if upto - after == 1:  # from: the epoch before ``to``
            default = fetch(replica.url("/_replica/changes?gallery=act")).text.splitlines()
            assert [json.loads(line) for line in default] == [record]
    old, new = at(SERVED, after), at(SERVED, upto)
    assert (record["from_epoch"], record["to_epoch"]) == (after, upto)
    assert record["new_posts"] == sorted(new.live() - set(old.posts))
    assert record["deleted_posts"] == sorted(old.live() - new.live())
    before = old.numbers()
    threads = {}
    for no in sorted(new.live()):
        fresh = [c["comment_no"] for c in new.comments.get(no, []) if c["comment_no"] not in before]
        gone = [
            c["comment_no"]
            for c in new.comments.get(no, [])
            if c["is_deleted"]
            and c["comment_no"] in before
            and not before[c["comment_no"]]["is_deleted"]
        ]
        if fresh or gone:
            threads[no] = (sorted(fresh), sorted(gone))
    assert {t["post_no"]: (t["new"], t["deleted"]) for t in record["comments"]} == threads
    for t in record["comments"]:
        replies = [
            c["comment_no"]
            for c in new.comments[t["post_no"]]
            if c["comment_no"] in t["new"] and c["parent_no"] in before
        ]
        assert t["replies_to_old"] == sorted(replies)
        assert t["last_page"] == -(-len(new.comments[t["post_no"]]) // 100)
    moved = {}
    for no in sorted(old.live() & new.live()):
        fields = {
            k: [old.posts[no][k], new.posts[no][k]]
            for k in ("views", "recommend", "recommend_fixed", "downvotes", "comment_count")
            if old.posts[no][k] != new.posts[no][k]
        }
        if fields:
            moved[no] = fields
    assert {c.pop("post_no"): c for c in record["counts"]} == moved
    edited = {
        no: [k for k in ("title", "body_text") if old.posts[no][k] != new.posts[no][k]]
        for no in sorted(old.live() & new.live())
    }
    assert {e["post_no"]: e["fields"] for e in record["edited"]} == {
        no: fields for no, fields in edited.items() if fields
    }


def test_changes_must_go_forward() -> None:
    with pytest.raises(SystemExit):
        cli("truth", "--gallery", SERVED, "--epoch", "1", "--changes", "2")


# ------------------------------------------------------------------ cost


def test_each_step_is_computed_once_per_gallery() -> None:
    """A 5,000-post gallery: each step is computed once per gallery (a server stepping
    through epochs shares them), not regenerated per epoch or per request. (How much a
    later epoch costs to serve is a figure for bench/, never a timed assertion here.)"""
    spec = "cost:minor:5000"
    timelines: dict[Any, Any] = {}
    states = {e: build_states(options(spec, e), timelines=timelines)["cost"] for e in range(6)}
    timeline = timelines[("cost", "minor")]
    steps = list(timeline.steps)
    states[5].source.touched(0, 5)
    build_states(options(spec, 5), timelines=timelines)
    assert [s.epoch for s in steps] == list(STEPS)
    assert all(a is b for a, b in zip(timeline.steps, steps, strict=True))
