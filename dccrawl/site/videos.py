"""Uploaded videos: the site's movie player page, and the file it plays.

A post's uploaded video is an ``<iframe>`` of the site's own player page
(``/board/movie/movie_view?no=…``, kept in ``posts.video_urls``); that page holds a
``<video>`` whose ``source`` is the file. With ``-a media=1`` the spider reads each
player page (``spiders/gallery.py``) so the media pipeline can store the file under the
page's URL. Embedded players (YouTube and others) have no file to keep: their URL is
the record.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from dccrawl.site._dom import Page, root_of

_MOVIE_PATH = re.compile(r"/(?:board/)?movie/movie_view", re.IGNORECASE)
_SOURCES = etree.XPath("//video/@src | //video//source/@src")


def is_uploaded_video(url: str) -> bool:
    """Whether a video URL is the site's own player page (an uploaded video)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    on_site = host == "dcinside.com" or host.endswith(".dcinside.com")
    return on_site and _MOVIE_PATH.search(parts.path) is not None


def player_path(url: str) -> str:
    """The player page's path and query, to ask the site (or its replica) for it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def movie_file(page: Page, url: str) -> str | None:
    """The file a movie player page plays (absolute), or None where it names none."""
    root = root_of(page)
    if root is None:
        return None
    for source in _SOURCES(root):
        text = str(source).strip()
        if text and not text.lower().startswith(("javascript:", "data:", "blob:")):
            return urljoin(url, text)
    return None
