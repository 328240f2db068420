"""Telling the page's own comment XHR from a direct (non-browser) request, and which posts care.

The real site builds its comment list in the browser (SITE.md §3.5); a site that wants to
stop scripted clients can make its comment endpoint answer only requests that ran the
page's JavaScript. ``--refuse-comments RATE`` makes the replica do that for a
deterministic share of posts, so a crawler's browser fallback can be tested end to end.

The signal is a cookie the view page's script sets before its first comment request
(``comment_script.py``): ``dcr_js`` = the page's ``e_s_n_o`` token reversed. A browser
that ran any view page of this replica sends it with every later request; a crawler that
only reads the HTML never has it (the server never sets it). A cookie, not a per-request
header, because Scrapy's cookie middleware never sees a cookie that only a script sets.
"""

from __future__ import annotations

from collections.abc import Mapping

from .hashing import unit

BROWSER_COOKIE = "dcr_js"


def browser_cookie_value(token: str) -> str:
    """The value the page's script computes from the page's ``e_s_n_o`` token."""
    return token[::-1]


def refuses_direct(seed: int, rate: float, gallery_id: str, post_no: int) -> bool:
    """Whether the endpoint refuses direct requests for this post's comments.

    A pure draw of (seed, gallery, post number), so ``serve`` runs and tests agree on
    which posts are affected; ``rate`` 1 means every post, 0 none.
    """
    if rate <= 0:
        return False
    return rate >= 1 or unit(seed, "refuse-comments", gallery_id, post_no) < rate


def is_browser(cookies: Mapping[str, str], token: str) -> bool:
    """The request carries the cookie only the page's script sets."""
    return cookies.get(BROWSER_COOKIE) == browser_cookie_value(token)
