"""Generated galleries: every fact about post N is a pure function of (seed, gallery, N).

The draws are named by the gallery's id (and kind, for an id served under two kinds:
``ReplicaOptions.data_salt``), so such an id names two galleries with their own data.
Nothing is stored up front, so a gallery of a million post numbers costs nothing until a
page asks for it; cheap flags (status, head, 개념글, videos) come from one digest per
number so the serving state can scan a whole gallery quickly.

Every writer class appears in every gallery of some size: anonymous and member writers
from the pool, and the staff (manager, sub-managers) on a few posts and comments drawn
apart (``_staff``, ``_staff_comment``), so that adding them changed no other draw.

Later epochs: each post's own drift (``_epoch_d``: views, recommends, 개념글, edits,
downvotes anywhere in the gallery) plus the gallery's activity (``activity.Timeline``:
new posts, comments, votes and deletions among the newest posts), shared by every epoch of
the gallery so that epoch E+1 is epoch E plus one step.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from . import commentgen, textgen, words
from .activity import Timeline, clock
from .clock import list_text, survey_text
from .hashing import digest, h64, hexkey, rng, unit
from .lru import LRU
from .model import Block, Body, Comment, GalleryConfig, Head, Para, Post, PostStatus, Video, Writer
from .options import GallerySpec
from .source import GallerySource
from .writers import OPERATOR, WriterPool

MISSING_RATE = 0.03
DELETED_RATE = 0.02
HEAD_CHANCE = {"major": 0.25, "minor": 0.85, "mini": 0.5, "person": 0.3}
_EXP = 1.3
# Each block of this many post numbers has one post by the manager and one by a
# sub-manager: a few of each in a gallery of 100+ posts, whatever its size.
STAFF_BLOCK = 40
# Share of comments by the manager, and as many again by a sub-manager.
STAFF_COMMENT_SHARE = 0.006
# Posts with videos, out of 256 (one digest byte): ~4% of posts, a quarter of the 개념글
# (so that every gallery shows icon_recomovie rows too); a quarter of them have two.
VIDEO_CHANCE = 10
VIDEO_CHANCE_RECOMMENDED = 64
YOUTUBE_SHARE = 0.4  # of videos: embedded from YouTube, the others uploaded (movie player)
# Real movie numbers (movie_view?no=) are plain 7-digit numbers around these.
MOVIE_NO_BASE, MOVIE_NO_SPAN = 6_000_000, 2_000_000


def derive_config(spec: GallerySpec, seed: int, salt: str | None = None) -> GalleryConfig:
    """The gallery's traits from (seed, salt): heads, 비추 box, notices, extra rows. The salt
    is the id (``ReplicaOptions.data_salt``: with the kind for twin ids)."""
    salt = spec.id if salt is None else salt
    r = rng(seed, salt, "config")
    uses_heads = spec.heads if spec.heads is not None else r.random() < HEAD_CHANCE[spec.kind]
    heads: tuple[Head, ...] = ()
    if uses_heads:
        labels = [
            "일반",
            *r.sample([h for h in words.HEAD_POOL if h not in ("일반", "공지")], r.randint(2, 6)),
        ]
        ids = sorted(r.sample(range(1, 31), len(labels)))
        built = [Head(10 * i, label) for i, label in zip(ids, labels, strict=True)]
        if r.random() < 0.5:
            label = r.choice(words.LONG_HEADS)
            built[-1] = Head(built[-1].id, label, short=label[:3])
        heads = tuple(built)
    if spec.downvotes is not None:
        downvotes = spec.downvotes
    else:
        downvotes = spec.kind != "mini" and r.random() >= 0.2
    notices = min(r.choice((2, 3)), spec.posts // 5)
    return GalleryConfig(
        id=spec.id,
        kind=spec.kind,
        name=r.choice(words.GALLERY_NAMES),
        posts=spec.posts,
        heads=heads,
        downvotes=downvotes,
        notice_count=notices,
        survey=r.random() < 0.6,
        ad_rows=True,
        news_row=r.random() < 0.6,
        image_id=hexkey(20, seed, salt, "image-id"),
    )


class GeneratedGallery(GallerySource):
    """A gallery of ``spec.posts`` post numbers generated from the seed."""

    def __init__(
        self,
        spec: GallerySpec,
        seed: int,
        now: datetime,
        epoch: int,
        *,
        big_thread: int | None = None,
        salt: str | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        """``salt`` names the draws (``ReplicaOptions.data_salt``; default the id).
        ``timeline``: the gallery's activity, shared with its other epochs (one is made
        when not given); ``now`` is epoch 0's clock, ``self.now`` this epoch's."""
        self.seed = seed
        self.origin = now  # epoch 0's clock: every generated time derives from it
        self.now = clock(now, epoch)  # this epoch's clock: what the pages show time against
        self.epoch = epoch
        self.salt = spec.id if salt is None else salt  # what every draw is keyed by
        self.config = derive_config(spec, seed, self.salt)
        self.pool = WriterPool(seed, self.salt)
        self.size = spec.posts
        span = rng(seed, self.salt, "span").randint(3, 8) * 365 * 86400
        top = (self.size - 2) ** _EXP - 1 if self.size > 3 else 0
        self._c = (span - 260) / top if top > 0 else 0.0
        self._numbers: Sequence[int] | None = None
        self._digests: LRU[int, bytes] = LRU(100_000)
        if timeline is not None:
            self._digests = timeline.base._digests  # the same numbers, the same digests
        self._big = self._choose_big_post()
        self._issues: frozenset[int] | None = None
        # ``--big-thread N``: the big post's comment count, for tests of long comment pagers.
        self._big_thread = big_thread
        if timeline is None:
            base = self
            if epoch:
                base = GeneratedGallery(spec, seed, now, 0, big_thread=big_thread, salt=salt)
                self._digests = base._digests
            timeline = Timeline(base)
        self.timeline = timeline
        timeline.ensure(epoch)

    # -- cheap per-number facts -------------------------------------------------------
    def _d(self, no: int) -> bytes:
        return self._digests.get_or(no, lambda: digest(self.seed, self.salt, "post", no))

    def _epoch_d(self, no: int, i: int) -> bytes:
        return digest(self.seed, self.salt, "epoch", i, no, size=16)

    def _is_notice(self, no: int) -> bool:
        return no <= self.config.notice_count

    def is_notice(self, no: int) -> bool:
        """Whether ``no`` is one of the gallery's notices (numbers 1..notice_count)."""
        return self._is_notice(no)

    @property
    def big_post(self) -> int | None:
        """The live post with 101..300 comments (or ``--big-thread``): never deleted."""
        return self._big

    def _born(self, no: int) -> int | None:
        """The epoch a post of the activity model appeared in, if it has by this epoch."""
        born = self.timeline.born_at(no)
        return born if born is not None and born <= self.epoch else None

    def status(self, no: int) -> PostStatus:
        """The status at this epoch: epoch 0's, with the activity's new and deleted posts."""
        if self.epoch == 0:
            return self.base_status(no)
        born = self.timeline.born_at(no)
        if born is not None:
            if born > self.epoch:
                return "missing"
        elif self.base_status(no) != "live":
            return self.base_status(no)
        return "deleted" if self.timeline.deleted(no, self.epoch) else "live"

    def original_status(self, no: int) -> PostStatus:
        return self.base_status(no)

    def touched(self, after: int, upto: int) -> set[int]:
        self.timeline.ensure(upto)
        return self.timeline.touched(after, upto)

    def base_status(self, no: int) -> PostStatus:
        """The status at epoch 0 (a pure draw per number)."""
        if not 1 <= no <= self.size:
            return "missing"
        if self._is_notice(no):
            return "live"
        u = int.from_bytes(self._d(no)[0:2], "big") / 65536
        if u < MISSING_RATE:
            return "missing"
        if u < MISSING_RATE + DELETED_RATE:
            return "deleted"
        return "live"

    def _choose_big_post(self) -> int | None:
        """One live post per gallery gets more than 100 comments (comment paging)."""
        for no in range(max(1, self.size - 10), self.config.notice_count, -1):
            if self.base_status(no) == "live":
                return no
        return None

    def numbers(self) -> Sequence[int]:
        if self._numbers is None:
            numbers = [n for n in range(1, self.size + 1) if self.base_status(n) != "missing"]
            if self.epoch:
                numbers += self.timeline.new_posts(self.epoch)
            self._numbers = numbers
        return self._numbers

    def flags(self, no: int) -> tuple[bool, int | None]:
        """(개념글, head id) without generating the post."""
        d = self._d(no)
        if no > self.size:  # arrivals and the activity's new posts: never 개념글 (yet)
            return False, self._head_id(no, d)
        recommended = d[2] < 15 and not self._is_notice(no)
        for i in range(1, self.epoch + 1):
            if self._epoch_d(no, i)[10] < 3 and not self._is_notice(no):
                recommended = True
        return recommended, self._head_id(no, d)

    def _head_id(self, no: int, d: bytes) -> int | None:
        heads = self.config.heads
        if not heads or self._is_notice(no):
            return None
        if d[3] < 128:
            return heads[0].id
        return heads[d[3] % len(heads)].id

    def comment_plan(self, no: int) -> tuple[int, ...]:
        """(epoch-0 comments, comments added in epoch 1, ..., in this epoch)."""
        added = self.timeline.added_plan(no, self.epoch) if self.epoch else ()
        return (self._base_count(no), *added)

    def _base_count(self, no: int) -> int:
        """The post's comments at epoch 0."""
        if no > self.size:
            return 0
        d = self._d(no)
        u = int.from_bytes(d[4:6], "big") / 65536
        if self._is_notice(no):
            base = d[6] % 30  # 0..29: notices are read and commented like any post
        elif no == self._big:
            base = self._big_thread if self._big_thread is not None else 101 + (d[6] * 7) % 200
        elif u < 0.35:
            base = 0
        elif u < 0.85:
            base = 1 + d[6] % 20
        elif u < 0.985:
            base = 21 + d[6] % 80
        else:
            base = 101 + (d[6] * 3) % 250
        return base

    def _voice(self, no: int, base: int) -> int:
        d = self._d(no)
        return min(base, 1 + d[7] % 3) if d[7] < 8 and base > 0 else 0

    def created(self, no: int) -> datetime:
        k = max(0, self.size - no)
        if k <= 2:
            age = 40 + 110 * k
        else:
            age = 260 + self._c * ((k - 1) ** _EXP - 1)
            gap = self._c * (k**_EXP - (k - 1) ** _EXP)
            age += self._d(no)[17] / 256 * 0.5 * gap
        return self.origin - timedelta(seconds=math.floor(age))

    def survey_row(self) -> tuple[str, datetime, str] | None:
        if not self.config.survey:
            return None
        r = rng(self.seed, self.salt, "survey")
        at = self.origin - timedelta(days=r.randint(1, 6), seconds=r.randint(0, 86399))
        return r.choice(words.SURVEY_TITLES), at, survey_text(at)

    def news_row(self) -> tuple[str, datetime, str] | None:
        if not self.config.news_row:
            return None
        r = rng(self.seed, self.salt, "news")
        at = self.origin - timedelta(seconds=r.randint(600, 20 * 3600))
        return r.choice(words.NEWS_TITLES), at, list_text(at, self.now)

    # -- full content --------------------------------------------------------------------
    def post(self, no: int) -> Post:
        """The post at this epoch: as generated (or as it appeared in a later epoch), with
        the counts the activity added since and its comments."""
        born = self._born(no)
        if born is None:
            post = self._post(no, self.created(no), arrived=False)
        else:
            post = self._post(no, self.timeline.created[no], arrived=True)
        if not self.epoch:
            return post
        bump = self.timeline.counts(no, self.epoch)
        added = sum(self.timeline.added_plan(no, self.epoch))
        if not (added or bump.views or bump.recommend or bump.fixed or bump.downvotes):
            return post
        return replace(
            post,
            views=post.views + bump.views,
            recommend=post.recommend + bump.recommend,
            fixed_recommend=post.fixed_recommend + bump.fixed,
            downvotes=None if post.downvotes is None else post.downvotes + bump.downvotes,
            comment_count=post.comment_count + added,
        )

    def new_post(self, no: int, created: datetime) -> Post:
        """A post arriving while serving (the ``new_posts`` fault): no epoch activity."""
        return self._post(no, created, arrived=True)

    def _post(self, no: int, created: datetime, arrived: bool) -> Post:
        d = self._d(no)
        r = rng(self.seed, self.salt, "post-content", no)
        notice = not arrived and self._is_notice(no)
        recommended, head_id = self.flags(no)
        recommended = recommended and not arrived
        count = 0 if arrived else self._base_count(no)  # later epochs' comments: post()
        voice = 0 if arrived else self._voice(no, count)
        if notice:
            writer = OPERATOR if self.config.kind in ("major", "person") else self.pool.manager
            title = r.choice(("이용 안내", "공지사항", "규칙 안내", "신고 방법 안내"))
            title = f"{self.config.name} 갤러리 {title}"
        else:
            # Drawn even when the staff writes the post, so that r goes on as it always did.
            writer = self.pool.draw(r)
            title = textgen.title(r)
            writer = (None if arrived else self._staff(no)) or writer
        views = int(math.exp(r.gauss(4.0, 1.1))) + 3 * count + 1
        recommend = r.choice((0, 0, 0, 0, 1, 1, 2, 3, 5))
        # A 개념글 from the start has its counts drawn so; one that became 개념글 in a later
        # epoch keeps the draws it had (its counts only grow: +10 recommends, below).
        if recommended and d[2] < 15:
            recommend += 10 + r.randint(0, 150)
            views += 500 + r.randint(0, 20000)
        if notice:
            views += 20000 + r.randint(0, 300000)
        fixed_recommend = r.randint(0, recommend)
        downvotes = r.choice((0, 0, 0, 1, 2)) if self.config.downvotes else None
        for i in range(1, self.epoch + 1):
            if arrived or notice:
                break
            e = self._epoch_d(no, i)
            if e[0] < 77:
                views += 1 + e[1] * 2
            if e[2] < 20:
                recommend += 1 + e[3] % 5
            if e[10] < 3:
                recommend += 10
            if e[6] < 5:
                title = f"{title} (수정{'' if i == 1 else i})"
            if downvotes is not None and e[8] < 13:
                downvotes += 1 + e[9] % 2
        return Post(
            gallery_id=self.config.id,
            no=no,
            title=title,
            head_id=head_id,
            writer=writer,
            created=created,
            views=views,
            recommend=recommend,
            fixed_recommend=fixed_recommend,
            downvotes=downvotes,
            comment_count=count,
            voice_count=voice,
            recommended=recommended,
            notice=notice,
            has_image=d[16] < 77,
            has_video=not arrived and bool(self.videos(no)),
            # An issue row shows no 개념글 icon: a recommended post is never shown as one
            # (the list would hide what the truth says).
            issue=not arrived and no in self.issues() and not recommended,
        )

    # -- writer classes, videos, issue rows -------------------------------------------------
    def _staff(self, no: int) -> Writer | None:
        """The manager's or a sub-manager's post, at one place per ``STAFF_BLOCK`` numbers
        each (drawn per block), else None (the pool's writer stays)."""
        block, offset = divmod(no - 1, STAFF_BLOCK)
        u = h64(self.seed, self.salt, "staff-posts", block)
        manager_at = u % STAFF_BLOCK
        sub_at = (manager_at + 1 + (u >> 16) % (STAFF_BLOCK - 1)) % STAFF_BLOCK
        if offset == manager_at:
            return self.pool.manager
        if offset == sub_at:
            return self.pool.sub_managers[(u >> 32) % len(self.pool.sub_managers)]
        return None

    def _staff_comment(self, no: int, index: int, comment: Comment) -> Comment:
        """The comment as the staff wrote it, for ``STAFF_COMMENT_SHARE`` of comments each
        (drawn per post and place in the thread list), else unchanged."""
        u = unit(self.seed, self.salt, "staff-comment", no, index)
        if u >= 2 * STAFF_COMMENT_SHARE:
            return comment
        if u < STAFF_COMMENT_SHARE:
            return replace(comment, writer=self.pool.manager)
        subs = self.pool.sub_managers
        pick = h64(self.seed, self.salt, "sub", no, index) % len(subs)
        return replace(comment, writer=subs[pick])

    def videos(self, no: int) -> tuple[Video, ...]:
        """The videos post ``no`` embeds, cheaply (no body generated): uploads shown by the
        movie player page and YouTube embeds. Notices and arrivals have none."""
        if not 1 <= no <= self.size or self._is_notice(no):
            return ()
        d = self._d(no)
        chance = VIDEO_CHANCE_RECOMMENDED if d[2] < 15 else VIDEO_CHANCE
        if d[18] >= chance:
            return ()
        out = []
        for i in range(2 if d[19] < 64 else 1):
            v = digest(self.seed, self.salt, "video", no, i)
            if v[0] < YOUTUBE_SHARE * 256:
                key = base64.urlsafe_b64encode(v[1:10]).decode()[:11]
                out.append(Video("youtube", key))
            else:
                number = MOVIE_NO_BASE + int.from_bytes(v[1:5], "big") % MOVIE_NO_SPAN
                out.append(Video("movie", str(number)))
        return tuple(out)

    def issues(self) -> frozenset[int]:
        """The few posts listed as pinned issue rows (``icon_issue``): live, not notices,
        anywhere in the gallery; none in galleries under 10 posts."""
        if self._issues is None:
            r = rng(self.seed, self.salt, "issues")
            want = 0 if self.size < 10 else 1 if self.size < 30 else 2 + r.randrange(3)
            chosen: set[int] = set()
            for _ in range(100):
                if len(chosen) >= want:
                    break
                no = r.randint(self.config.notice_count + 1, self.size)
                if self.base_status(no) == "live":
                    chosen.add(no)
            self._issues = frozenset(chosen)
        return self._issues

    def body(self, no: int) -> Body:
        r = rng(self.seed, self.salt, "body", no)
        base = textgen.body(
            r, self._d(no)[16] < 77, self.config.image_id, (self.seed, self.salt, no)
        )
        blocks: list[Block] = list(base.blocks)
        videos = self.videos(no)
        if videos:
            # At places drawn apart from the text, so that the text and images stay as drawn.
            slots = sorted(
                rng(self.seed, self.salt, "video-slots", no).randint(0, len(blocks)) for _ in videos
            )
            for offset, (slot, video) in enumerate(zip(slots, videos, strict=True)):
                blocks.insert(slot + offset, video)
        for i in range(1, self.epoch + 1):
            if no <= self.size and not self._is_notice(no) and self._epoch_d(no, i)[7] < 8:
                er = rng(self.seed, self.salt, "epoch-body", i, no)
                blocks.append(Para(((f"추가{i}) {textgen.sentence(er)}",),)))
        return Body(tuple(blocks))

    def new_body(self, no: int) -> Body:
        return self.body(no)

    def comments(self, no: int, starts: Sequence[int]) -> list[Comment]:
        """Epoch 0's thread (numbered from ``starts[0]``) with the later epochs' comments
        and deletions (``activity.assemble``)."""
        base = self._base_comments(no, starts[0]) if self._born(no) is None else []
        if not self.epoch:
            return base
        return self.timeline.thread(no, self.epoch, base)

    def _base_comments(self, no: int, first_no: int) -> list[Comment]:
        count = self._base_count(no)
        out = commentgen.generate(
            rng(self.seed, self.salt, "comments", no),
            count=count,
            voice=self._voice(no, count),
            first_no=first_no,
            start=self.created(no),
            now=self.origin,
            writer=self.pool.draw,
            key_parts=(self.seed, self.salt, no),
        )
        return [self._staff_comment(no, i, c) for i, c in enumerate(out)]
