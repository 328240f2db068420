"""DCInside URLs per gallery kind, all built from one base URL.

The four gallery kinds live under different path prefixes and answer the
comment API with different ``_GALLTYPE_`` codes (SITE.md §1.1):

=========  ====================  ============
kind       path prefix           _GALLTYPE_
=========  ====================  ============
major      ``/board``            ``G``
minor      ``/mgallery/board``   ``M``
mini       ``/mini/board``       ``MI``
person     ``/person/board``     ``PR``
=========  ====================  ============

Every builder takes ``base_url`` so the same spider crawls the real site or the
local replica (``DCCRAWL_BASE_URL``); a base with a path (``http://host/dc``) is
kept as a prefix.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

GalleryKind = Literal["major", "minor", "mini", "person"]

DEFAULT_BASE_URL = "https://gall.dcinside.com"
KINDS: tuple[GalleryKind, ...] = ("major", "minor", "mini", "person")
PATH_PREFIX: dict[GalleryKind, str] = {
    "major": "/board",
    "minor": "/mgallery/board",
    "mini": "/mini/board",
    "person": "/person/board",
}
GALLTYPE: dict[GalleryKind, str] = {"major": "G", "minor": "M", "mini": "MI", "person": "PR"}
_KIND_BY_GALLTYPE: dict[str, GalleryKind] = {code: kind for kind, code in GALLTYPE.items()}
# First path segment → kind, incl. the short forms /mgallery/<id>/<no>, /mini/…, /n/…, /person/….
_KIND_BY_SEGMENT: dict[str, GalleryKind] = {
    "board": "major",
    "mgallery": "minor",
    "mini": "mini",
    "n": "mini",
    "person": "person",
}
COMMENT_PATH = "/board/comment/"  # one endpoint for every kind; _GALLTYPE_ tells them apart


def _base(base_url: str | None) -> str:
    return (base_url or DEFAULT_BASE_URL).rstrip("/")


def _prefix(kind: str) -> str:
    try:
        return PATH_PREFIX[kind]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown gallery kind {kind!r}; expected one of {KINDS}") from None


def galltype(kind: GalleryKind) -> str:
    """The comment API's ``_GALLTYPE_`` code of a kind (``minor`` → ``M``)."""
    _prefix(kind)
    return GALLTYPE[kind]


def kind_from_galltype(code: object) -> GalleryKind | None:
    """The kind of a ``_GALLTYPE_`` code (``MI`` → ``mini``), ``None`` for anything else."""
    return _KIND_BY_GALLTYPE.get(str(code).strip().upper()) if code is not None else None


def list_url(
    gallery_id: str,
    kind: GalleryKind = "major",
    *,
    page: int = 1,
    list_num: int | None = None,
    recommend: bool = False,
    search_head: int | str | None = None,
    s_type: str | None = None,
    s_keyword: str | None = None,
    search_pos: int | str | None = None,
    base_url: str | None = None,
) -> str:
    """A list page URL: ``{base}{prefix}/lists/?id=…&page=…`` plus the optional filters.

    ``recommend`` selects 개념글 (``exception_mode=recommend``), ``search_head`` a
    말머리 id, ``s_type``/``s_keyword`` a search and ``search_pos`` its 10,000-post
    window. ``id`` comes first, as on every URL the site itself prints.
    """
    params: list[tuple[str, str]] = [("id", gallery_id), ("page", str(page))]
    if list_num is not None:
        params.append(("list_num", str(list_num)))
    if recommend:
        params.append(("exception_mode", "recommend"))
    if search_head not in (None, ""):
        params.append(("search_head", str(search_head)))
    if search_pos not in (None, ""):
        params.append(("search_pos", str(search_pos)))
    if s_keyword:
        params.append(("s_type", s_type or "search_subject_memo"))
        params.append(("s_keyword", s_keyword))
    return f"{_base(base_url)}{_prefix(kind)}/lists/?{urlencode(params, quote_via=quote)}"


def view_url(
    gallery_id: str, post_no: int | str, kind: GalleryKind = "major", *, base_url: str | None = None
) -> str:
    """The canonical view URL of a post: ``id`` and ``no`` only (what is stored as ``Post.url``)."""
    query = urlencode([("id", gallery_id), ("no", str(post_no))], quote_via=quote)
    return f"{_base(base_url)}{_prefix(kind)}/view/?{query}"


def comment_url(base_url: str | None = None) -> str:
    """The comment API endpoint (``POST``), the same for every gallery kind."""
    return f"{_base(base_url)}{COMMENT_PATH}"


def origin(base_url: str | None = None) -> str:
    """``scheme://host[:port]`` of the base URL, for the ``Origin`` header."""
    parts = urlsplit(_base(base_url))
    return f"{parts.scheme}://{parts.netloc}"


def _path_after_base(url: str, base_url: str | None) -> str:
    path = urlsplit(url).path or "/"
    base_path = urlsplit(_base(base_url)).path.rstrip("/") if base_url else ""
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    return path


def kind_from_url(url: str, base_url: str | None = None) -> GalleryKind | None:
    """The gallery kind a URL's path implies, or ``None`` (error pages, ambiguous short forms).

    ``/board/…`` → major, ``/mgallery/…`` → minor, ``/mini/…`` and ``/n/…`` →
    mini, ``/person/…`` → person. The short form ``/<id>/<no>`` names no kind.
    """
    try:
        segments = [s for s in _path_after_base(str(url), base_url).split("/") if s]
    except ValueError:
        return None
    return _KIND_BY_SEGMENT.get(segments[0]) if segments else None


def query_value(url: str, name: str) -> str | None:
    """One query parameter of a URL (the first), or ``None``."""
    try:
        for key, value in parse_qsl(urlsplit(str(url)).query, keep_blank_values=True):
            if key == name:
                return value
    except ValueError:
        return None
    return None


def parse_view_url(url: str, base_url: str | None = None) -> tuple[GalleryKind, str, int] | None:
    """``(kind, gallery_id, post_no)`` of a long-form view URL (extra params allowed), else None."""
    kind = kind_from_url(url, base_url)
    if kind is None or "/view" not in _path_after_base(str(url), base_url):
        return None
    gallery_id = query_value(url, "id")
    no = query_value(url, "no")
    if not gallery_id or not no or not no.isascii() or not no.isdigit():
        return None
    return kind, gallery_id, int(no)
