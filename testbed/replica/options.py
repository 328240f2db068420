"""What a replica instance serves: galleries, seed, clock, epoch, faults, limits.

``serve`` and ``truth`` parse the same options, so the data a test compares against is the
data the server answers with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from .blocks import BlockRule
from .clock import default_now
from .drift import DRIFTS

KINDS = ("major", "minor", "mini", "person")
SEED_GALLERY_ID = "seed"
FAULT_NAMES = (
    "http429",
    "http503",
    "reset",
    "slow",
    "truncated",
    "truncated_close",
    "empty",
    "new_posts",
    "delete_posts",
)
# Faults whose RATE is a per-request probability (the others are events per second, or
# per request served with ``event_clock="requests"``).
REQUEST_FAULTS = ("reset", "http429", "http503", "empty", "truncated", "truncated_close", "slow")
# What a request is, for ``--fault-only`` and the stats (server._classify).
REQUEST_KINDS = ("list", "view", "comment", "derror", "media", "other")
# What the RATE of new_posts/delete_posts counts per: seconds served, or requests served.
EVENT_CLOCKS = ("seconds", "requests")
_ID_RE = re.compile(r"^[a-z0-9_]{1,40}$")
_FLAGS = {
    "heads": ("heads", True),
    "noheads": ("heads", False),
    "down": ("downvotes", True),
    "nodown": ("downvotes", False),
}


@dataclass(frozen=True)
class GallerySpec:
    """``ID:KIND:POSTS[:FLAG,...]``; POSTS is the count of post numbers (1..POSTS).

    Optional flags override the derived gallery traits: ``heads``/``noheads`` (말머리),
    ``down``/``nodown`` (비추천 box). ``seed`` alone names the built-in seed gallery.
    One id may be given once per kind: each (id, kind) is a gallery of its own
    (``ReplicaOptions.data_salt``).
    """

    id: str
    kind: str
    posts: int
    heads: bool | None = None
    downvotes: bool | None = None

    @property
    def is_seed(self) -> bool:
        return self.id == SEED_GALLERY_ID

    @classmethod
    def parse(cls, text: str) -> GallerySpec:
        parts = text.strip().split(":")
        if parts == [SEED_GALLERY_ID] or (parts and parts[0] == SEED_GALLERY_ID):
            return cls(SEED_GALLERY_ID, "major", 0)
        if len(parts) not in (3, 4):
            raise ValueError(f"gallery must be ID:KIND:POSTS[:FLAGS], got {text!r}")
        gid, kind, posts = parts[0], parts[1], parts[2]
        if not _ID_RE.match(gid):
            raise ValueError(f"gallery id must match [a-z0-9_]+, got {gid!r}")
        if kind not in KINDS:
            raise ValueError(f"gallery kind must be one of {KINDS}, got {kind!r}")
        count = int(posts)
        if count < 1:
            raise ValueError("a gallery needs at least one post number")
        traits: dict[str, bool] = {}
        if len(parts) == 4 and parts[3]:
            for flag in parts[3].split(","):
                if flag not in _FLAGS:
                    raise ValueError(f"unknown gallery flag {flag!r} (known: {sorted(_FLAGS)})")
                name, value = _FLAGS[flag]
                traits[name] = value
        return cls(gid, kind, count, **traits)


def parse_fault_kinds(text: str) -> frozenset[str]:
    """``KIND[,KIND...]`` for ``--fault-only``: kinds of request in REQUEST_KINDS."""
    kinds = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not kinds or not kinds <= set(REQUEST_KINDS):
        raise ValueError(f"fault kinds must be among {REQUEST_KINDS}, got {text!r}")
    return kinds


def parse_fault(text: str) -> tuple[str, float]:
    """``NAME=RATE``: a probability in [0, 1] or, for new_posts/delete_posts, events per
    second (or per request served, with ``--event-clock requests``)."""
    name, sep, rate_text = text.partition("=")
    if not sep or name not in FAULT_NAMES:
        raise ValueError(f"fault must be NAME=RATE with NAME in {FAULT_NAMES}, got {text!r}")
    rate = float(rate_text)
    if rate < 0 or (name in REQUEST_FAULTS and rate > 1):
        raise ValueError(f"fault rate out of range: {text!r}")
    return name, rate


@dataclass(frozen=True)
class ReplicaOptions:
    """Everything that determines what the replica serves (and what ``truth`` prints)."""

    galleries: tuple[GallerySpec, ...] = ()
    seed: int = 1
    now: datetime = field(default_factory=default_now)
    epoch: int = 0
    faults: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    rate_limit: float | None = None
    search_window: int = 10_000
    slow_seconds: float = 2.0
    access_log: str | None = None
    # Share of posts (a pure draw per post, browser_check.py) whose comment endpoint
    # refuses requests that did not come from the view page's script; 0: none.
    refuse_comments: float = 0.0
    # Serve images, attachments and dccons from this server's own image host (media.py):
    # pages, comment JSON and truth then point at it. Off: the real hosts' URLs, as captured.
    media: bool = False

    # Request faults hit only these kinds of request (REQUEST_KINDS); None: every kind.
    fault_kinds: frozenset[str] | None = None
    # new_posts/delete_posts RATE: per second (default) or per request served.
    event_clock: str = "seconds"
    # Hold (answer only after a request to /_replica/release) the view pages of posts
    # whose number is a multiple of this; None: none.
    hold_views_every: int | None = None
    # Hold every view page request after the first N answered; None: none.
    hold_views_after: int | None = None
    # Block a client that asks too fast (blocks.py); None: never.
    block: BlockRule | None = None
    # The comment pager leaves out its 끝 (last page) link, as a site that hides it:
    # pages past the first 15 are then reached only through 다음 (comments_json.pagination).
    comment_pager_no_end: bool = False
    # View pages whose header (and hidden inputs) lack the comment count: a crawler then
    # learns it only from the list row or the comment endpoint (view_page.header).
    view_no_comment_count: bool = False
    # Comment page N (>= 2) of every post answers as if past the end (no rows) while
    # total_cnt and the pager stay: rows withheld, a completeness check must notice. None: off.
    withhold_comment_page: int | None = None
    # Each generated gallery's one big post (generator._choose_big_post) gets exactly this
    # many comments; None: its usual 101..300. Part of the data: ``truth`` takes it too.
    big_thread: int | None = None
    # Share of pages (a pure draw per page: list and view pages by path and query, comment
    # pages by gallery, post and page) that answer an empty 200 to every request, until
    # POST /_replica/heal. The kinds --fault-only names, if given. 0: none.
    broken_pages: float = 0.0
    # Site redesigns (drift.py, ``--drift NAME``): each name changes one thing of the served
    # pages or comment JSON the way a redesign would. Served pages only: never the data,
    # never ``truth``. Empty: the site as captured.
    drift: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not set(self.drift) <= set(DRIFTS):
            raise ValueError(f"drifts must be among {DRIFTS}: {sorted(self.drift)}")
        if self.fault_kinds is not None and not set(self.fault_kinds) <= set(REQUEST_KINDS):
            raise ValueError(f"fault kinds must be among {REQUEST_KINDS}: {self.fault_kinds}")
        if self.event_clock not in EVENT_CLOCKS:
            raise ValueError(f"event clock must be one of {EVENT_CLOCKS}: {self.event_clock!r}")
        if self.withhold_comment_page is not None and self.withhold_comment_page < 2:
            raise ValueError(f"withhold_comment_page must be >= 2: {self.withhold_comment_page}")
        if self.big_thread is not None and self.big_thread < 0:
            raise ValueError(f"big_thread must be >= 0: {self.big_thread}")
        for name in ("hold_views_every", "hold_views_after"):
            value = getattr(self, name)
            if value is not None and value < (1 if name == "hold_views_every" else 0):
                raise ValueError(f"{name} out of range: {value}")

    def served_specs(self) -> tuple[GallerySpec, ...]:
        """The galleries served: those asked for plus the seed gallery, always. One id may
        be given once per kind (each (id, kind) is a gallery of its own)."""
        specs = [g for g in self.galleries if not g.is_seed]
        keys = [(g.id, g.kind) for g in specs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate galleries (id and kind): {keys}")
        return (GallerySpec(SEED_GALLERY_ID, "major", 0), *specs)

    def data_salt(self, spec: GallerySpec) -> str:
        """The name a gallery's data is drawn under: its id, and its kind too (``ID:KIND``)
        when the id is served under several kinds and this one is not major. So each
        (id, kind) of a twin id (``twin:major:60`` and ``twin:mini:40``) has its own data,
        while every gallery whose id is served once keeps the data it always had."""
        kinds = {g.kind for g in self.served_specs() if g.id == spec.id}
        return spec.id if spec.kind == "major" or len(kinds) < 2 else f"{spec.id}:{spec.kind}"
