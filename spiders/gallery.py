"""The gallery spider: from a gallery id to every post and comment in it.

Usage::

    scrapy crawl gallery -a gallery=programming [-a ARG=VALUE ...]

Arguments (all strings, as scrapyd passes them; checked before any request):

``gallery`` (required)
    The gallery id, as in ``?id=`` of the site's URLs, e.g. ``programming``.
``kind``
    ``major`` (/board/), ``minor`` (/mgallery/board/), ``mini`` (/mini/board/)
    or ``person`` (/person/board/). Default: found by probing the four prefixes
    (one small list request each, counted in ``dccrawl/kind_probes``): the kind
    whose list page is this gallery's own (its ``gallery_id``/``_GALLTYPE_``
    inputs). An id that is a gallery under two prefixes stops the crawl (exit 2)
    rather than guess which one was meant.
``pages=A-B``
    List pages to follow (``A-`` means to the last page). Default: all.
``posts=A-B``
    Backfill mode: crawl view pages of post numbers A..B directly, newest first,
    without the list. Missing (404) and deleted numbers cost one small request.
``recommend=1``
    Follow the 개념글 (recommended) list instead of the full list.
``search=WORD`` and ``search_type=subject|memo|subject_memo|name|comment``
    Follow the gallery's search results (default type ``subject_memo``) through
    all of its 10,000-post search windows.
``head=ID``
    Only the posts of one 말머리 (the numeric ``search_head`` id).
``since_no=N``
    Incremental: only posts numbered above N; paging stops at the first list
    page that reaches N.
``until_no=N``
    List modes: only posts numbered N or below (rows above N are read, not
    followed). With ``since_no`` it bounds a list-mode shard of the scrapyd
    scheduler by post numbers, which new posts cannot shift.
``since=YYYY-MM-DD``
    Incremental: only posts written on or after that day (KST); paging stops at
    the first list page that reaches older posts.
``comments=0``
    Do not fetch comments.
``render=comments``
    Read every post's comments from the page a browser renders (scrapy-playwright)
    instead of the comment endpoint. Without it the browser is only the fallback for
    posts whose endpoint refuses or fails.
``list_num=30|50|100``
    Rows per list page (default 100: the fewest list requests).
``media=1|all``
    Also download each post's images and attachments (``all``: and its comments'
    dccons) into ``FILES_STORE``, recorded in ``post_media`` (``pipelines/media.py``).
    Default: the ``DCCRAWL_MEDIA`` setting (off).
``shard=ID``
    Set by the scrapyd scheduler (``python -m dccrawl schedule``): the shard of
    the crawl this job runs, so its counts go to the shard ledger.
``refresh=HORIZON``
    Refresh mode (``7d``, ``48h``, ``90m``, or a post number): read the list from page 1
    down to the horizon and fetch only what changed since the stored crawl
    (``dccrawl/refresh.py``): new posts whole; for stored posts whose row counts more
    comments, only the comment pages that can hold them; other changes the row shows
    (views, 추천, title, 개념글) are stored from the row without a request; stored posts of
    the horizon no list page showed get one view request (deleted → ``is_deleted``).
``cycle=ID``
    Set by ``python -m dccrawl follow``: the ``follow_cycles`` row this refresh reports to.
``retry=1``
    Set by ``python -m dccrawl retry``: instead of starting at the first page, fetch
    again the pages the failure ledger (``crawl_failures``) holds for a crawl of the
    same other arguments: list pages (and the pages after them where the lost crawl
    never got there), view pages, posts whose comments were not all read, and the
    unfinished rest of a ``posts`` range.

Every page given up (after all retries, while the site was not blocking) is recorded
in the failure ledger as a ``PageFailure`` item, and a later success clears it.

The spider decides where to go. What a page means is parsed by ``dccrawl.site``
and normalized by ``dccrawl.loaders``; what is stored is decided by the pipelines.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.http import FormRequest, Request, Response
from scrapy_playwright.page import PageMethod

from dccrawl import browser, refresh
from dccrawl import stats as S
from dccrawl.arguments import GalleryArguments, parse_arguments, parse_media
from dccrawl.blockguard import Unfetched, crawl_stopped_by_block
from dccrawl.db.connect import resolve_database
from dccrawl.db.failures import Failure, read_failures
from dccrawl.items import MediaPost, PageDone, PageFailure, Post
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.middlewares import PAGE_META, SIGNAL_META
from dccrawl.normalize import best_time
from dccrawl.site import comments as comment_pages
from dccrawl.site import lists, rendered, urls, videos, views
from dccrawl.site.errors import PageError, RefusedPage
from dccrawl.site.signals import PageSignal, classify

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure as TwistedFailure

logger = logging.getLogger(__name__)

# Scheduler priorities: finish what is started before starting more, so the
# queue (and memory) stays small: comment pages, then view pages, then the
# next list page.
PRIORITY_COMMENTS = 20
PRIORITY_VIEW = 10
PRIORITY_LIST = 0

# A view request's meta: the comment count of the post's list row (``[N/M]``: N + M), when
# the post was found on a list page.
LIST_COMMENTS_META = "list_comments"
# A list request's meta: False for a page read again from the failure ledger whose
# following pages were read already (its rows are wanted, not its pager).
FOLLOW_META = "follow_pages"
# A view request's meta: (is_notice, is_recommended) of the post's list row, if it had one.
LIST_FLAGS_META = "list_flags"
# A view request's meta in refresh mode: True for a deletion check of a stored post.
STORED_META = "stored_post"


@dataclass(slots=True)
class CommentThread:
    """One post's comment pages while they are being read, to prove the thread complete.

    ``requested``/``finished`` are comment page numbers; ``collected`` the distinct
    comment numbers read (ad rows are none; deleted-but-shown rows are); ``expected`` the
    latest ``total_cnt`` the endpoint answered (0 once the post is gone). ``tracked`` is
    False for a thread whose first pages a stopped run read (a resumed JOBDIR job): it
    is followed, not judged.
    Dropped when its last requested page is finished: a few page numbers and one int per
    comment, for posts in flight only.
    """

    requested: set[int] = field(default_factory=set)
    finished: set[int] = field(default_factory=set)
    collected: set[int] = field(default_factory=set)
    expected: int | None = None
    tracked: bool = True
    # A page answered as the site does for a deleted post (no rows, total_cnt 0): pages
    # answered before the deletion but parsed after it must not bring the count back.
    gone: bool = False
    # Refresh mode: the first page asked for. Pages before it are not taken from the pager;
    # while the comments known fall short of the count, the walk goes back one page.
    floor: int = 1


class GalleryFailed(Exception):
    """The whole crawl cannot go on (unknown gallery, wrong kind); the message says why."""


class GalleryAmbiguous(GalleryFailed):
    """The gallery id names galleries of more than one kind: the user must say which."""


def _signal(response: Response, page: str) -> PageSignal:
    """The middleware's verdict on ``response``, or a fresh one where it gave none."""
    signal = response.meta.get(SIGNAL_META)
    if isinstance(signal, PageSignal):
        return signal
    return classify(response.body, page, status=response.status, url=response.url)  # type: ignore[arg-type]


class GallerySpider(scrapy.Spider):
    """Crawls one DCInside gallery: list pages → view pages → comment pages."""

    name = "gallery"
    # "off" | "posts" | "all": which files pipelines/media.py downloads (set in from_crawler).
    media = "off"

    def __init__(self, arguments: GalleryArguments, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.args = arguments
        self.gallery = arguments.gallery
        self.list_num = arguments.list_num
        self.base_url = base_url.rstrip("/")
        self.kind: str | None = arguments.kind
        # The arguments as given (set by from_crawler): a JOBDIR records them.
        self.raw_arguments: dict[str, Any] = {}
        # scrapyd's job id (its _job argument), for the shard ledger; None outside scrapyd.
        self.job_id: str | None = None
        # Post numbers whose view page was requested in this job: pagination
        # shifts show the same row twice; one view request is enough.
        self._requested_posts: set[int] = set()
        # Post numbers whose comments were sent to the browser: one fallback per post,
        # however many of its comment pages fail.
        self._rendered_posts: set[int] = set()
        # Posts whose comment endpoint pages are being read (CommentThread).
        self._threads: dict[int, CommentThread] = {}
        # The last list page of each search window (None: the plain list), once a page
        # has shown its pager: a lost list page is skipped, not the pages after it.
        self._list_last: dict[int | None, int] = {}
        # Failure ledger pages (kind, path) recorded by this job: once each.
        self._recorded: set[tuple[str, str]] = set()
        # A block outlasted the limit (no JOBDIR): no new request; where we were is recorded.
        self._stopped_by_block = False
        # Pages stopped parsing (_page_drift): the crawl is closing, said once.
        self._drifted = False
        # Refresh mode (dccrawl/refresh.py): the stored posts' reader, the stored live posts
        # of the horizon, the post numbers the list showed, whether every list page down to
        # the horizon was read, and what a full re-crawl of the rows read would have cost.
        self._stored: refresh.StoredPosts | None = None
        self._horizon_live: set[int] = set()
        self._listed: set[int] = set()
        self._listing_complete = True
        self._full_cost = 0
        # Posts a deletion check asked for, with what was stored (comments: only if grown).
        self._checked: dict[int, refresh.StoredPost] = {}
        self._refresh_started = datetime.now(KST)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GallerySpider:
        arguments = parse_arguments(kwargs)
        base_url = crawler.settings.get("DCCRAWL_BASE_URL") or urls.DEFAULT_BASE_URL
        spider = cls(arguments, base_url)
        spider._set_crawler(crawler)
        spider.raw_arguments = {k: v for k, v in kwargs.items() if k != "_job"}
        spider.job_id = str(kwargs["_job"]) if kwargs.get("_job") else None
        crawler.signals.connect(spider._restore_state, signal=signals.spider_opened)
        crawler.signals.connect(spider._block_stopped, signal=crawl_stopped_by_block)
        # Which files the media pipeline downloads: the argument, else the setting.
        spider.media = (
            arguments.media
            if arguments.media is not None
            else parse_media(crawler.settings.get("DCCRAWL_MEDIA"), "DCCRAWL_MEDIA")
        )
        return spider

    # --- bookkeeping --------------------------------------------------------------

    def _count(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def _count_max(self, key: str, value: int) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.max_value(key, value)

    def _fail(self, message: str) -> None:
        """Record why the whole run failed; the exit-code extension turns it into exit 1."""
        assert self.crawler.stats is not None
        logger.error("%s", message)
        self.crawler.stats.set_value(S.FAILED_REASON, message)

    def _usage_error(self, message: str) -> None:
        """The arguments cannot be crawled as given; exit 2 with this one line."""
        assert self.crawler.stats is not None
        logger.error("%s", message)
        self.crawler.stats.set_value(S.USAGE_ERROR, message)

    def _page_drift(self, page_kind: str, why: str, url: str, *, at_once: bool = False) -> None:
        """A page of ``page_kind`` parsed into nothing usable, the way a redesign of the site
        makes it: count it; the ``DCCRAWL_DRIFT_PAGES``-th (or with ``at_once``, the first)
        stops the crawl (exit 1) with one line naming the page kind and a page that shows
        it, rather than crawling on storing holes (``dccrawl/quality.py`` does the same for
        fields)."""
        if self._drifted:
            return  # the crawl is stopping already: one line says why
        key = f"{S.DRIFT_PAGES}/{page_kind}"
        self._count(key)
        if not at_once and self._count_value(key) < self.settings.getint("DCCRAWL_DRIFT_PAGES", 3):
            logger.warning("%s page %s: %s", page_kind, url, why)
            return
        message = (
            f"the site's markup seems to have changed: {page_kind} pages no longer parse "
            f"({why}); e.g. {url}; the crawl stops so as not to store more of it"
        )
        logger.error("Crawl stopped: %s", message)
        self._drifted = True
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(S.FAILED_REASON, f"drift: {message}")
        self.crawler.stats.set_value(S.DRIFT, f"page.{page_kind}")
        raise CloseSpider("drift")

    def _give_up(
        self,
        url: str,
        why: str,
        *,
        page_kind: str,
        post_no: int | None = None,
        follow_pages: bool = False,
        list_row: dict[str, Any] | None = None,
    ) -> Iterator[PageFailure]:
        """One page is lost for good: say which and why, count it, record it in the failure
        ledger (``page_kind`` list/view/comments; ``post_no`` for the latter two), go on."""
        self._count(S.PAGES_FAILED)
        logger.error("Gave up on %s: %s", url, why)
        yield from self._record(
            url, why, page_kind, post_no, follow_pages=follow_pages, list_row=list_row
        )

    def _record(
        self,
        url: str,
        why: str,
        page_kind: str,
        post_no: int | None = None,
        *,
        follow_pages: bool = False,
        list_row: dict[str, Any] | None = None,
    ) -> Iterator[PageFailure]:
        """The failure ledger's item for a lost page (none if this job recorded it already).

        A post's view and comments are recorded under the post's view page path, a list
        page under its own path and query."""
        path = self._view_path(post_no) if post_no is not None else _path(url)
        if (page_kind, path) in self._recorded:
            return
        self._recorded.add((page_kind, path))
        yield PageFailure(
            gallery_id=self.gallery,
            page_kind=page_kind,
            path=path,
            post_no=post_no,
            reason=why,
            arguments=self.raw_arguments,
            follow_pages=follow_pages,
            list_row=list_row,
            seen_at=datetime.now(KST),
        )

    @staticmethod
    def _list_row_of(meta: dict[str, Any]) -> dict[str, Any] | None:
        """What a view request's list row showed, for its ledger row (None: no list row)."""
        flags = meta.get(LIST_FLAGS_META)
        if flags is None:
            return None
        return {
            "comments": meta.get(LIST_COMMENTS_META),
            "is_notice": flags[0],
            "is_recommended": flags[1],
        }

    def _done(self, page_kind: str, path: str) -> PageDone:
        """The item that clears a page from the failure ledger: it was read."""
        return PageDone(
            gallery_id=self.gallery, page_kind=page_kind, path=path, seen_at=datetime.now(KST)
        )

    def _block_stopped(self) -> None:
        """A block outlasted the limit and the queue is drained into the ledger: no new
        requests (the posts=A-B walk records where it stopped)."""
        self._stopped_by_block = True

    def page_failure(self, request: Request, why: str) -> list[PageFailure]:
        """The ledger item for a page whose callback raised (``dccrawl/callbackerrors.py``)."""
        return list(self._record_request(request, why))

    def _record_request(
        self, request: Request, why: str, *, follow_pages: bool = False
    ) -> Iterator[PageFailure]:
        """The ledger item for a request's page: a list page by its path; a view page by
        its post (with its list row); a comment page or a browser reading as the post's
        comments. Requests of no page kind (video players) record nothing."""
        kind = request.meta.get(PAGE_META)
        post_no = request.meta.get("post_no")
        if kind == "list":
            yield from self._record(request.url, why, "list", follow_pages=follow_pages)
        elif kind in ("view", "comments") and isinstance(post_no, int):
            rendered = request.meta.get("playwright")
            page_kind = "view" if kind == "view" and not rendered else "comments"
            listed = self._list_row_of(request.meta) if page_kind == "view" else None
            yield from self._record(request.url, why, page_kind, post_no, list_row=listed)

    # --- start: find the gallery's kind, then the first requests -------------------

    def _restore_state(self, spider: scrapy.Spider) -> None:
        """A resumed JOBDIR job knows its gallery's kind before any queued request is answered.

        Scrapy's SpiderState extension loads ``self.state`` in ``spider_opened``; whether
        its handler runs before this one depends on the order Scrapy connected them
        (measured on 2.19: after), so :meth:`start` calls this again. Requests queued by
        the stopped run (view and comment pages) must never reach a callback of a
        spider that does not yet know where it is."""
        state = getattr(self, "state", None)
        if self.kind is None and isinstance(state, dict) and state.get("kind"):
            self.kind = str(state["kind"])
            logger.info(
                "Gallery %s is a %s gallery (from the resumed job)", self.gallery, self.kind
            )

    async def start(self) -> AsyncIterator[Any]:
        # Again here: Scrapy connects the spider's handlers before its extensions', so in
        # spider_opened the SpiderState extension may not have loaded the state yet. start()
        # runs after every spider_opened handler and before any queued answer is parsed.
        self._restore_state(self)
        if self.kind is None:
            try:
                self.kind = await self._detect_kind()
            except GalleryAmbiguous as failure:
                self._usage_error(str(failure))
                return
            except GalleryFailed as failure:
                self._fail(str(failure))
                return
            logger.info("Gallery %s is a %s gallery", self.gallery, self.kind)
        state = getattr(self, "state", None)
        if isinstance(state, dict):  # kept in JOBDIR for a resumed run (_restore_state)
            state["kind"] = self.kind
        if self.args.retry:
            async for request in self._retry_requests():
                yield request
        elif self.args.mode == "refresh":
            if await self._open_refresh():
                yield self._list_request(1)
        elif self.args.mode == "posts":
            assert self.args.posts is not None and self.args.posts.last is not None
            async for request in self._backfill_requests(self.args.posts.last):
                yield request
        else:
            yield self._list_request(self.args.pages.first if self.args.pages else 1)

    async def _detect_kind(self) -> str:
        """Probe the four prefixes; the one kind whose list page is this gallery's own.

        A list page answered under a prefix is confirmed by the page itself (its
        ``gallery_id`` and ``_GALLTYPE_`` inputs), never taken from the prefix alone.
        The minor-gallery redirect of ``/board/`` (the site's own answer for a minor id,
        SITE.md §1.1) is recorded as evidence; the ``/mgallery/`` probe confirms it.
        """
        found: list[str] = []
        seen: list[str] = []
        failures: list[str] = []
        for kind in urls.KINDS:
            answer = await self._probe_kind(kind)
            seen.append(f"{urls.list_url(self.gallery, kind, base_url='')} {answer}")
            if answer == "is this gallery":
                found.append(kind)
            elif answer.startswith("could not"):
                failures.append(answer)
        logger.info("Gallery %s: %s", self.gallery, "; ".join(seen))
        if len(found) == 1:
            return found[0]
        if found:
            raise GalleryAmbiguous(
                f"Gallery id {self.gallery!r} is a gallery of more than one kind on "
                f"{self.base_url} ({', '.join(found)}): say which with "
                + " or ".join(f"-a kind={kind}" for kind in found)
            )
        if failures:
            raise GalleryFailed(
                f"Could not tell the kind of gallery {self.gallery!r}: {'; '.join(failures)}; "
                "pass -a kind=... to skip this"
            )
        raise GalleryFailed(f"Gallery {self.gallery!r} does not exist on {self.base_url}")

    async def _probe_kind(self, kind: str) -> str:
        """What one prefix answers for the gallery id, in words for the log."""
        url = urls.list_url(self.gallery, kind, page=1, list_num=30, base_url=self.base_url)  # type: ignore[arg-type]
        assert self.crawler.engine is not None
        request = Request(url, dont_filter=True, meta={PAGE_META: "list"})
        self._count(S.KIND_PROBES)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as error:
            return f"could not reach {url}: {error}"
        signal = _signal(response, "list")
        if signal.kind == "redirect":
            return f"redirects to a {signal.target_kind or 'other'} gallery"
        if signal.kind == "unknown_gallery":
            return "has no such gallery"
        if signal.kind != "ok":
            return f"could not read {url}: {response.status} ({signal.kind}: {signal.reason})"
        try:
            page = lists.parse_list_page(response.text)
        except PageError as error:
            return f"could not read {url}: {error.reason}"
        galltype = urls.kind_from_galltype(page.galltype) if page.galltype else None
        if page.gallery_id not in (None, self.gallery) or galltype not in (None, kind):
            return f"lists another gallery ({page.gallery_id} {page.galltype})"
        return "is this gallery"

    async def _backfill_requests(self, last: int) -> AsyncIterator[Request | PageFailure]:
        """View requests for posts=A-``last``, newest first, made only as fast as they are
        used. A block that stops the crawl leaves the rest to the failure ledger (a
        ``posts`` row: from this number down)."""
        posts = self.args.posts
        assert posts is not None
        first = max(posts.first, (self.args.since_no or 0) + 1)
        self._count_max(S.POSTS_EXPECTED, max(0, last - first + 1))
        engine = self.crawler.engine
        assert engine is not None
        for post_no in range(last, first - 1, -1):
            if engine.needs_backout() or engine.paused:
                # A full downloader, or a paused one (a block): the next numbers wait
                # until the queue is empty, so a range of millions never fills memory.
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            if self._stopped_by_block:
                why = f"not fetched: a block stopped the crawl before post {post_no}"
                for item in self._record(self._view_url(post_no), why, "posts", post_no):
                    yield item
                return
            request = self._view_request(post_no)
            if request is not None:
                yield request

    # --- retry: start from the failure ledger ----------------------------------------------

    async def _retry_requests(self) -> AsyncIterator[Request | PageDone]:
        """The requests that fetch again what the failure ledger holds for this crawl."""
        failures = await self._ledger()
        self._count(S.LEDGER_RETRIED, len(failures))
        if not failures:
            logger.info(
                "Retry: the failure ledger holds no page of %s for a crawl with these "
                "arguments; nothing to do",
                self.gallery,
            )
            return
        kinds = {
            kind: sum(f.page_kind == kind for f in failures)
            for kind in ("list", "view", "comments", "posts")
        }
        logger.info(
            "Retry: fetching again %d page(s) of %s from the failure ledger (%s)",
            len(failures),
            self.gallery,
            ", ".join(f"{kind} {count}" for kind, count in kinds.items() if count),
        )
        ranges: list[Failure] = []
        for failure in failures:
            if failure.page_kind == "list":
                yield self._ledger_list_request(failure)
            elif failure.page_kind == "posts":
                ranges.append(failure)
            elif failure.post_no is not None:  # view, comments: the view page reads both
                listed = failure.list_row or {}
                flags = (
                    (bool(listed.get("is_notice")), bool(listed.get("is_recommended")))
                    if listed
                    else None
                )
                request = self._view_request(failure.post_no, listed.get("comments"), flags=flags)
                if request is not None:
                    yield request
        for failure in ranges:
            if self.args.posts is None or failure.post_no is None:
                continue
            async for item in self._backfill_requests(failure.post_no):
                yield item
            if not self._stopped_by_block:
                yield self._done("posts", failure.path)

    async def _ledger(self) -> list[Failure]:
        """This crawl's rows of the failure ledger (same gallery and other arguments)."""
        target = await asyncio.to_thread(resolve_database, self.settings)
        try:
            async with await psycopg.AsyncConnection.connect(target.url) as conn:
                return await read_failures(conn, self.gallery, self.raw_arguments)
        except psycopg.Error as error:
            self._fail(f"Retry: cannot read the failure ledger in {target.redacted}: {error}")
            return []

    def _ledger_list_request(self, failure: Failure) -> Request:
        """A list page the ledger holds, asked again at its recorded path and query."""
        query = parse_qs(urlsplit(failure.path).query)
        page = int(query.get("page", ["1"])[0])
        search_pos = int(query["search_pos"][0]) if "search_pos" in query else None
        request = self._list_request(page, search_pos=search_pos, recheck=False)
        return request.replace(
            url=self.base_url + failure.path,
            dont_filter=True,
            meta={**request.meta, FOLLOW_META: failure.follow_pages},
        )

    # --- list pages -------------------------------------------------------------------

    def _list_request(
        self, page: int, *, search_pos: int | None = None, recheck: bool = False
    ) -> Request:
        assert self.kind is not None
        searching = self.args.search is not None
        url = urls.list_url(
            self.gallery,
            self.kind,  # type: ignore[arg-type]
            page=page,
            list_num=self.args.list_num,
            recommend=self.args.recommend,
            search_head=self.args.head,
            s_type=self.args.search_type if searching else None,
            s_keyword=self.args.search,
            search_pos=search_pos,
            base_url=self.base_url,
        )
        refreshing = self.args.mode == "refresh" and not self.args.retry
        return Request(
            url,
            callback=self.parse_refresh_list if refreshing else self.parse_list,
            errback=self.on_error,
            priority=PRIORITY_LIST,
            dont_filter=recheck,
            meta={PAGE_META: "list", "page": page, "search_pos": search_pos, "recheck": recheck},
        )

    def parse_list(self, response: Response) -> Iterator[Any]:
        """One list page: its post rows become view requests; then the next page."""
        signal = _signal(response, "list")
        if signal.kind != "ok":
            yield from self._list_signal(response, signal)
            return
        try:
            # The text, not the response: ``response.selector`` would tie the response
            # and its parsed tree into a reference cycle, freed only by the cyclic
            # garbage collector (which runs rarely during a crawl, extensions/gctuning.py).
            page = lists.parse_list_page(response.text)
        except PageError as error:
            yield from self._list_lost(response.request, f"unparseable list page ({error.reason})")
            return
        self._check_list_rows(page, response)
        yield self._done("list", _path(response.url))
        self._count(S.LIST_RECHECKS if response.meta["recheck"] else S.LIST_PAGES)
        for kind in page.row_kinds if not response.meta["recheck"] else ():
            if kind not in ("post", "notice"):
                self._count(f"{S.ROWS_SKIPPED}/{kind}")

        # Notices first (every page repeats them: the job asks for each once).
        for row in (*page.notices, *page.rows):
            if self._row_wanted(row):
                request = self._view_request(row.post_no, self._row_comments(row), row)
                if request is not None:
                    yield request
        if response.meta["recheck"] or not response.meta.get(FOLLOW_META, True):
            return  # a recheck only looks for rows that moved up; it does not page on
        yield from self._next_list_requests(response, page)

    # --- refresh mode: compare each row with the database (dccrawl/refresh.py) ------------

    async def _open_refresh(self) -> bool:
        """Open the stored posts' reader and load the horizon's stored live posts."""
        horizon = self.args.refresh
        assert horizon is not None
        target = await asyncio.to_thread(resolve_database, self.settings)
        self._stored = refresh.StoredPosts(target.url)
        self._refresh_started = datetime.now(KST)
        try:
            self._horizon_live = await self._stored.live_in_horizon(
                self.gallery, horizon, self._refresh_started
            )
        except psycopg.Error as error:
            self._fail(f"Refresh: cannot read the stored posts in {target.redacted}: {error}")
            return False
        self._count_max(S.REFRESH_IN_HORIZON, len(self._horizon_live))
        logger.info(
            "Refresh of %s down to %s: %d stored live post(s) in the horizon",
            self.gallery,
            horizon,
            len(self._horizon_live),
        )
        if not self._horizon_live:
            logger.warning(
                "Refresh of %s: no stored post in the horizon; every listed post is new "
                "(a first crawl of the gallery is a plain scrapy crawl gallery)",
                self.gallery,
            )
        return True

    async def parse_refresh_list(self, response: Response) -> AsyncIterator[Any]:
        """One list page of a refresh: each row against its stored post; then the next page,
        or (the horizon reached) the deletion checks."""
        signal = _signal(response, "list")
        if signal.kind != "ok":
            for output in self._list_signal(response, signal):
                yield output
            return
        try:
            page = lists.parse_list_page(response.text)
        except PageError as error:
            for output in self._list_lost(
                response.request, f"unparseable list page ({error.reason})"
            ):
                yield output
            return
        self._check_list_rows(page, response)
        yield self._done("list", _path(response.url))
        self._count(S.LIST_PAGES)
        listed_at = datetime.now(KST)
        rows = [*page.notices, *page.rows]
        assert self._stored is not None
        stored = await self._stored.posts(self.gallery, (row.post_no for row in rows))
        grown: dict[int, refresh.StoredPost] = {}  # posts with new comments
        for row in rows:
            for output in self._refresh_row(row, stored.get(row.post_no), listed_at, grown):
                yield output
        if grown:  # their stored comment numbers, in one query, then their comment pages
            known = await self._stored.comment_numbers(self.gallery, grown)
            for post_no, post in grown.items():
                start = refresh.first_comment_page(post.comment_rows)
                self._threads[post_no] = CommentThread(collected=known[post_no], floor=start)
                yield self._comment_request(self._list_context(page, post_no), post_no, start)
        number: int = response.meta["page"]
        last = page.last_page or number
        self._list_last[None] = max(last, self._list_last.get(None, 0))
        self._count_max(S.LIST_PAGES_KNOWN, last)
        now = datetime.now(KST)
        horizon = self.args.refresh
        assert horizon is not None
        times = [(row.post_no, self._row_time(row)) for row in page.rows]
        if refresh.page_reaches_horizon(horizon, times, now) or number >= last or not page.rows:
            logger.info(
                "%s: list page %d reaches the refresh horizon (%s); listing done",
                self.gallery,
                number,
                horizon,
            )
            async for output in self._deletion_checks():
                yield output
        elif not self._stopped_by_block:
            yield self._list_request(number + 1)

    def _refresh_row(
        self,
        row: lists.ListRow,
        stored: refresh.StoredPost | None,
        listed_at: datetime,
        grown: dict[int, refresh.StoredPost],
    ) -> Iterator[Any]:
        """What one row needs: a new post whole, or the row's values (and, noted in
        ``grown``, the comment pages of a post with new comments)."""
        if row.post_no in self._listed:
            return  # a notice repeated on every page, or a row shifted onto the next page
        self._listed.add(row.post_no)
        self._count(S.REFRESH_ROWS)
        state = refresh.RowState.of(row, in_recommend_list=self.args.recommend)
        if not row.is_notice:
            self._full_cost += 1 + -(-(state.comments or 0) // refresh.COMMENT_PAGE_SIZE)
        decision = refresh.decide(state, stored)
        if decision is refresh.Decision.SAME:
            return
        if decision is refresh.Decision.NEW:
            self._count(S.REFRESH_NEW)
            request = self._view_request(row.post_no, self._row_comments(row), row)
            if request is not None:
                yield request
            return
        self._count(S.REFRESH_CHANGED)
        yield state.item(self.gallery, listed_at)
        if decision is refresh.Decision.COMMENTS and stored is not None:
            self._count(S.REFRESH_COMMENT_POSTS)
            grown[row.post_no] = stored

    def _list_context(self, page: lists.ListPage, post_no: int) -> views.CommentContext:
        """The comment endpoint's form fields for a post, from its list page (the page's
        ``e_s_n_o`` and gallery type are the view page's too)."""
        assert self.kind is not None
        return views.CommentContext(
            gallery_id=self.gallery,
            post_no=post_no,
            e_s_n_o=page.e_s_n_o,
            gall_type=page.galltype or urls.galltype(self.kind),  # type: ignore[arg-type]
            board_type=None,
            secret_article_key=None,
            cmt_id=None,
            cmt_no=None,
            comment_cnt=None,
        )

    async def _deletion_checks(self) -> AsyncIterator[Request]:
        """The stored live posts of the horizon that no list page showed: one view each."""
        if not self._listing_complete:
            logger.warning(
                "Refresh of %s: a list page was lost, so posts it listed cannot be told "
                "from deleted ones; no deletion check this time (the failure ledger holds it)",
                self.gallery,
            )
            return
        unlisted = sorted(self._horizon_live - self._listed, reverse=True)
        if not unlisted:
            return
        assert self._stored is not None
        stored = await self._stored.posts(self.gallery, unlisted)
        logger.info(
            "Refresh of %s: %d stored post(s) of the horizon were not listed; reading their "
            "view pages (deleted ones are marked)",
            self.gallery,
            len(unlisted),
        )
        for post_no in unlisted:
            request = self._view_request(post_no)
            if request is None:
                continue
            self._count(S.REFRESH_CHECKS)
            request.meta[STORED_META] = True
            checked = stored.get(post_no)
            if checked is not None:
                self._checked[post_no] = checked
            yield request

    def closed(self, reason: str) -> None:
        """A refresh's last word: what it read and fetched, and what it saved."""
        if self.args.mode != "refresh" or self.crawler.stats is None:
            return
        stats = self.crawler.stats.get_stats()
        requests = S.count(stats, "downloader/request_count")
        full = S.count(stats, S.LIST_PAGES) + self._full_cost
        self.crawler.stats.set_value(S.REFRESH_SAVED, max(0, full - requests))
        logger.info(
            "Refresh of %s: %d row(s) compared: %d new, %d changed (%d with new comments, "
            "%d comment page(s)), %d deletion check(s) (%d deleted); %d request(s), "
            "a full re-crawl of those rows ~%d",
            self.gallery,
            S.count(stats, S.REFRESH_ROWS),
            S.count(stats, S.REFRESH_NEW),
            S.count(stats, S.REFRESH_CHANGED),
            S.count(stats, S.REFRESH_COMMENT_POSTS),
            S.count(stats, S.REFRESH_COMMENT_PAGES),
            S.count(stats, S.REFRESH_CHECKS),
            S.count(stats, S.REFRESH_DELETED),
            requests,
            full,
        )

    def _check_list_rows(self, page: lists.ListPage, response: Response) -> None:
        """A whole list page (not the empty-result table) whose pager goes on past it but
        that shows no post row: the rows moved into markup the parser does not know."""
        number = response.meta.get("page", 1)
        if page.rows or page.notices or page.is_empty or (page.last_page or 0) <= number:
            return
        self._page_drift(
            "list",
            f"list page {number} of {page.last_page} shows no post row",
            response.url,
            at_once=True,
        )

    def _list_lost(self, request: Request | None, why: str) -> Iterator[PageFailure | Request]:
        """A list page is lost: record it, and go on with the next page where the last one
        is known (else the ledger row says the pages after it were never reached)."""
        assert request is not None
        meta = request.meta
        number, search_pos = meta.get("page", 1), meta.get("search_pos")
        last = self._list_last.get(search_pos)
        paging = not meta.get("recheck") and meta.get(FOLLOW_META, True)
        goes_on = paging and last is not None and number < last
        yield from self._give_up(
            request.url, why, page_kind="list", follow_pages=paging and not goes_on
        )
        if paging and not goes_on:
            self._listing_complete = False  # a refresh cannot tell deleted from unread
        if goes_on and not self._stopped_by_block:
            logger.info("%s: going on with list page %d", self.gallery, number + 1)
            yield self._list_request(number + 1, search_pos=search_pos)

    def _next_list_requests(self, response: Response, page: lists.ListPage) -> Iterator[Request]:
        number: int = response.meta["page"]
        search_pos: int | None = response.meta["search_pos"]
        first = self.args.pages.first if self.args.pages else 1
        last = page.last_page or number
        if self.args.pages and self.args.pages.last is not None:
            last = min(last, self.args.pages.last)
        if search_pos is None:
            self._count_max(S.LIST_PAGES_KNOWN, max(0, last - first + 1))
        self._list_last[search_pos] = max(last, self._list_last.get(search_pos, 0))

        if number > first and self.settings.getbool("DCCRAWL_LIST_RECHECK", True):
            # Posts deleted while we crawl shift rows up onto the page read
            # before this one: read it once more, and take the rows not yet seen.
            yield self._list_request(number - 1, search_pos=search_pos, recheck=True)
        if self._reached_since(page.rows):
            logger.info(
                "%s: list page %d reaches the since limit; paging stops here", self.gallery, number
            )
            return
        if number < last and page.rows:
            yield self._list_request(number + 1, search_pos=search_pos)
        elif self.args.search is not None and page.search_next is not None:
            # The end of one 10,000-post search window: go on with the next one.
            yield self._list_request(1, search_pos=page.search_next.search_pos)

    def _list_signal(self, response: Response, signal: PageSignal) -> Iterator[Any]:
        if signal.kind == "unknown_gallery":
            self._fail(f"Gallery {self.gallery!r} does not exist on {self.base_url}")
        elif signal.kind == "redirect":
            self._fail(
                f"Gallery {self.gallery!r} is not a {self.kind} gallery: the site redirects to "
                f"{signal.target_url}; use -a kind={signal.target_kind or '...'} or leave kind out"
            )
        else:
            why = f"{signal.kind} list page ({signal.reason})"
            yield from self._list_lost(response.request, why)
            return
        raise CloseSpider("gallery_failed")

    @staticmethod
    def _row_time(row: lists.ListRow) -> datetime | None:
        """When a row's post was written (the title attribute's full time wins)."""
        return best_time([row.date_title, row.date_text], datetime.now(KST))

    def _row_wanted(self, row: lists.ListRow) -> bool:
        """Rows older than since_no / since, or newer than until_no, are not crawled."""
        if self.args.since_no is not None and row.post_no <= self.args.since_no:
            return False
        if self.args.until_no is not None and row.post_no > self.args.until_no:
            return False
        if self.args.since is None:
            return True
        created = self._row_time(row)
        return created is None or created >= self.args.since

    @staticmethod
    def _row_comments(row: lists.ListRow) -> int | None:
        """The comments a list row counts, ``[N/M]`` → N + M (voice replies are comments
        too); None when its reply box is unreadable."""
        if row.comment_count is None:
            return None
        return row.comment_count + (row.voice_count or 0)

    def _reached_since(self, rows: list[lists.ListRow]) -> bool:
        """A list page with rows at or past the incremental limit is the last one needed."""
        if not rows:
            return False
        if self.args.since_no is not None and min(r.post_no for r in rows) <= self.args.since_no:
            return True
        if self.args.since is not None:
            times = [t for r in rows if (t := self._row_time(r)) is not None]
            return bool(times) and min(times) < self.args.since
        return False

    # --- view pages -------------------------------------------------------------------

    def _view_url(self, post_no: int) -> str:
        assert self.kind is not None
        return urls.view_url(self.gallery, post_no, self.kind, base_url=self.base_url)  # type: ignore[arg-type]

    def _view_path(self, post_no: int) -> str:
        """The view page's path and query: the failure ledger's name for the post's pages."""
        return _path(self._view_url(post_no))

    def _view_request(
        self,
        post_no: int,
        list_comments: int | None = None,
        row: lists.ListRow | None = None,
        *,
        flags: tuple[bool, bool] | None = None,
    ) -> Request | None:
        """The view page of ``post_no`` (once per job); ``list_comments`` is its list row's
        comment count, for a view page that does not show its own; ``row`` the list row
        whose flags (notice, 개념글) only the list shows."""
        if post_no in self._requested_posts:
            return None
        self._requested_posts.add(post_no)
        self._count(S.VIEWS_REQUESTED)
        return Request(
            self._view_url(post_no),
            callback=self.parse_view,
            errback=self.on_error,
            priority=PRIORITY_VIEW,
            meta={
                PAGE_META: "view",
                "post_no": post_no,
                LIST_COMMENTS_META: list_comments,
                LIST_FLAGS_META: self._list_flags(row) if row is not None else flags,
            },
        )

    def _list_flags(self, row: lists.ListRow) -> tuple[bool, bool]:
        """(is_notice, is_recommended) of a list row; every row of the 개념글 list is one."""
        in_recommend_list = bool(self.args.recommend) and not row.is_notice
        return row.is_notice, in_recommend_list or row.is_recommended

    def parse_view(self, response: Response) -> Iterator[Any]:
        """A post's view page: the post item, then its first comment page."""
        post_no: int = response.meta["post_no"]
        crawled_at = datetime.now(KST)
        signal = _signal(response, "view")
        if signal.kind == "missing":
            self._count(S.POSTS_MISSING)
            logger.debug("Post %s/%d does not exist (404)", self.gallery, post_no)
            if self.args.retry:  # (only a retry asks for a number the ledger may hold)
                yield self._done("view", self._view_path(post_no))
                yield self._done("comments", self._view_path(post_no))
            return
        if signal.kind == "deleted":
            self._count(S.POSTS_DELETED)
            self._count(S.POSTS)
            if STORED_META in response.meta:
                self._count(S.REFRESH_DELETED)
            yield self._deleted_post(post_no, crawled_at)
            return
        if signal.kind != "ok":
            yield from self._give_up(
                response.url,
                f"{signal.kind} view page ({signal.reason})",
                page_kind="view",
                post_no=post_no,
                list_row=self._list_row_of(response.meta),
            )
            return
        try:
            view = views.parse_view(response, url=response.url)
        except PageError as error:
            yield from self._give_up(
                response.url,
                f"unparseable view page ({error.reason})",
                page_kind="view",
                post_no=post_no,
                list_row=self._list_row_of(response.meta),
            )
            return
        if self.args.comments and not view.context.e_s_n_o:
            self._page_drift("view", "no e_s_n_o input: the comment endpoint's token", response.url)
        with_media = self.media != "off"
        loader = PostLoader(
            item=MediaPost() if with_media else None,
            crawled_at=crawled_at,
            base_url=self.base_url,
        )
        loader.add_value("gallery_id", self.gallery)
        loader.add_value("post_no", post_no)
        loader.add_value("gallery_kind", self.kind)
        loader.add_value("url", self._view_url(post_no))
        loader.add_view(view)
        # Only fills the gap of a view page that shows no comment count.
        listed: int | None = response.meta.get(LIST_COMMENTS_META)
        loader.add_value("comment_count", listed)
        flags: tuple[bool, bool] | None = response.meta.get(LIST_FLAGS_META)
        if flags is not None:  # read by number alone, they stay unknown (None)
            loader.add_value("is_notice", flags[0])
            loader.add_value("is_recommended", flags[1])
        if with_media:
            loader.add_attachments(view)
        post = loader.load_item()
        if with_media:
            players = [u for u in post.get("video_urls") or () if videos.is_uploaded_video(u)]
            if players:  # the files they play: read each player page first (parse_player)
                post["videos"] = []
                yield self._player_request(post, players, view.context, listed)
                return
        yield from self._post_and_comments(post, view.context, listed)

    def _post_and_comments(
        self, post: Post, context: views.CommentContext, listed: int | None
    ) -> Iterator[Any]:
        """The post item, then the first request of its comments (when it may have any)."""
        post_no: int = post["post_no"]
        self._count(S.POSTS)
        yield post
        shown = post.get("comment_count")
        if not self.args.comments or (shown == 0 and not listed):
            # Known to have none. An unknown count is no zero: the endpoint is asked.
            return
        stored = self._checked.pop(post_no, None)
        if stored is not None and shown is not None and shown <= (stored.comment_count or 0):
            return  # a refresh's deletion check found it alive, with no new comments
        if self.args.render == "comments":
            yield self._browser_request(post_no, expected=shown)
        else:
            self._threads[post_no] = CommentThread()
            yield self._comment_request(context, post_no, 1)

    # --- uploaded videos (media on) ---------------------------------------------------

    def _player_request(
        self,
        post: Post,
        players: list[str],
        context: views.CommentContext,
        listed: int | None,
    ) -> Request:
        """The first of ``players`` (movie player pages); the rest follow in turn."""
        url = players[0]
        return Request(
            self.base_url + videos.player_path(url),
            callback=self.parse_player,
            errback=self.on_player_error,
            priority=PRIORITY_VIEW,
            dont_filter=True,
            headers={"Referer": post.get("url") or self._view_url(post["post_no"])},
            cb_kwargs={"post": post, "players": players, "context": context, "listed": listed},
        )

    def parse_player(
        self,
        response: Response,
        post: Post,
        players: list[str],
        context: views.CommentContext,
        listed: int | None,
    ) -> Iterator[Any]:
        """A movie player page: the file it plays joins the post's ``videos``; next page,
        or the post and its comments."""
        file = videos.movie_file(response.text, response.url) if response.status == 200 else None
        yield from self._player_read(post, players, context, listed, file)

    def on_player_error(self, failure: TwistedFailure) -> Iterator[Any]:
        """A player page that could not be read: the video is recorded without its file."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        logger.info(
            "Post %s/%d: its video player page %s could not be read (%s)",
            self.gallery,
            kwargs["post"]["post_no"],
            request.url,
            failure.getErrorMessage(),
        )
        yield from self._player_read(
            kwargs["post"], kwargs["players"], kwargs["context"], kwargs["listed"], None
        )

    def _player_read(
        self,
        post: Post,
        players: list[str],
        context: views.CommentContext,
        listed: int | None,
        file: str | None,
    ) -> Iterator[Any]:
        post["videos"].append({"url": players[0], "file": file})
        if len(players) > 1:
            yield self._player_request(post, players[1:], context, listed)
        else:
            yield from self._post_and_comments(post, context, listed)

    def _deleted_post(self, post_no: int, crawled_at: datetime) -> Post:
        return Post(
            gallery_id=self.gallery,
            gallery_kind=self.kind,
            post_no=post_no,
            is_deleted=True,
            url=self._view_url(post_no),
            crawled_at=crawled_at,
        )

    # --- comments ---------------------------------------------------------------------

    def _comment_request(
        self, context: views.CommentContext, post_no: int, page: int
    ) -> FormRequest:
        """One comment page, noted as requested in the post's thread (if it is tracked)."""
        thread = self._threads.get(post_no)
        if thread is not None:
            thread.requested.add(page)
            if self.args.mode == "refresh":
                self._count(S.REFRESH_COMMENT_PAGES)
        view_url = self._view_url(post_no)
        url, form, headers = comment_pages.comment_request(
            context, view_url, page, base_url=self.base_url
        )
        return FormRequest(
            url,
            formdata=form,
            headers=headers,
            callback=self.parse_comments,
            errback=self.on_comment_error,
            priority=PRIORITY_COMMENTS,
            dont_filter=True,
            meta={
                PAGE_META: "comments",
                "post_no": post_no,
                "comment_page": page,
                "context": context,
            },
        )

    def parse_comments(self, response: Response) -> Iterator[Any]:
        """One page of the comment endpoint: its comments, and the pages its pager names.

        The pager shows a window of 15 pages (and maybe a 끝 link to the last), so every
        page's pager is read and the pages not yet asked for are requested: a site that
        hides 끝 is still walked window by window through 다음. A page without comment
        rows is past the end and asks for nothing. When a post's last requested page is
        done, what was read is compared with ``total_cnt`` (:meth:`_finish_thread`).
        """
        post_no: int = response.meta["post_no"]
        number: int = response.meta["comment_page"]
        crawled_at = datetime.now(KST)
        thread = self._threads.get(post_no)
        if thread is None and post_no not in self._rendered_posts:
            # Asked for by a stopped run of this job: follow its pager, judge nothing.
            thread = self._threads[post_no] = CommentThread({number}, tracked=False)
        try:
            # The middleware decoded the JSON to judge it: parse that, not the body again.
            page = comment_pages.parse_comment_page(
                _signal(response, "comments").payload or response.body
            )
        except RefusedPage as refusal:
            self._count(S.COMMENTS_REFUSED)
            yield from self._fall_back(
                post_no, f"the comment endpoint refused page {number} ({refusal.reason})"
            )
            return
        except PageError as error:
            yield from self._fall_back(
                post_no, f"the comment endpoint's page {number} is unusable ({error.reason})"
            )
            return
        if number == 1 and page.is_past_end and (page.total_count or 0) > 0:
            # Rows withheld while the count says there are some. (A count of 0 with no
            # rows is the endpoint's answer for a post deleted since its view was read.)
            yield from self._fall_back(
                post_no,
                f"the comment endpoint answered no comments but a count of {page.total_count}",
            )
            return
        if page.raw_rows and not page.comments and (page.total_count or 0) > 0:
            self._page_drift(
                "comments",
                f"{page.raw_rows} row(s), none with a comment the parser can read",
                self._view_url(post_no),
            )
        if number == 1 and not page.comments:
            # Not silent: the view page counted comments, the endpoint has none now.
            self._count(S.COMMENTS_VANISHED)
            logger.info(
                "Post %s/%d: its view page counted comments, the comment endpoint has none "
                "(deleted since?)",
                self.gallery,
                post_no,
            )
        self._count(S.COMMENT_PAGES)
        yield from self._comment_items(page.comments, post_no, crawled_at)
        if thread is None or self._threads.get(post_no) is not thread:
            return  # the browser reads this post now: its tally replaces the endpoint's
        thread.finished.add(number)
        thread.collected.update(raw.comment_no for raw in page.comments)
        if page.total_count == 0 and not page.comments:
            thread.gone = True  # the deleted post's answer: no later page says otherwise
        if thread.gone:
            thread.expected = 0
        elif page.total_count is not None:
            thread.expected = page.total_count
        if page.comments:
            wanted = {p for p in page.pager_pages - thread.requested if p >= thread.floor}
            if not thread.tracked:  # the stopped run asked for the pages before this one
                wanted = {later for later in wanted if later > number}
            for later in sorted(wanted):
                yield self._comment_request(response.meta["context"], post_no, later)
        if thread.requested <= thread.finished:
            if thread.floor > 1 and len(thread.collected) < (thread.expected or 0):
                # A refresh started past the page a reply to an older comment went to: the
                # comments known fall short of the count, so go back a page.
                thread.floor -= 1
                self._count(S.REFRESH_COMMENT_BACK)
                yield self._comment_request(response.meta["context"], post_no, thread.floor)
                return
            yield from self._finish_thread(post_no, thread)

    def _finish_thread(self, post_no: int, thread: CommentThread) -> Iterator[Any]:
        """Every requested page of the post is read: drop its state. Short of the count,
        the post's comments are lost (ledger); complete, they clear the ledger."""
        del self._threads[post_no]
        if not thread.tracked:
            return
        expected = thread.expected
        if expected is not None and len(thread.collected) < expected:
            yield from self._comments_incomplete(post_no, len(thread.collected), expected)
        else:
            yield self._done("comments", self._view_path(post_no))

    def _comments_incomplete(self, post_no: int, collected: int, expected: int) -> Iterator[Any]:
        """A post's comments, all pages read, fall short of the count the site gives.

        The one place that decides what a shortfall means: the post's comments are a
        failed page (exit 3), recorded in the failure ledger for a retry. Deleted comments
        the site still shows are rows, and count as read.
        """
        url = self._view_url(post_no)
        self._count(S.COMMENTS_SHORT)
        self._count(S.COMMENTS_MISSING, expected - collected)
        logger.warning(
            "Post %s/%d: %d of its %d comments were read (%s)",
            self.gallery,
            post_no,
            collected,
            expected,
            url,
        )
        yield from self._give_up(
            url,
            f"comments incomplete: {collected} of {expected} read",
            page_kind="comments",
            post_no=post_no,
        )

    def _comment_items(
        self, raws: list[comment_pages.RawComment], post_no: int, crawled_at: datetime
    ) -> Iterator[Any]:
        """``Comment`` items from raw records, whichever path (endpoint or browser) read them."""
        items = CommentLoader.load_comments(
            raws,
            crawled_at=crawled_at,
            base_url=self._view_url(post_no),
            gallery_id=self.gallery,
            post_no=post_no,
        )
        self._count(S.COMMENTS, len(items))
        yield from items

    # --- comments through the browser (scrapy-playwright) --------------------------------

    def _fall_back(self, post_no: int, why: str) -> Iterator[Request]:
        """The endpoint failed for this post: read its comments from a rendered page, once.

        The endpoint's tally of the post is dropped: the browser reads every page again,
        and its reading alone is judged complete or not (parse_rendered)."""
        thread = self._threads.pop(post_no, None)
        if post_no in self._rendered_posts:
            return
        self._rendered_posts.add(post_no)
        if not self._count_value(S.BROWSER_FALLBACKS):
            logger.warning(
                "%s: the comment endpoint fails; affected posts are read through the browser "
                "(slower; counted in %s)",
                self.gallery,
                S.BROWSER_FALLBACKS,
            )
        self._count(S.BROWSER_FALLBACKS)
        logger.info(
            "Post %s/%d: %s; reading its comments in the browser", self.gallery, post_no, why
        )
        expected = thread.expected if thread is not None and thread.tracked else None
        yield self._browser_request(post_no, expected=expected)

    def _count_value(self, key: str) -> int:
        assert self.crawler.stats is not None
        return int(self.crawler.stats.get_value(key, 0) or 0)

    def _browser_request(self, post_no: int, *, expected: int | None = None) -> Request:
        """The view page again, in a browser that waits for and walks every comment page.

        ``dont_filter``: the dupe filter has seen this URL (the plain view request).
        scrapy-playwright closes the page after the page method, or when anything fails.
        ``expected``: the comment count known so far, used when the rendered page shows none.
        """
        timeout_ms = self.settings.getfloat("DCCRAWL_RENDER_TIMEOUT", 20.0) * 1000
        return Request(
            self._view_url(post_no),
            callback=self.parse_rendered,
            errback=self.on_browser_error,
            priority=PRIORITY_COMMENTS,
            dont_filter=True,
            meta={
                PAGE_META: "view",
                "post_no": post_no,
                "expected_comments": expected,
                "playwright": True,
                "playwright_context_kwargs": {"service_workers": "block"},
                "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded"},
                "playwright_page_init_callback": browser.keep_to_site,
                "playwright_page_methods": [PageMethod(browser.read_comment_pages, timeout_ms)],
            },
        )

    def parse_rendered(self, response: Response) -> Iterator[Any]:
        """The rendered view page: the comments of every comment page the browser walked."""
        post_no: int = response.meta["post_no"]
        crawled_at = datetime.now(KST)
        self._count(S.BROWSER_PAGES)
        signal = _signal(response, "view")
        if signal.kind in ("deleted", "missing"):
            logger.info(
                "Post %s/%d was %s before the browser read its comments",
                self.gallery,
                post_no,
                signal.kind,
            )
            return
        snapshots: list[str] = response.meta["playwright_page_methods"][0].result or []
        if not snapshots:
            yield from self._give_up(
                response.url,
                f"the browser found no comment list ({signal.kind})",
                page_kind="comments",
                post_no=post_no,
            )
            return
        seen: set[int] = set()
        expected: int | None = response.meta.get("expected_comments")
        for number, html in enumerate(snapshots, 1):
            try:
                page = rendered.parse_rendered_comments(html)
            except PageError as error:
                yield from self._give_up(
                    response.url,
                    f"rendered comment page {number} unparseable ({error.reason})",
                    page_kind="comments",
                    post_no=post_no,
                )
                return
            self._count(S.RENDERED_COMMENT_PAGES)
            if page.total_count is not None:
                expected = page.total_count  # the count the page's script got (total_cnt)
            fresh = [raw for raw in page.comments if raw.comment_no not in seen]
            seen.update(raw.comment_no for raw in fresh)
            yield from self._comment_items(fresh, post_no, crawled_at)
        if expected is not None and len(seen) < expected:
            yield from self._comments_incomplete(post_no, len(seen), expected)
        else:
            yield self._done("comments", self._view_path(post_no))

    # --- failures -----------------------------------------------------------------------

    def on_error(self, failure: TwistedFailure) -> Iterator[Any]:
        """A list or view page failed for good (after retries): record it and go on."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(Unfetched):
            yield from self._unfetched(request)
        elif request.meta.get(PAGE_META) == "list":
            yield from self._list_lost(request, failure.getErrorMessage())
        else:
            yield from self._give_up(
                request.url,
                failure.getErrorMessage(),
                page_kind="view",
                post_no=request.meta.get("post_no"),
                list_row=self._list_row_of(request.meta),
            )

    def on_comment_error(self, failure: TwistedFailure) -> Iterator[Any]:
        """A comment page failed for good (errors, empty bodies): ask the browser instead."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(Unfetched):
            yield from self._unfetched(request)
            return
        yield from self._fall_back(
            request.meta["post_no"],
            f"the comment endpoint failed on page {request.meta['comment_page']} "
            f"({failure.getErrorMessage()})",
        )

    def on_browser_error(self, failure: TwistedFailure) -> Iterator[Any]:
        """The browser could not read a post's comments; one that cannot start ends the run."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(Unfetched):
            yield from self._unfetched(request)
            return
        message = failure.getErrorMessage()
        if "BrowserType.launch" in message or "Executable doesn't exist" in message:
            self._fail(f"The browser for the comment fallback could not start: {message}")
            raise CloseSpider("browser_failed")
        yield from self._give_up(
            request.url,
            f"the browser could not read post {request.meta['post_no']}'s comments: {message}",
            page_kind="comments",
            post_no=request.meta["post_no"],
        )

    def _unfetched(self, request: Request) -> Iterator[PageFailure]:
        """A request still queued when a block stopped the crawl: into the ledger, unsent.

        Not a page given up (the block's one ERROR line says the crawl stopped); a list
        page's following pages were never reached, so its retry follows them."""
        meta = request.meta
        follow = not meta.get("recheck") and meta.get(FOLLOW_META, True)
        why = "not fetched: a block stopped the crawl"
        yield from self._record_request(request, why, follow_pages=follow)


def _path(url: str) -> str:
    """A URL's path and query: how the failure ledger names a page on any base URL."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
