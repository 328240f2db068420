"""What kind of answer a response is, before any field is parsed.

DCInside answers many failures with HTTP 200: a deleted post is a one-line
``location.replace("/derror/deleted/…")`` script, a gallery of another kind a
script redirect to its real path, an unknown gallery an ``alert()``; under load
the body may be empty or cut off (SITE.md §6). :func:`classify` names the case
so the spider can follow, record, retry or back off — and never stores a
half-page as if it were the post.

Order of the checks, and why: status codes first; then the specific script
signals (deleted, unknown gallery, adult), which only count as a ``<script>``'s
own statement (or, for adult, in ``<head>``) so a post *about* them stays a
post; then completeness — a complete page is ``ok`` even if its inline scripts
contain ``location.href=`` for buttons; only an incomplete page without any of
the site's landmarks is taken as a redirect page; then rate-limit texts; the
rest is ``broken`` (a half page must be retried, never followed or stored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin

from dccrawl.site.comments import load_payload
from dccrawl.site.errors import BrokenPage, PageError
from dccrawl.site.urls import GalleryKind, kind_from_url

SignalKind = Literal[
    "ok",
    "deleted",
    "missing",
    "redirect",
    "unknown_gallery",
    "adult",
    "rate_limited",
    "refused",
    "broken",
]
PageType = Literal["list", "view", "comments"]


@dataclass(frozen=True)
class PageSignal:
    """The verdict on one response.

    ``target_url``/``target_kind`` are set for ``redirect`` (the absolute target
    and the gallery kind its path implies, ``None`` if it names none);
    ``reason`` is a few words for the log. ``payload`` is the decoded JSON of an
    ``ok`` comment page, so the spider need not decode it a second time.
    """

    kind: SignalKind
    reason: str = ""
    target_url: str | None = None
    target_kind: GalleryKind | None = None
    payload: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        """True when the page can be parsed."""
        return self.kind == "ok"


# A redirect *page*: a script whose first statement (after optional alerts) sends the
# browser elsewhere. ``function go(){ location.href=… }`` in a normal page's head
# does not match, so a page cut off after its head scripts stays "broken".
_SCRIPT_REDIRECT = re.compile(
    r"""<script\b[^>]{0,500}>\s*+(?:<!--\s*+)?(?:alert\s*+\(\s*+(?:"[^"]{0,500}"|'[^']{0,500}')\s*+\)\s*+(?:;\s*+)?)*+"""
    r"""(?:(?:window|top|self|parent|document)\s*+\.\s*+)?location\s*+"""
    r"""(?:\.\s*+(?:replace|assign)\s*+\(\s*+|\.\s*+href\s*+=\s*+|=\s*+)"""
    r"""(["'])(?P<url>[^"'<>\s]+)\1""",
    re.IGNORECASE,
)
_UNKNOWN_GALLERY = re.compile(
    r"""<script\b[^>]{0,500}>[^<]*?alert\s*+\(\s*+["']\s*+해당\s*갤러리는\s*존재하지\s*않습니다""",
    re.IGNORECASE,
)
_RATE_LIMIT = re.compile(
    r"Too\s+Many\s+Requests|Too\s+Many\s+Attempts|너무\s*많은\s*요청|penalty-box", re.IGNORECASE
)
_BODY_OPEN = re.compile(r"<body\b", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"</html\s*>", re.IGNORECASE)
_DELETED = "/derror/deleted"
_ADULT = "/error/adult"


def _class_pattern(*names: str) -> re.Pattern[str]:
    """``class="… name …"`` for any of ``names`` (quoted attribute, token boundaries)."""
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(
        rf"""class\s*=\s*["'](?:[^"']*\s)?(?:{alternatives})(?:\s[^"']*)?["']""", re.IGNORECASE
    )


_GALL_LIST = _class_pattern("gall_list")
_PAGING_BOX = _class_pattern("bottom_paging_box")
_EMPTY_LIST = re.compile(r"""class\s*=\s*["'][^"']*\bgall_list\s+empty\b""", re.IGNORECASE)
_BODY_BOX = _class_pattern("write_div", "writing_view_box")
_LANDMARK = _class_pattern(
    "gall_list",
    "write_div",
    "writing_view_box",
    "gallview_head",
    "bottom_paging_box",
    "btn_recommend_box",
)
_RECOMMEND_BOX = _class_pattern("btn_recommend_box")


def _head_end(text: str) -> int:
    """Where ``<body`` starts (the end of the head), or 4096 when there is none."""
    first = text.find("<body")  # the site's spelling: the case-blind search need not go past it
    m = _BODY_OPEN.search(text, 0, first + 6 if first >= 0 else len(text))
    return m.start() if m else min(len(text), 4096)


def _search(pattern: re.Pattern[str], text: str, literals: tuple[str, ...], start: int = 0) -> Any:
    """``pattern.search(text, start)``, begun at the tag of the first of ``literals``.

    Every match of the class patterns contains one of its names; scanning a 90 KB page
    from its start tries the pattern at each of its ~2,000 ``class`` attributes, while
    ``str.find`` jumps to the first name (and the search goes on from that tag, so a
    first occurrence that is no match costs nothing in exactness). Pages without the
    lowercase names (none from the site) take the plain search.
    """
    found = [at for literal in literals if (at := text.find(literal, start)) >= 0]
    if not found:
        return pattern.search(text, start)
    tag = text.rfind("<", start, min(found))
    return pattern.search(text, tag if tag >= 0 else start)


def is_deleted(text: str, url: str | None = None) -> bool:
    """The post was deleted: a script to ``/derror/deleted…`` (or we already landed there)."""
    if url and _DELETED in url:
        return True
    if _DELETED not in text:  # one fast scan instead of every <script> tried as a redirect
        return False
    return any(_DELETED in m.group("url") for m in _SCRIPT_REDIRECT.finditer(text))


def is_unknown_gallery(text: str) -> bool:
    """The ``alert("해당 갤러리는 존재하지 않습니다.")`` of a gallery id that does not exist."""
    return "갤러리는" in text and _UNKNOWN_GALLERY.search(text) is not None


def is_adult(text: str, url: str | None = None) -> bool:
    """An adult-only post: ``/error/adult`` in the page head (refresher's test) or the final URL."""
    if url and _ADULT in url:
        return True
    return text.find(_ADULT, 0, _head_end(text)) >= 0


def is_rate_limited(text: str) -> bool:
    """A rate-limit/penalty text (``Too Many Requests``, ``너무 많은 요청``, ``penalty-box``…)."""
    return _RATE_LIMIT.search(text) is not None


def redirect_target(text: str, base_url: str | None = None) -> str | None:
    """The target of the first redirect script (``location.replace/assign/href``), absolute."""
    m = _SCRIPT_REDIRECT.search(text)
    if m is None:
        return None
    target = m.group("url").replace("&amp;", "&")
    try:
        return urljoin(base_url, target) if base_url else target
    except ValueError:
        return target


def is_complete(text: str, page: PageType) -> bool:
    """Whether a 200 body is a whole page of its type, judged from the text alone.

    list: ``table.gall_list`` then the pagination box (or the empty-result
    table), and ``</html>``. view: the body box (``write_div`` /
    ``writing_view_box``) followed by the recommend box, and ``</html>`` — a body
    cut inside the post loses both. comments: a JSON object with ``comments``.
    """
    if page == "comments":
        return _comments_verdict(text).ok
    tail = max(0, len(text) - 65536)  # trailing scripts after </html>: rarely this many
    if (  # rfind: the closing tag is near the end, found after a short backward scan
        text.rfind("</html>", tail) < 0
        and text.rfind("</HTML>", tail) < 0
        and not _HTML_CLOSE.search(text, tail)
    ):
        return False
    if page == "list":
        table = _search(_GALL_LIST, text, ("gall_list",))
        if table is None:
            return False
        return bool(
            _search(_PAGING_BOX, text, ("bottom_paging_box",), table.end())
            or _EMPTY_LIST.search(text)
        )
    body = _search(_BODY_BOX, text, ("write_div", "writing_view_box"))
    return bool(body and _search(_RECOMMEND_BOX, text, ("btn_recommend_box",), body.end()))


def _comments_verdict(text: str) -> PageSignal:
    try:
        payload = load_payload(text)
    except PageError as exc:
        if is_rate_limited(text):
            return PageSignal("rate_limited", "rate-limit text instead of comments")
        return PageSignal("broken" if isinstance(exc, BrokenPage) else "refused", exc.reason)
    return PageSignal("ok", payload=payload)


def classify(
    text: str | bytes | None,
    page: PageType,
    *,
    status: int = 200,
    url: str | None = None,
) -> PageSignal:
    """Name the kind of answer a response is (see the module docstring for the order).

    ``url`` is the response URL: it resolves relative redirect targets and
    catches a deleted/adult page reached through an HTTP redirect.
    Statuses: 404 → ``missing`` (a post number that does not exist), 429 →
    ``rate_limited``, other non-2xx → ``broken`` (retryable).
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        text = ""
    if status == 429:
        return PageSignal("rate_limited", "HTTP 429")
    if status == 404:
        if is_unknown_gallery(text):
            return PageSignal("unknown_gallery", "gallery does not exist")
        return PageSignal("missing", "HTTP 404")
    if not 200 <= status < 300:
        return PageSignal("broken", f"HTTP {status}")
    if not text or text.isspace():  # (no stripped copy of a 90 KB page)
        return PageSignal("broken", "empty body")
    if is_deleted(text, url):
        return PageSignal("deleted", "redirect to /derror/deleted")
    if is_unknown_gallery(text):
        return PageSignal("unknown_gallery", "gallery does not exist")
    if page != "comments" and is_adult(text, url):
        return PageSignal("adult", "adult-only post")
    if page == "comments":
        return _comments_verdict(text)
    if is_complete(text, page):
        return PageSignal("ok")
    # Only a page without the site's landmarks is a redirect or block page; a half
    # page (which may quote "Too Many Requests" in a post) is broken.
    if not _LANDMARK.search(text):
        target = redirect_target(text, url)
        if target is not None:
            return PageSignal("redirect", "script redirect", target, kind_from_url(target))
        if is_rate_limited(text):
            return PageSignal("rate_limited", "rate-limit text instead of a page")
    return PageSignal("broken", f"incomplete {page} page")
