"""The replica's data model: galleries, writers, posts, bodies and comments.

Pages, JSON and ``truth`` are all derived from these objects, never from each other, so a
test comparing a parse of the pages against ``truth`` compares two independent paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

WriterKind = Literal["anon", "fixed", "semi", "manager", "sub_manager", "operator", "brand"]
PostStatus = Literal["missing", "deleted", "live"]
# The truth's ``writer_class`` of each writer kind: the vocabulary a crawler maps the site's
# markup to (SITE.md §2.2: the gallog icon, or its absence with an IP, or 운영자).
WRITER_CLASSES: dict[str, str] = {
    "anon": "floating",
    "semi": "semi_fixed",
    "fixed": "fixed",
    "manager": "manager",
    "sub_manager": "sub_manager",
    "operator": "operator",
    "brand": "brand",
}
# The site's own movie player page (an uploaded video is embedded as an iframe of it).
MOVIE_VIEW_URL = "https://gall.dcinside.com/board/movie/movie_view"
YOUTUBE_EMBED_URL = "https://www.youtube.com/embed/"

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
    manager ``fix_managernik.gif``/``managernik.gif``, sub-manager
    ``fix_sub_managernik.gif``/``sub_managernik.gif``); ``ip`` the two-octet prefix of
    anonymous writers. The operator (운영자) and brand writers (디시트렌드) have neither.
    ``fixed_nick`` tells a (sub-)manager on a fixed nick (the ``fix_`` icon) from one on a
    semi-fixed nick (the plain icon): the site draws both, a crawler must know both.
    """

    nick: str
    kind: WriterKind
    uid: str | None = None
    ip: str | None = None
    fixed_nick: bool = True

    @property
    def masked_uid(self) -> str:
        """The uid as the gallog icon's title shows it (last two characters starred)."""
        return (self.uid or "")[:-2] + "**"

    @property
    def icon(self) -> str | None:
        """The gallog icon's file name (``a.writer_nikcon > img``); None without one."""
        if self.kind == "fixed":
            return "fix_nik.gif"
        if self.kind == "semi":
            return "nik.gif"
        if self.kind in ("manager", "sub_manager"):
            name = "managernik.gif" if self.kind == "manager" else "sub_managernik.gif"
            return f"fix_{name}" if self.fixed_nick else name
        return None

    @property
    def writer_class(self) -> str:
        """The truth's ``writer_class`` (see ``WRITER_CLASSES``)."""
        return WRITER_CLASSES[self.kind]


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
    def key(self) -> tuple[str, str]:
        """(id, kind): what names a gallery, as one id may be served under two kinds."""
        return (self.id, self.kind)

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


APP_SUFFIX = "  - dc App"  # what the site appends to the memo of a comment from the app


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


@dataclass(frozen=True, slots=True)
class Video:
    """A video in the body: an upload shown by the site's movie player page (``movie``,
    ``key`` = the movie number) or an embedded YouTube video (``youtube``, ``key`` = the
    11-character video id). Both are iframes, which carry no text."""

    kind: Literal["movie", "youtube"]
    key: str

    @property
    def url(self) -> str:
        """The iframe's ``src``, absolute, exactly as the page shows it."""
        if self.kind == "movie":
            return f"{MOVIE_VIEW_URL}?no={self.key}"
        return f"{YOUTUBE_EMBED_URL}{self.key}"


Block = Para | Spacer | Image | Ad | Video


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

    @property
    def videos(self) -> list[Video]:
        return [b for b in self.blocks if isinstance(b, Video)]

    @property
    def video_urls(self) -> list[str]:
        """The truth ``video_urls``: the video iframes' ``src`` in body order."""
        return [b.url for b in self.videos]


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
    has_video: bool = False  # the body embeds a video (list icon icon_movie/icon_recomovie)
    issue: bool = False  # shown in the list as a pinned issue row (data-type icon_issue)

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
    # Written from the app: the memo ends with the site's "  - dc App" suffix, which is
    # the site's mark, not the writer's text (so not in ``text``).
    via_app: bool = False

    @property
    def text(self) -> str | None:
        """Truth ``body_text``: whitespace-collapsed lines, or None without text."""
        if self.kind != "text":
            return None
        lines = [" ".join(line.split()) for line in self.lines]
        joined = "\n".join(line for line in lines if line)
        return joined or None
