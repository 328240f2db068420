"""Activity over epochs: what a few busy hours change in a generated gallery.

Epoch 0 is the gallery as generated (``generator.py``). Epoch E is the gallery ``E × STEP``
later: each step E-1 → E adds new posts, new comments (on the newest posts, replies to
comments of earlier epochs among them), votes and views, and deletes a few posts and
comments. A crawler's incremental refresh is tested against this, so the steps are
*events*, computed once per gallery in order and kept (``Timeline``), and every epoch's
state is epoch 0 plus the events of steps 1..E: epoch 3 is epoch 2 plus one step, whatever
epoch a process started at, and one running server can move on to later epochs without
recomputing what it already knows.

A step is a pure function of (seed, gallery, E) and of the state at E-1 (which posts are
listed, which comments a thread holds): the same for ``serve`` and ``truth``. The model and
its rates are in README.md ("Activity over epochs"); the constants below are those rates.

The per-post drift of the older model (views, recommends, 개념글, edits and downvotes of
posts anywhere in the gallery, ``GeneratedGallery._post``) still applies on top; what this
module adds is the life of the newest posts.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import commentgen, textgen
from .gallery import CommentNumbering
from .hashing import rng
from .lru import LRU
from .model import Comment, MemoKind

if TYPE_CHECKING:
    from .generator import GeneratedGallery

# One step is this much time of the gallery's life: epoch E's clock is ``--now`` + E × STEP.
STEP = timedelta(hours=3)
STEP_SECONDS = int(STEP.total_seconds())
# The posts a step's comments and votes go to: the newest listed posts at the step's start
# (list page 1 at the default 50 rows), as a busy gallery's readers stay on its first page.
ACTIVE_POSTS = 50
# New posts per step: NEW_POSTS_MIN + 0..NEW_POSTS_EXTRA, plus one per this many listed posts.
NEW_POSTS_MIN, NEW_POSTS_EXTRA, NEW_POSTS_PER = 3, 3, 1_000
NEW_POST_COMMENTED = 0.6  # share of new posts commented within their step (at least one is)
NEW_POST_COMMENTS = 12  # a commented new post gets 1..12 comments (commentgen threads)
# Deleted posts per step: 1..2 plus one per this many listed posts; from the active posts with
# this probability, else from the whole list. None in galleries of fewer listed posts.
DELETIONS_PER, DELETE_ACTIVE, MIN_LISTED_FOR_DELETIONS = 2_000, 0.7, 20
# An active post: views +1..(40 + 200/(rank+1)) always; recommends +1..3 with RECOMMEND_RATE,
# of which 고정닉 +1..gain with FIXED_RATE; downvotes +1..2 with DOWNVOTE_RATE (where the
# gallery has them); 1..6 new comments with COMMENT_RATE (the big post: 2..8, every step).
RECOMMEND_RATE, FIXED_RATE, DOWNVOTE_RATE, COMMENT_RATE = 0.35, 0.5, 0.15, 0.5
# A new comment on an active post: a reply to a comment of an earlier epoch with REPLY_OLD
# (the parent among the thread's last 10 heads or, half the time, any live head), a reply to
# a head written earlier in the step with REPLY_NEW, else a new thread (a head).
REPLY_OLD, REPLY_NEW = 0.3, 0.1
DCCON_SHARE = 0.08
# Comments deleted per step (1..2), among the earlier epochs' comments of the active posts.
COMMENT_DELETIONS = 2


def clock(origin: datetime, epoch: int) -> datetime:
    """The gallery's clock at ``epoch``: ``--now`` is epoch 0's."""
    return origin + epoch * STEP


@dataclass(frozen=True, slots=True)
class Counts:
    """Count increments of one post in one step (never negative: counts only grow)."""

    views: int = 0
    recommend: int = 0
    fixed: int = 0
    downvotes: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.views + other.views,
            self.recommend + other.recommend,
            self.fixed + other.fixed,
            self.downvotes + other.downvotes,
        )


@dataclass(frozen=True)
class Step:
    """The events of step ``epoch`` (from epoch-1 to epoch), in the gallery's time window
    (``start``, ``end``]. Comments are numbered ``first_comment_no`` .. ``end_comment_no``-1
    in time order across the gallery."""

    epoch: int
    start: datetime
    end: datetime
    new_posts: tuple[int, ...]
    deleted_posts: tuple[int, ...]
    comments: Mapping[int, tuple[Comment, ...]]  # post → its new comments, by number
    deleted_comments: Mapping[int, tuple[int, ...]]  # post → comment numbers deleted
    counts: Mapping[int, Counts]  # post → count increments of the active posts
    first_comment_no: int
    end_comment_no: int


@dataclass
class _Pending:
    """A comment of the step before it has its gallery-wide number."""

    post: int
    seq: int  # order of drawing within the post (parents before their replies)
    created: datetime
    comment: Comment  # with placeholder numbers
    old_parent: int | None = None  # a comment of an earlier epoch
    new_parent: _Pending | None = None  # a head written earlier in this step
    number: int = field(default=0)


def assemble(
    base: list[Comment], added: Sequence[Comment], deleted: Collection[int]
) -> list[Comment]:
    """A thread in the site's order (heads oldest first, each followed by its replies by
    number) from its epoch-0 rows, the later epochs' rows and the numbers deleted since.

    The epoch-0 rows are already in that order (``commentgen``); untouched threads are
    returned as they are. ``rcnt`` (the thread's reply count, on the head and each reply)
    follows the replies that arrived.
    """
    if not added and not deleted:
        return base
    rows = [
        replace(c, deleted=True) if c.no in deleted and not c.deleted else c
        for c in (*base, *added)
    ]
    if added:
        rows.sort(key=lambda c: (c.parent_no or c.no, c.parent_no is not None, c.no))
        replies = Counter(c.parent_no for c in rows if c.parent_no is not None)
        rows = [_with_rcnt(c, replies[c.parent_no or c.no]) for c in rows]
    return rows


def _with_rcnt(comment: Comment, rcnt: int) -> Comment:
    return comment if comment.rcnt == rcnt else replace(comment, rcnt=rcnt)


class Timeline:
    """The steps of one generated gallery, computed in order on demand and kept.

    ``base`` is the gallery at epoch 0. The indexes below hold every step computed so far,
    tagged with its epoch; an epoch's state takes the entries of epochs up to its own, so
    computing later steps (for another epoch, or ``changes``) never alters an earlier one.
    """

    def __init__(self, base: GeneratedGallery) -> None:
        self.base = base
        self.origin = base.origin
        self.steps: list[Step] = []
        self.born: dict[int, int] = {}  # new post → the epoch it appeared in
        self.created: dict[int, datetime] = {}  # new post → its time
        self.new_numbers: list[int] = []  # ascending
        self.deleted_at: dict[int, int] = {}  # post → the epoch it was deleted in
        self.added: dict[int, list[tuple[int, Comment]]] = {}  # post → (epoch, comment)
        self.comment_deleted_at: dict[int, int] = {}  # comment number → epoch
        self.deleted_by_post: dict[int, list[tuple[int, int]]] = {}  # post → (epoch, number)
        self.bumps: dict[int, list[tuple[int, Counts]]] = {}  # post → (epoch, increments)
        self._numbering: CommentNumbering | None = None
        self._threads: LRU[int, list[Comment]] = LRU(2_000)
        self._listed0: int | None = None

    # -- queries by epoch ------------------------------------------------------------------
    def ensure(self, epoch: int) -> None:
        """Compute the steps up to ``epoch`` (each once per gallery)."""
        while len(self.steps) < epoch:
            self.steps.append(self._step(len(self.steps) + 1))

    def born_at(self, no: int) -> int | None:
        """The epoch a post of the activity model appeared in (None: an epoch-0 number)."""
        return self.born.get(no)

    def new_posts(self, epoch: int) -> list[int]:
        """The posts that appeared in epochs 1..epoch, ascending."""
        return [n for n in self.new_numbers if self.born[n] <= epoch]

    def deleted(self, no: int, epoch: int) -> bool:
        gone = self.deleted_at.get(no)
        return gone is not None and gone <= epoch

    def counts(self, no: int, epoch: int) -> Counts:
        """The sum of the post's count increments over epochs 1..epoch."""
        total = Counts()
        for e, bump in self.bumps.get(no, ()):
            if e <= epoch:
                total = total + bump
        return total

    def added_plan(self, no: int, epoch: int) -> tuple[int, ...]:
        """Comments the post got in each of epochs 1..epoch."""
        per = Counter(e for e, _ in self.added.get(no, ()) if e <= epoch)
        return tuple(per[e] for e in range(1, epoch + 1))

    def thread(self, no: int, epoch: int, base: list[Comment]) -> list[Comment]:
        """The post's comments at ``epoch`` from its epoch-0 rows ``base``."""
        added = [c for e, c in self.added.get(no, ()) if e <= epoch]
        deleted = {n for e, n in self.deleted_by_post.get(no, ()) if e <= epoch}
        return assemble(base, added, deleted)

    def touched(self, after: int, upto: int) -> set[int]:
        """Posts whose thread changed in epochs after..upto (new or deleted comments)."""
        return {
            no for step in self.steps[after:upto] for no in (*step.comments, *step.deleted_comments)
        }

    # -- the state a step starts from --------------------------------------------------------
    @property
    def numbering(self) -> CommentNumbering:
        if self._numbering is None:
            self._numbering = CommentNumbering(self.base)
        return self._numbering

    def _base_thread(self, no: int) -> list[Comment]:
        if self.born_at(no) is not None:
            return []
        return self._threads.get_or(
            no, lambda: self.base.comments(no, self.numbering.starts_for(no))
        )

    def _thread_at(self, no: int, epoch: int) -> list[Comment]:
        return self.thread(no, epoch, self._base_thread(no))

    def _listed(self, no: int, epoch: int) -> bool:
        """Listed at ``epoch``: live and not a notice."""
        born = self.born_at(no)
        if born is None:
            if self.base.base_status(no) != "live" or self.base.is_notice(no):
                return False
        elif born > epoch:
            return False
        return not self.deleted(no, epoch)

    def _listed_count(self, epoch: int) -> int:
        if self._listed0 is None:
            base = self.base
            self._listed0 = sum(
                1 for n in base.numbers() if base.base_status(n) == "live" and not base.is_notice(n)
            )
        changes = sum(len(s.new_posts) - len(s.deleted_posts) for s in self.steps[:epoch])
        return self._listed0 + changes

    def _newest(self, epoch: int, limit: int) -> list[int]:
        """The ``limit`` newest listed posts at ``epoch``, newest first."""
        out: list[int] = []
        fresh = self.new_posts(epoch)
        for no in self._descending(fresh):
            if len(out) >= limit:
                break
            if self._listed(no, epoch):
                out.append(no)
        return out

    def _descending(self, fresh: list[int]) -> Iterator[int]:
        yield from reversed(fresh)
        yield from reversed(self.base.numbers())

    # -- one step ----------------------------------------------------------------------------
    def _step(self, e: int) -> Step:
        base = self.base
        prev = e - 1
        start, end = clock(self.origin, prev), clock(self.origin, e)
        r = rng(base.seed, base.salt, "epoch-step", e)
        listed = self._listed_count(prev)
        newest = self._newest(prev, ACTIVE_POSTS)

        deleted = self._pick_deletions(r, prev, listed, newest)
        for no in deleted:
            self.deleted_at[no] = e
        gone = set(deleted)
        active = [n for n in newest if n not in gone]

        pending: list[_Pending] = []
        new_posts = self._new_posts(r, e, start, listed, pending)
        counts = self._votes(r, active)
        deleted_comments = self._delete_comments(r, e, prev, active)
        self._comment_active(
            r, e, prev=prev, start=start, active=active, pending=pending, now=deleted_comments
        )

        first = self.steps[-1].end_comment_no if self.steps else self.numbering.end
        number = first
        pending.sort(key=lambda p: (p.created, p.post, p.seq))
        by_post: dict[int, list[Comment]] = {}
        for p in pending:
            p.number = number
            number += 1
            parent = p.new_parent.number if p.new_parent is not None else p.old_parent
            comment = replace(p.comment, no=p.number, parent_no=parent, created=p.created)
            by_post.setdefault(p.post, []).append(comment)
            self.added.setdefault(p.post, []).append((e, comment))
        for post, numbers in deleted_comments.items():
            for n in numbers:
                self.comment_deleted_at[n] = e
                self.deleted_by_post.setdefault(post, []).append((e, n))
        for post, bump in counts.items():
            self.bumps.setdefault(post, []).append((e, bump))
        return Step(
            epoch=e,
            start=start,
            end=end,
            new_posts=tuple(new_posts),
            deleted_posts=tuple(sorted(deleted)),
            comments={k: tuple(v) for k, v in sorted(by_post.items())},
            deleted_comments={k: tuple(sorted(v)) for k, v in sorted(deleted_comments.items())},
            counts=dict(sorted(counts.items())),
            first_comment_no=first,
            end_comment_no=number,
        )

    def _pick_deletions(
        self, r: random.Random, prev: int, listed: int, newest: list[int]
    ) -> list[int]:
        """A few listed posts: mostly among the newest (what moderators remove), the others
        anywhere in the list; never a notice or the gallery's big post."""
        if listed < MIN_LISTED_FOR_DELETIONS:
            return []
        big = self.base.big_post
        want = 1 + r.randrange(2) + listed // DELETIONS_PER
        recent = [n for n in newest if n != big]
        numbers = self.base.numbers()
        chosen: list[int] = []
        for _ in range(want):
            if r.random() < DELETE_ACTIVE:
                options = [n for n in recent if n not in chosen]
                if options:
                    chosen.append(options[r.randrange(len(options))])
                    continue
            for _ in range(64):
                no = numbers[r.randrange(len(numbers))]
                if no != big and no not in chosen and self._listed(no, prev):
                    chosen.append(no)
                    break
        return chosen

    def _new_posts(
        self, r: random.Random, e: int, start: datetime, listed: int, pending: list[_Pending]
    ) -> list[int]:
        """New posts above every number so far, spread over the step, some commented."""
        base = self.base
        head = max(base.size, self.new_numbers[-1] if self.new_numbers else 0)
        count = NEW_POSTS_MIN + r.randrange(NEW_POSTS_EXTRA + 1) + listed // NEW_POSTS_PER
        commented = [r.random() < NEW_POST_COMMENTED for _ in range(count)]
        if not any(commented):
            commented[0] = True  # the step's first post has had the most time for comments
        numbers = []
        for k in range(count):
            no = head + 1 + k
            at = start + timedelta(seconds=1 + int((k + r.random()) * (STEP_SECONDS - 2) / count))
            self.born[no] = e
            self.created[no] = at
            self.new_numbers.append(no)
            numbers.append(no)
            if commented[k]:
                size = 1 + r.randrange(NEW_POST_COMMENTS)
                thread = commentgen.generate(
                    rng(base.seed, base.salt, "epoch-post-comments", e, no),
                    count=size,
                    voice=0,
                    first_no=0,
                    start=at,
                    now=clock(self.origin, e),
                    writer=base.pool.draw,
                    key_parts=(base.seed, base.salt, "epoch", e, no),
                    allow_deleted=False,
                )
                # commentgen numbers by creation index: index i has no == i.
                drawn: dict[int, _Pending] = {}
                for c in sorted(thread, key=lambda c: c.no):
                    parent = drawn[c.parent_no] if c.parent_no is not None else None
                    drawn[c.no] = _Pending(no, c.no, c.created, c, new_parent=parent)
                pending.extend(drawn.values())
        return numbers

    def _votes(self, r: random.Random, active: list[int]) -> dict[int, Counts]:
        """Views for every active post, recommends, 고정닉 recommends and downvotes for some;
        each kind at least once a step (where the gallery has downvotes)."""
        downvotes = self.base.config.downvotes
        out: dict[int, Counts] = {}
        for rank, no in enumerate(active):
            views = 1 + r.randrange(40 + 200 // (rank + 1))
            recommend = fixed = down = 0
            if r.random() < RECOMMEND_RATE:
                recommend = 1 + r.randrange(3)
                if r.random() < FIXED_RATE:
                    fixed = 1 + r.randrange(recommend)
            if downvotes and r.random() < DOWNVOTE_RATE:
                down = 1 + r.randrange(2)
            out[no] = Counts(views, recommend, fixed, down)
        if active:
            top = active[0]
            if not any(c.recommend for c in out.values()):
                out[top] = replace(out[top], recommend=1)
            if not any(c.fixed for c in out.values()):
                no = max(out, key=lambda n: (out[n].recommend, -active.index(n)))
                out[no] = replace(out[no], fixed=1)
            if downvotes and not any(c.downvotes for c in out.values()):
                out[top] = replace(out[top], downvotes=1)
        return out

    def _delete_comments(
        self, r: random.Random, e: int, prev: int, active: list[int]
    ) -> dict[int, list[int]]:
        """1..2 comments of earlier epochs on the active posts, deleted (the row stays,
        marked deleted, as the site shows it)."""
        live: dict[int, list[int]] = {}
        for no in active:
            rows = [c.no for c in self._thread_at(no, prev) if not c.deleted and c.kind != "voice"]
            if rows:
                live[no] = rows
        out: dict[int, list[int]] = {}
        posts = list(live)
        for _ in range(1 + r.randrange(COMMENT_DELETIONS)):
            if not posts:
                break
            no = posts[r.randrange(len(posts))]
            options = [n for n in live[no] if n not in out.get(no, ())]
            if options:
                out.setdefault(no, []).append(options[r.randrange(len(options))])
        return out

    def _comment_active(
        self,
        r: random.Random,
        e: int,
        *,
        prev: int,
        start: datetime,
        active: list[int],
        pending: list[_Pending],
        now: Mapping[int, Collection[int]],
    ) -> None:
        """New comments on the active posts: new threads, replies to this step's heads and
        replies to comments of earlier epochs; each of the first and the last at least once.
        ``now``: the comments deleted in this step, which get no replies."""
        base = self.base
        big = base.big_post
        drawn_old = drawn_head = False
        heads_by_post: dict[int, list[int]] = {}
        mine: dict[int, list[_Pending]] = {}
        for no in active:
            heads = [
                c.no
                for c in self._thread_at(no, prev)
                if c.parent_no is None and not c.deleted and c.no not in now.get(no, ())
            ]
            heads_by_post[no] = heads
            if no == big:
                count = 2 + r.randrange(7)
            else:
                count = 1 + r.randrange(6) if r.random() < COMMENT_RATE else 0
            if not count:
                continue
            content = rng(base.seed, base.salt, "epoch-comments", e, no)
            times = sorted(self._time(r, start) for _ in range(count))
            out: list[_Pending] = []
            for seq, at in enumerate(times):
                u = r.random()
                p = _Pending(no, seq, at, self._content(content, e, no, seq))
                new_heads = [q for q in out if q.old_parent is None and q.new_parent is None]
                if heads and u < REPLY_OLD:
                    p.old_parent = self._parent(r, heads)
                    drawn_old = True
                elif new_heads and u < REPLY_OLD + REPLY_NEW:
                    p.new_parent = new_heads[r.randrange(len(new_heads))]
                else:
                    drawn_head = True
                out.append(p)
            mine[no] = out
        if not drawn_old:
            for no in active:
                if heads_by_post[no]:
                    parent = self._parent(r, heads_by_post[no])
                    self._add(r, e, start, no=no, mine=mine, parent=parent)
                    break
        if not drawn_head and active:
            self._add(r, e, start, no=active[0], mine=mine, parent=None)
        for rows in mine.values():
            pending.extend(rows)

    def _add(
        self,
        r: random.Random,
        e: int,
        start: datetime,
        *,
        no: int,
        mine: dict[int, list[_Pending]],
        parent: int | None,
    ) -> None:
        """One more comment on ``no`` (a reply to ``parent`` of an earlier epoch, or a head):
        what makes every kind of comment happen in every step."""
        rows = mine.setdefault(no, [])
        seq = len(rows)
        content = rng(self.base.seed, self.base.salt, "epoch-comments-extra", e, no)
        p = _Pending(no, seq, self._time(r, start), self._content(content, e, no, seq))
        p.old_parent = parent
        rows.append(p)

    @staticmethod
    def _time(r: random.Random, start: datetime) -> datetime:
        return start + timedelta(seconds=1 + r.randrange(STEP_SECONDS - 1))

    @staticmethod
    def _parent(r: random.Random, heads: list[int]) -> int:
        """Mostly one of the thread's last heads, else any of its heads."""
        pool = heads[-10:] if r.random() < 0.5 else heads
        return pool[r.randrange(len(pool))]

    def _content(self, r: random.Random, e: int, no: int, seq: int) -> Comment:
        """A comment's writer and memo (numbers and time are set when it is numbered)."""
        writer = self.base.pool.draw(r)
        kind: MemoKind = "dccon" if r.random() < DCCON_SHARE else "text"
        if kind == "dccon":
            url, title = textgen.dccon(r, (self.base.seed, self.base.salt, "epoch", e, no, seq))
            return Comment(0, None, writer, self.origin, kind, dccon_url=url, dccon_title=title)
        lines, via_app = textgen.memo_lines(r)
        return Comment(0, None, writer, self.origin, kind, lines=lines, via_app=via_app)


def steps_between(timeline: Timeline, after: int, upto: int) -> list[Step]:
    """The steps after..upto (epochs after+1..upto), computed if need be."""
    timeline.ensure(upto)
    return timeline.steps[after:upto]


def first_changed_index(old: Sequence[Comment], new: Sequence[Comment]) -> int | None:
    """The first row of ``new`` that differs from ``old`` in what the comment JSON shows of
    the thread's shape (number, parent, reply count, deletion); None if none does."""
    for i, (a, b) in enumerate(zip(old, new, strict=False)):
        if (a.no, a.parent_no, a.rcnt, a.deleted) != (b.no, b.parent_no, b.rcnt, b.deleted):
            return i
    return None if len(old) == len(new) else min(len(old), len(new))
