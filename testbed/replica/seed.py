"""The built-in ``seed`` gallery: the captured page (2025-05-22) served as a gallery.

List page 1 carries exactly the 50 captured rows (numbers, titles, ``[N]`` counts, writers,
views, recommends, the visible ``05.22`` dates), framed by the captured survey and news
rows; the captured post view is post 19000000, on list page 2. What the capture does not
show (exact times, uids of members, other bodies, the comments behind ``[N]``) is invented
deterministically and independently of ``--seed``, so the seed gallery is always the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import commentgen, seed_data, textgen
from .clock import KST
from .hashing import digest, rng
from .model import Body, Comment, GalleryConfig, Image, Para, Post, PostStatus, Spacer, Writer
from .source import GallerySource
from .writers import WriterPool, make_uid

VIEW_POST_NO = 19_000_000
CAPTURED_AT = datetime(2025, 5, 22, 23, 59, 59, tzinfo=KST)
COMMENT_BASE = 33_512_000
_ROW_RE = re.compile(
    r"^(?P<no>\d+) (?P<title>.*?)(?: \[(?P<n>\d+)(?:/(?P<m>\d+))?\])? "
    r"(?P<writer>\S+\(\d+\.\d+\)|\S+갤로그로 이동합니다\.) "
    r"(?P<date>\d\d\.\d\d) (?P<views>\d+) (?P<rec>\d+)$"
)
_ANON_RE = re.compile(r"^(?P<nick>.+)\((?P<ip>\d+\.\d+)\)$")
_MEMBER_SUFFIX = "갤로그로 이동합니다."
_HEX_RE = re.compile(r"^[0-9a-f]{40,}$")
_IMAGE_ID = "3dafdf21f7d335ab67b1d1"
_SALT = "seed-gallery"


@dataclass(frozen=True)
class SeedRow:
    no: int
    title: str
    comments: int
    voice: int
    writer: Writer
    date_text: str
    views: int
    recommend: int


def _writer(token: str) -> Writer:
    anon = _ANON_RE.match(token)
    if anon:
        return Writer(nick=anon["nick"], kind="anon", ip=anon["ip"])
    if token.endswith(_MEMBER_SUFFIX):
        nick = token[: -len(_MEMBER_SUFFIX)]
        return Writer(nick=nick, kind="fixed", uid=make_uid(rng(_SALT, "uid", nick)))
    raise ValueError(f"unrecognised seed writer {token!r}")


def parse_rows() -> list[SeedRow]:
    rows = []
    for line in seed_data.LIST_ROWS:
        m = _ROW_RE.match(line)
        if not m:
            raise ValueError(f"unparsed seed row {line!r}")
        rows.append(
            SeedRow(
                no=int(m["no"]),
                title=m["title"],
                comments=int(m["n"] or 0),
                voice=int(m["m"] or 0),
                writer=_writer(m["writer"]),
                date_text=m["date"],
                views=int(m["views"]),
                recommend=int(m["rec"]),
            )
        )
    return rows


def _between(line: str, head: str, tail: str) -> str:
    return line[len(head) + 1 : line.rindex(" " + tail)]


SURVEY_TITLE = _between(seed_data.SURVEY_ROW, "설문", "운영자")
SURVEY_AT = datetime(2025, 5, 19, 10, 0, 0, tzinfo=KST)
NEWS_TITLE = _between(seed_data.NEWS_ROW, "뉴스", "디시트렌드")
NEWS_AT = datetime(2025, 5, 22, 18, 30, 0, tzinfo=KST)


def seed_config() -> GalleryConfig:
    return GalleryConfig(
        id="seed",
        kind="major",
        name="시드",
        posts=0,
        heads=(),
        downvotes=True,
        notice_count=0,
        survey=True,
        ad_rows=False,
        news_row=True,
        image_id=_IMAGE_ID,
    )


class SeedGallery(GallerySource):
    """The captured gallery; the same for every ``--seed`` and ``--epoch``."""

    comment_base = COMMENT_BASE

    def __init__(self, now: datetime, epoch: int) -> None:
        self.now = now
        self.epoch = epoch
        self.config = seed_config()
        self.rows = {row.no: row for row in parse_rows()}
        newest = max(self.rows)
        self._times = {
            no: datetime(2025, 5, 22, 23, 58, 41, tzinfo=KST)
            - timedelta(seconds=(newest - no) * 97 + digest(_SALT, "t", no)[0] % 45)
            for no in self.rows
        }
        self._numbers = sorted([*self.rows, VIEW_POST_NO])
        self.pool = WriterPool(0, _SALT)

    def numbers(self) -> Sequence[int]:
        return self._numbers

    def status(self, no: int) -> PostStatus:
        return "live" if no in self.rows or no == VIEW_POST_NO else "missing"

    def flags(self, no: int) -> tuple[bool, int | None]:
        return False, None

    def post(self, no: int) -> Post:
        if no == VIEW_POST_NO:
            return Post(
                gallery_id="seed",
                no=no,
                title=seed_data.VIEW_TITLE,
                head_id=None,
                writer=Writer(nick="ㅇㅇ", kind="anon", ip="110.8"),
                created=datetime(2025, 2, 2, 1, 20, 6, tzinfo=KST),
                views=202,
                recommend=0,
                fixed_recommend=0,
                downvotes=0,
                comment_count=0,
                voice_count=0,
                recommended=False,
                notice=False,
                has_image=True,
                list_date_text="02.02",
            )
        row = self.rows[no]
        d = digest(_SALT, "post", no)
        return Post(
            gallery_id="seed",
            no=no,
            title=row.title,
            head_id=None,
            writer=row.writer,
            created=self._times[no],
            views=row.views,
            recommend=row.recommend,
            fixed_recommend=min(row.recommend, d[0] % 2),
            downvotes=d[1] % 3,
            comment_count=row.comments + row.voice,
            voice_count=row.voice,
            recommended=False,
            notice=False,
            has_image=self._has_image(no),
            list_date_text=row.date_text,
        )

    def _has_image(self, no: int) -> bool:
        return no == VIEW_POST_NO or digest(_SALT, "post", no)[2] < 77

    def body(self, no: int) -> Body:
        if no == VIEW_POST_NO:
            return view_body()
        r = rng(_SALT, "body", no)
        return textgen.body(r, self._has_image(no), _IMAGE_ID, (_SALT, no))

    def survey_row(self) -> tuple[str, datetime, str] | None:
        return SURVEY_TITLE, SURVEY_AT, "25/05/19"

    def news_row(self) -> tuple[str, datetime, str] | None:
        return NEWS_TITLE, NEWS_AT, "05.22"

    def comment_plan(self, no: int) -> tuple[int, ...]:
        row = self.rows.get(no)
        count = row.comments + row.voice if row else 0
        return (count,) + (0,) * self.epoch

    def comments(self, no: int, starts: Sequence[int]) -> list[Comment]:
        row = self.rows.get(no)
        if row is None:
            return []
        return commentgen.generate(
            rng(_SALT, "comments", no),
            count=row.comments + row.voice,
            voice=row.voice,
            first_no=starts[0],
            start=self._times[no],
            now=CAPTURED_AT,
            writer=self.pool.draw,
            key_parts=(_SALT, no),
        )


def view_body() -> Body:
    """The captured post's body: paragraphs, empty-paragraph spacers and five images."""
    blocks: list[Para | Spacer | Image] = []
    for line in seed_data.VIEW_BODY_LINES:
        stripped = line.strip()
        if not stripped:
            blocks.append(Spacer())
        elif _HEX_RE.match(stripped):
            host = 1 + int(stripped[:2], 16) % 9
            url = f"https://dcimg{host}.dcinside.co.kr/viewimage.php?id={_IMAGE_ID}&no={stripped}"
            blocks.append(Image(url, stripped, lazy=True))
        else:
            blocks.append(Para(((line,),), nbsp_tail=False))
    return Body(tuple(blocks))
