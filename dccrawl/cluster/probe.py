"""The few list pages that list-mode planning reads from the site, from the command line.

Planning a list-mode crawl needs the gallery's kind, its last list page and the
newest post number at the top of each shard's first page. Those are a handful of
requests, made here with ``urllib`` at the politeness delay of the settings and
retried like the spider retries them (HTTP 429/5xx, empty or cut-off pages,
dropped connections). The pages are classified and parsed by ``dccrawl.site``,
the same code the spider uses, so the planner and the crawl agree on what a
row is (notices, surveys and ads are not posts).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from dccrawl.site import lists, urls
from dccrawl.site.errors import PageError
from dccrawl.site.signals import classify

logger = logging.getLogger(__name__)


class ProbeError(Exception):
    """The site could not tell what planning needs; the message says why."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, text and the URL it came from (after redirects)."""

    status: int
    text: str
    url: str


Fetch = Callable[[str], Answer]


def urllib_fetch(user_agent: str, timeout: float) -> Fetch:
    """A fetch function over ``urllib`` with the crawl's User-Agent."""

    def fetch(url: str) -> Answer:
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
                return Answer(response.status, body.decode("utf-8", "replace"), response.url)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8", "replace"), url)

    return fetch


@dataclass
class SiteProbe:
    """Reads list pages of one gallery, politely and with retries."""

    gallery: str
    base_url: str
    fetch: Fetch
    list_num: int = 100
    delay: float = 0.5
    retries: int = 5
    sleep: Callable[[float], None] = time.sleep
    _last_request: float = 0.0

    def _get(self, url: str) -> Answer | None:
        """One request after the politeness delay; None when the connection failed."""
        wait = self._last_request + self.delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()
        try:
            return self.fetch(url)
        except (urllib.error.URLError, OSError) as error:
            logger.warning("%s: %s", url, error)
            return None

    def _list_answer(self, url: str) -> tuple[Answer, str]:
        """The answer to a list URL and its signal kind, retrying broken and throttled answers."""
        why = "no answer"
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(30.0, max(1.0, self.delay) * 2 ** (attempt - 1)))
            answer = self._get(url)
            if answer is None:
                continue
            signal = classify(answer.text, "list", status=answer.status, url=answer.url)
            if signal.kind in ("broken", "rate_limited"):
                why = f"{signal.kind}: {signal.reason}"
                logger.warning("%s answered %s; retrying", url, why)
                continue
            if signal.kind == "redirect":
                return answer, f"redirect:{signal.target_kind or ''}"
            return answer, signal.kind
        raise ProbeError(f"{url} gave no usable list page after {self.retries + 1} tries ({why})")

    def detect_kind(self) -> str:
        """major, minor, mini or person, from the site's answer to a /board/ list request."""
        url = urls.list_url(self.gallery, "major", page=1, list_num=30, base_url=self.base_url)
        _answer, kind = self._list_answer(url)
        if kind == "ok":
            return "major"
        if kind.startswith("redirect:") and kind != "redirect:":
            return kind.split(":", 1)[1]
        if kind == "unknown_gallery":
            raise ProbeError(f"gallery {self.gallery!r} does not exist on {self.base_url}")
        raise ProbeError(
            f"could not tell the kind of gallery {self.gallery!r} ({url} answered {kind}); "
            "pass -a kind=major|minor|mini|person"
        )

    def list_page(self, kind: str, page: int) -> lists.ListPage:
        """List page ``page`` of the gallery, parsed."""
        url = urls.list_url(
            self.gallery,
            kind,  # type: ignore[arg-type]
            page=page,
            list_num=self.list_num,
            base_url=self.base_url,
        )
        answer, signal = self._list_answer(url)
        if signal == "unknown_gallery":
            raise ProbeError(f"gallery {self.gallery!r} does not exist on {self.base_url}")
        if signal != "ok":
            raise ProbeError(f"{url} is not a list page of a {kind} gallery ({signal})")
        try:
            return lists.parse_list_page(answer.text)
        except PageError as error:
            raise ProbeError(f"{url}: unparseable list page ({error.reason})") from None

    def top_post(self, kind: str, page: int) -> int | None:
        """The newest post number on list page ``page`` (notices excluded); None past the end."""
        rows = self.list_page(kind, page).rows
        return max(row.post_no for row in rows) if rows else None
