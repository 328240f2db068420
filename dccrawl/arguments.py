"""The gallery spider's arguments: parsed, validated and explained in one place.

Arguments arrive as strings (from ``scrapy crawl -a`` or scrapyd's
``schedule.json``). Every one is checked before a request is made, so a typo
ends the run at once with one clear line instead of crawling the wrong thing.
The crawl command (``dccrawl/commands/crawl.py``) calls :func:`parse_arguments`
before Scrapy starts; the spider calls it again in ``from_crawler`` for
programmatic use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dccrawl.kst import midnight

KINDS = ("major", "minor", "mini", "person")
SEARCH_TYPES = {
    "subject": "search_subject",
    "memo": "search_memo",
    "subject_memo": "search_subject_memo",
    "name": "search_name",
    "comment": "search_comment",
}
LIST_NUMS = (30, 50, 100)
_GALLERY_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_RANGE = re.compile(r"^\s*([0-9]+)\s*-\s*([0-9]*)\s*$|^\s*([0-9]+)\s*$")
_NUMBER = re.compile(r"^\s*[0-9]+\s*$")
_CRAWL_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
# Post and page numbers are stored as PostgreSQL bigint: a larger one could never be a
# real post, and a range reaching it would walk on without end.
MAX_NUMBER = 2**63 - 1

USAGE = (
    "usage: scrapy crawl gallery -a gallery=ID [-a kind=major|minor|mini|person] "
    "[-a pages=A-B | -a posts=A-B] [-a recommend=1] [-a search=WORD -a search_type=TYPE] "
    "[-a head=ID] [-a since_no=N] [-a until_no=N] [-a since=YYYY-MM-DD] [-a comments=0] "
    "[-a list_num=30|50|100] [-a media=1|all] [-a render=comments] [-a refresh=7d|48h|POST_NO] "
    "[-a shard=ID -a crawl=ID] [-a retry=1] [-a cycle=ID]"
)


class ArgumentError(ValueError):
    """A spider argument is missing or wrong; the message says which and why."""


@dataclass(frozen=True)
class NumberRange:
    """An inclusive range ``first-last``; ``last`` None means "to the end"."""

    first: int
    last: int | None

    def __contains__(self, number: object) -> bool:
        return (
            isinstance(number, int)
            and self.first <= number
            and (self.last is None or number <= self.last)
        )


@dataclass(frozen=True)
class Horizon:
    """How far back a refresh looks: posts written in the last ``age`` (``7d``, ``48h``,
    ``90m``), or posts numbered ``post_no`` and above."""

    age: timedelta | None = None
    post_no: int | None = None

    def cutoff(self, now: datetime) -> datetime | None:
        """The oldest creation time inside the horizon (None for a post-number horizon)."""
        return now - self.age if self.age is not None else None

    def __str__(self) -> str:
        if self.post_no is not None:
            return f"post {self.post_no} and newer"
        assert self.age is not None
        return f"the last {format_age(self.age)}"


_AGE = re.compile(r"^\s*([0-9]+)\s*([dhm])\s*$", re.IGNORECASE)
_AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def format_age(age: timedelta) -> str:
    """``7d``, ``48h`` or ``90m``: the largest unit that divides the age."""
    minutes = int(age.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_horizon(value: str, name: str = "refresh") -> Horizon:
    """``7d`` / ``48h`` / ``90m`` (an age) or a post number (the oldest post to look at)."""
    match = _AGE.match(value)
    if match:
        amount = int(match.group(1))
        if amount < 1 or amount > 3650 * 24 * 60:
            raise ArgumentError(f"{name}={value!r}: the age must be between 1m and 3650d")
        return Horizon(age=timedelta(**{_AGE_UNITS[match.group(2).lower()]: amount}))
    if _NUMBER.match(value):
        return Horizon(post_no=_parse_positive_int(name, value))
    raise ArgumentError(
        f"{name}={value!r}: expected an age (7d, 48h, 90m) or a post number (e.g. {name}=1200000)"
    )


@dataclass(frozen=True)
class GalleryArguments:
    """What one run of the gallery spider is asked to crawl."""

    gallery: str
    kind: str | None = None
    pages: NumberRange | None = None
    posts: NumberRange | None = None
    recommend: bool = False
    search: str | None = None
    search_type: str = "search_subject_memo"
    head: int | None = None
    since_no: int | None = None
    until_no: int | None = None
    since: datetime | None = None
    comments: bool = True
    list_num: int = 100
    shard: str | None = None
    crawl: str | None = None  # the sharded crawl the shard belongs to (its jobs carry both)
    render: str | None = None
    media: str | None = None  # "off" | "posts" | "all"; None: the DCCRAWL_MEDIA setting decides
    retry: bool = False  # start from the failure ledger's pages instead of the first page
    refresh: Horizon | None = None  # refresh mode: fetch only what changed down to this horizon
    cycle: int | None = None  # the follow cycle this crawl runs (python -m dccrawl follow)

    @property
    def mode(self) -> str:
        """``posts`` (backfill by number), ``refresh`` (only what changed) or ``list``."""
        if self.posts is not None:
            return "posts"
        return "refresh" if self.refresh is not None else "list"


def _parse_range(name: str, value: str, *, open_end: bool) -> NumberRange:
    match = _RANGE.match(value)
    if not match:
        raise ArgumentError(f"{name}={value!r}: expected A-B with whole numbers, e.g. {name}=1-20")
    if match.group(3) is not None:
        first = last = int(match.group(3))
    else:
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else None
    if last is None and not open_end:
        raise ArgumentError(f"{name}={value!r}: give both ends, e.g. {name}={first}-{first + 999}")
    if first < 1:
        raise ArgumentError(f"{name}={value!r}: numbers start at 1")
    if max(first, last or 0) > MAX_NUMBER:
        raise ArgumentError(f"{name}={value!r}: numbers end at {MAX_NUMBER} (a bigint)")
    if last is not None and last < first:
        raise ArgumentError(
            f"{name}={value!r}: the range is backwards (write {name}={last}-{first})"
        )
    return NumberRange(first, last)


def _parse_positive_int(name: str, value: str) -> int:
    if not _NUMBER.match(value) or not 1 <= int(value) <= MAX_NUMBER:
        raise ArgumentError(
            f"{name}={value!r}: expected a positive whole number (at most {MAX_NUMBER})"
        )
    return int(value)


def _parse_flag(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ArgumentError(f"{name}={value!r}: expected 1 or 0")


def parse_media(value: object, name: str = "media") -> str:
    """Which files to download: ``0`` → ``"off"``, ``1`` → ``"posts"`` (each post's images
    and attachments), ``all`` → ``"all"`` (also comment dccons). Shared by the ``media``
    argument and the ``DCCRAWL_MEDIA`` setting (``name`` says which, for the error)."""
    text = "" if value is None else str(value).strip().lower()
    if text == "all":
        return "all"
    try:
        return "posts" if _parse_flag(name, text) else "off"
    except ArgumentError:
        raise ArgumentError(
            f"{name}={value!r}: expected 1 (images and attachments), 0 or all"
        ) from None


def _parse_since(value: str) -> datetime:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ArgumentError(f"since={value!r}: expected a date YYYY-MM-DD") from None
    return midnight(day)


KNOWN = frozenset(
    [
        "gallery",
        "kind",
        "pages",
        "posts",
        "recommend",
        "search",
        "search_type",
        "head",
        "since_no",
        "until_no",
        "since",
        "comments",
        "list_num",
        "shard",
        "crawl",
        "render",
        "media",
        "retry",
        "refresh",
        "cycle",
    ]
)


def parse_arguments(raw: dict[str, object]) -> GalleryArguments:
    """Validate the spider's string arguments; raise :class:`ArgumentError` on the first problem."""
    unknown = sorted(set(raw) - KNOWN - {"_job"})
    if unknown:
        raise ArgumentError(f"unknown argument(s): {', '.join(unknown)}")
    args = {key: str(value) for key, value in raw.items() if key in KNOWN and value is not None}

    gallery = args.get("gallery", "").strip()
    if not gallery:
        raise ArgumentError("the gallery argument is required, e.g. -a gallery=programming")
    if not _GALLERY_ID.match(gallery):
        raise ArgumentError(f"gallery={gallery!r}: a gallery id is letters, digits and _ only")

    kind = args.get("kind", "").strip().lower() or None
    if kind is not None and kind not in KINDS:
        raise ArgumentError(f"kind={kind!r}: expected one of {', '.join(KINDS)}")

    pages = _parse_range("pages", args["pages"], open_end=True) if "pages" in args else None
    posts = _parse_range("posts", args["posts"], open_end=False) if "posts" in args else None
    recommend = _parse_flag("recommend", args.get("recommend", "0"))
    search = args.get("search", "").strip() or None
    search_type_name = args.get("search_type", "subject_memo").strip()
    if search_type_name not in SEARCH_TYPES:
        raise ArgumentError(
            f"search_type={search_type_name!r}: expected one of {', '.join(SEARCH_TYPES)}"
        )
    if "search_type" in args and search is None:
        raise ArgumentError("search_type needs search=WORD")
    head = _parse_positive_int("head", args["head"]) if "head" in args else None
    since_no = _parse_positive_int("since_no", args["since_no"]) if "since_no" in args else None
    until_no = _parse_positive_int("until_no", args["until_no"]) if "until_no" in args else None
    if since_no is not None and until_no is not None and until_no <= since_no:
        raise ArgumentError(
            f"until_no={until_no} is not above since_no={since_no}: no post number is in between"
        )
    since = _parse_since(args["since"]) if "since" in args else None
    comments = _parse_flag("comments", args.get("comments", "1"))
    list_num = int(args["list_num"]) if _NUMBER.match(args.get("list_num", "")) else None
    if "list_num" in args and list_num not in LIST_NUMS:
        raise ArgumentError(f"list_num={args['list_num']!r}: expected 30, 50 or 100")
    render = args.get("render", "").strip() or None
    if render not in (None, "comments"):
        raise ArgumentError(f"render={render!r}: the only browser-rendered part is render=comments")

    refresh = parse_horizon(args["refresh"]) if "refresh" in args else None
    if refresh is not None:
        clashing = [
            name
            for name, value in (
                ("pages", pages),
                ("posts", posts),
                ("recommend", recommend or None),
                ("search", search),
                ("head", head),
                ("since", since),
                ("since_no", since_no),
                ("until_no", until_no),
                ("comments=0", None if comments else True),
            )
            if value is not None
        ]
        if clashing:
            raise ArgumentError(
                f"refresh reads the whole list down to its horizon and cannot be combined with "
                f"{', '.join(clashing)}"
            )
    cycle = _parse_positive_int("cycle", args["cycle"]) if "cycle" in args else None
    shard = args.get("shard", "").strip() or None
    crawl = args.get("crawl", "").strip() or None
    if shard is not None and crawl is None:
        raise ArgumentError(
            f"shard={shard!r} needs crawl=ID: a shard job carries the id of its crawl, so it "
            "can never run as a shard of another crawl (python -m dccrawl schedule sets both)"
        )
    if crawl is not None and (shard is None or not _CRAWL_ID.match(crawl)):
        raise ArgumentError(
            f"crawl={crawl!r}: only with shard=ID, and a crawl id of letters, digits, - and _"
        )
    if posts is not None:
        clashing = [
            name
            for name, value in (
                ("pages", pages),
                ("recommend", recommend or None),
                ("search", search),
                ("head", head),
                ("since", since),
                ("until_no", until_no),
            )
            if value is not None
        ]
        if clashing:
            raise ArgumentError(
                f"posts=A-B crawls view pages by number and cannot be combined with "
                f"{', '.join(clashing)}"
            )
    return GalleryArguments(
        gallery=gallery,
        kind=kind,
        pages=pages,
        posts=posts,
        recommend=recommend,
        search=search,
        search_type=SEARCH_TYPES[search_type_name],
        head=head,
        since_no=since_no,
        until_no=until_no,
        since=since,
        comments=comments,
        list_num=list_num or 100,
        shard=shard,
        crawl=crawl,
        render=render,
        media=parse_media(args["media"]) if "media" in args else None,
        retry=_parse_flag("retry", args.get("retry", "0")),
        refresh=refresh,
        cycle=cycle,
    )
