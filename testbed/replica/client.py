"""Minimal HTTP helpers for tests of the replica (stdlib only, no keep-alive)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    url: str,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Reply:
    """GET (or POST a form when ``data`` is given); HTTP errors are returned, not raised."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    # Links carry raw Hangul and spaces (as the site writes them); encode like a browser.
    url = urllib.parse.quote(url, safe=":/?&=%#+@;,!$'()*[]~")
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), err.read())


def comment_form(
    gallery_id: str, no: int, token: str, galltype: str, page: int = 1
) -> dict[str, str]:
    """The form a browser posts to ``/board/comment/`` (SITE.md §4)."""
    return {
        "id": gallery_id,
        "no": str(no),
        "cmt_id": gallery_id,
        "cmt_no": str(no),
        "focus_cno": "",
        "focus_pno": "",
        "e_s_n_o": token,
        "comment_page": str(page),
        "sort": "D",
        "prevCnt": "",
        "board_type": "",
        "_GALLTYPE_": galltype,
        "secret_article_key": "",
    }


XHR = {"X-Requested-With": "XMLHttpRequest"}
