"""The replica's data model: galleries, writers, posts, bodies and comments.

Pages, JSON and ``truth`` are all derived from these objects, never from each other, so a
test comparing a parse of the pages against ``truth`` compares two independent paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

WriterKind = Literal["anon", "fixed", "semi", "manager", "operator", "brand"]
PostStatus = Literal["missing", "deleted", "live"]

PREFIXES = {
    "major": "/board",
    "minor": "/mgallery/board",
    "mini": "/mini/board",
    "person": "/person/board",
}
GALLTYPES = {"major": "G", "minor": "M", "mini": "MI", "person": "PR"}
KIND_BY_GALLTYPE = {v: k for k, v in GALLTYPES.items()}


@dataclass(frozen=True, slots=True)
class Writer:
    """A post or comment author as the site shows it.

    ``uid`` is the login id of members (fixed ``fix_nik.gif``, semi-fixed ``nik.gif``,
    manager ``fix_managernik.gif``); ``ip`` the two-octet prefix of anonymous writers.
    The operator (운영자) and brand writers (디시트렌드) have neither.
    """

    nick: str
    kind: WriterKind
    uid: str | None = None
    ip: str | None = None

    @property
    def masked_uid(self) -> str:
        """The uid as the gallog icon's title shows it (last two characters starred)."""
        return (self.uid or "")[:-2] + "**"


@dataclass(frozen=True, slots=True)
class Head:
    """A 말머리: numeric id (the ``search_head`` value) and its label."""

    id: int
    label: str
    short: str | None = None  # abbreviated list-cell text, full label in p.subject_inner


@dataclass(frozen=True)
class GalleryConfig:
    """The static traits of one gallery, derived from (seed, id) or given by the seed data."""

    id: str
    kind: str
    name: str
    posts: int
    heads: tuple[Head, ...]
    downvotes: bool
    notice_count: int
    survey: bool
    ad_rows: bool
    news_row: bool
    image_id: str  # the hashed gallery id in viewimage.php URLs

    @property
    def prefix(self) -> str:
        return PREFIXES[self.kind]

    @property
    def galltype(self) -> str:
        return GALLTYPES[self.kind]

    def head(self, head_id: int | None) -> Head | None:
        for head in self.heads:
            if head.id == head_id:
                return head
        return None


# Body blocks: each renders to one or more lines of the visible text (or to none).
@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph: each of ``lines`` is one text line (``<br>`` between them), made of
    segments joined by spaces, some rendered inside inline tags when ``styled``."""

    lines: tuple[tuple[str, ...], ...]
    styled: bool = False  # wrap segments in <span style>/<b> inline markup
    tag: str = "p"  # "p" or "div"
    nbsp_tail: bool = False  # a trailing &nbsp; as editors leave them


@dataclass(frozen=True, slots=True)
class Spacer:
    """``<p><br></p>``: an empty line, dropped from the text."""


@dataclass(frozen=True, slots=True)
class Image:
    """An inline image; ``lazy`` puts the URL in data-original behind a placeholder src."""

    url: str
    key: str
    lazy: bool = True


@dataclass(frozen=True, slots=True)
class Ad:
    """An ad box or script inside the body whose text is not part of the post."""

    kind: Literal["adv-groupin", "adsbygoogle", "script", "style"]


Block = Para | Spacer | Image | Ad


@dataclass(frozen=True)
class Body:
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """The normalized visible text (the truth ``body_text``)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Para):
                for segs in block.lines:
                    line = " ".join(" ".join(segs).split())
                    if line:
                        lines.append(line)
        return "\n".join(lines)

    @property
    def image_urls(self) -> list[str]:
        return [b.url for b in self.blocks if isinstance(b, Image)]


@dataclass(frozen=True)
class Post:
    """One live post (deleted and missing numbers have no Post)."""

    gallery_id: str
    no: int
    title: str  # raw title as written (may hold extra spaces; truth collapses them)
    head_id: int | None
    writer: Writer
    created: datetime
    views: int
    recommend: int
    fixed_recommend: int
    downvotes: int | None
    comment_count: int
    voice_count: int
    recommended: bool
    notice: bool
    has_image: bool
    list_date_text: str | None = None  # fixed visible list date (the seed capture)

    @property
    def clean_title(self) -> str:
        return " ".join(self.title.split())


MemoKind = Literal["text", "dccon", "voice"]


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment row of the comment JSON (a thread head or a depth-1 reply)."""

    no: int
    parent_no: int | None
    writer: Writer
    created: datetime
    kind: MemoKind
    lines: tuple[str, ...] = ()  # text lines (joined by <br> in the memo)
    dccon_url: str | None = None
    dccon_title: str | None = None
    voice_key: str | None = None
    deleted: bool = False
    rcnt: int = 0  # replies in this comment's thread (as the JSON repeats it)

    @property
    def text(self) -> str | None:
        """Truth ``body_text``: whitespace-collapsed lines, or None without text."""
        if self.kind != "text":
            return None
        lines = [" ".join(line.split()) for line in self.lines]
        joined = "\n".join(line for line in lines if line)
        return joined or None
