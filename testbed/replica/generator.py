"""Generated galleries: every fact about post N is a pure function of (seed, gallery, N).

Nothing is stored up front, so a gallery of a million post numbers costs nothing until a
page asks for it; cheap flags (status, head, 개념글) come from one digest per number so the
serving state can scan a whole gallery quickly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from . import commentgen, textgen, words
from .clock import list_text, survey_text
from .hashing import digest, hexkey, rng
from .lru import LRU
from .model import Body, Comment, GalleryConfig, Head, Para, Post, PostStatus
from .options import GallerySpec
from .source import GallerySource
from .writers import OPERATOR, WriterPool

MISSING_RATE = 0.03
DELETED_RATE = 0.02
HEAD_CHANCE = {"major": 0.25, "minor": 0.85, "mini": 0.5, "person": 0.3}
_EXP = 1.3


def derive_config(spec: GallerySpec, seed: int) -> GalleryConfig:
    """The gallery's traits from (seed, id): heads, 비추 box, notices, extra rows."""
    r = rng(seed, spec.id, "config")
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
        image_id=hexkey(20, seed, spec.id, "image-id"),
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
    ) -> None:
        self.seed = seed
        self.now = now
        self.epoch = epoch
        self.config = derive_config(spec, seed)
        self.pool = WriterPool(seed, spec.id)
        self.size = spec.posts
        span = rng(seed, spec.id, "span").randint(3, 8) * 365 * 86400
        top = (self.size - 2) ** _EXP - 1 if self.size > 3 else 0
        self._c = (span - 260) / top if top > 0 else 0.0
        self._numbers: Sequence[int] | None = None
        self._digests: LRU[int, bytes] = LRU(100_000)
        self._big = self._choose_big_post()
        # ``--big-thread N``: the big post's comment count, for tests of long comment pagers.
        self._big_thread = big_thread

    # -- cheap per-number facts -------------------------------------------------------
    def _d(self, no: int) -> bytes:
        return self._digests.get_or(no, lambda: digest(self.seed, self.config.id, "post", no))

    def _epoch_d(self, no: int, i: int) -> bytes:
        return digest(self.seed, self.config.id, "epoch", i, no, size=16)

    def _is_notice(self, no: int) -> bool:
        return no <= self.config.notice_count

    def status(self, no: int) -> PostStatus:
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
            if self.status(no) == "live":
                return no
        return None

    def numbers(self) -> Sequence[int]:
        if self._numbers is None:
            self._numbers = [n for n in range(1, self.size + 1) if self.status(n) != "missing"]
        return self._numbers

    def flags(self, no: int) -> tuple[bool, int | None]:
        """(개념글, head id) without generating the post."""
        d = self._d(no)
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
        if no > self.size:
            return (0,) * (self.epoch + 1)
        d = self._d(no)
        u = int.from_bytes(d[4:6], "big") / 65536
        if self._is_notice(no):
            base = d[6] % 30
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
        added = []
        for i in range(1, self.epoch + 1):
            e = self._epoch_d(no, i)
            added.append(1 + e[5] % 8 if e[4] < 13 else 0)
        return (base, *added)

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
        return self.now - timedelta(seconds=math.floor(age))

    def survey_row(self) -> tuple[str, datetime, str] | None:
        if not self.config.survey:
            return None
        r = rng(self.seed, self.config.id, "survey")
        at = self.now - timedelta(days=r.randint(1, 6), seconds=r.randint(0, 86399))
        return r.choice(words.SURVEY_TITLES), at, survey_text(at)

    def news_row(self) -> tuple[str, datetime, str] | None:
        if not self.config.news_row:
            return None
        r = rng(self.seed, self.config.id, "news")
        at = self.now - timedelta(seconds=r.randint(600, 20 * 3600))
        return r.choice(words.NEWS_TITLES), at, list_text(at, self.now)

    # -- full content --------------------------------------------------------------------
    def post(self, no: int) -> Post:
        return self._post(no, self.created(no), arrived=False)

    def new_post(self, no: int, created: datetime) -> Post:
        return self._post(no, created, arrived=True)

    def _post(self, no: int, created: datetime, arrived: bool) -> Post:
        d = self._d(no)
        r = rng(self.seed, self.config.id, "post-content", no)
        notice = not arrived and self._is_notice(no)
        recommended, head_id = self.flags(no)
        recommended = recommended and not arrived
        plan = (0,) * (self.epoch + 1) if arrived else self.comment_plan(no)
        voice = 0 if arrived else self._voice(no, plan[0])
        if notice:
            writer = OPERATOR if self.config.kind in ("major", "person") else self.pool.manager
            title = r.choice(("이용 안내", "공지사항", "규칙 안내", "신고 방법 안내"))
            title = f"{self.config.name} 갤러리 {title}"
        else:
            writer = self.pool.draw(r)
            title = textgen.title(r)
        views = int(math.exp(r.gauss(4.0, 1.1))) + 3 * plan[0] + 1
        recommend = r.choice((0, 0, 0, 0, 1, 1, 2, 3, 5))
        if recommended:
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
            comment_count=sum(plan),
            voice_count=voice,
            recommended=recommended,
            notice=notice,
            has_image=d[16] < 77,
        )

    def body(self, no: int) -> Body:
        r = rng(self.seed, self.config.id, "body", no)
        base = textgen.body(
            r, self._d(no)[16] < 77, self.config.image_id, (self.seed, self.config.id, no)
        )
        blocks = list(base.blocks)
        for i in range(1, self.epoch + 1):
            if no <= self.size and not self._is_notice(no) and self._epoch_d(no, i)[7] < 8:
                er = rng(self.seed, self.config.id, "epoch-body", i, no)
                blocks.append(Para(((f"추가{i}) {textgen.sentence(er)}",),)))
        return Body(tuple(blocks))

    def new_body(self, no: int) -> Body:
        return self.body(no)

    def comments(self, no: int, starts: Sequence[int]) -> list[Comment]:
        plan = self.comment_plan(no)
        created = self.created(no)
        out = commentgen.generate(
            rng(self.seed, self.config.id, "comments", no),
            count=plan[0],
            voice=self._voice(no, plan[0]),
            first_no=starts[0],
            start=created,
            now=self.now,
            writer=self.pool.draw,
            key_parts=(self.seed, self.config.id, no),
        )
        for i, extra in enumerate(plan[1:], start=1):
            if not extra:
                continue
            last = max((c.created for c in out), default=created)
            out += commentgen.generate(
                rng(self.seed, self.config.id, "comments", no, "epoch", i),
                count=extra,
                voice=0,
                first_no=starts[i],
                start=last,
                now=self.now,
                writer=self.pool.draw,
                key_parts=(self.seed, self.config.id, no, i),
            )
        return out
