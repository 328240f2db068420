"""``BlockMiddleware``: rides out the site's blocks for the whole crawl (``dccrawl/blocks.py``).

A downloader middleware, first in line for answers and errors (580: before the
broken-page retry, the backoff and Scrapy's RetryMiddleware), because it must see a
refusal before a per-page retry spends it. It sorts every page answer into
*refused* (429/403/5xx, a rate-limit page, an empty or cut-off 200, a reset, a
timeout) or *answered*, feeds :class:`~dccrawl.blocks.BlockWatch`, and acts on its
state:

* a suspicion pauses the engine (no request leaves the scheduler), takes back the
  requests waiting in download slots, and asks a page of each kind that answered
  before (list, view, comments) again: all refused confirms the block;
* while blocked, only probes go out, from a task that sleeps between them; a refused
  request is put back in the scheduler (``dont_filter``: the dupe filter has seen it);
* when a probe is answered the engine resumes, slower for a while; when the block
  outlasts ``DCCRAWL_BLOCK_GIVE_UP_SECONDS`` the crawl stops (exit 1) and says how to
  resume. With a ``JOBDIR`` the queue is kept there and the crawl closes at once.
  Without one, nothing is sent any more but the queue is *drained*: every request
  still queued fails with :class:`Unfetched` (no request leaves), and the spider's
  errbacks record each page in the failure ledger (``dccrawl/db/failures.py``) for
  ``python -m dccrawl retry``; the spider hears :data:`crawl_stopped_by_block` to stop
  making requests of its own. When the queue is empty the crawl closes (``blocked``).

Only requests the scheduler sent (they have a callback) are put back; a request
downloaded directly (``engine.download_async``: the gallery-kind check, media
files) keeps its own retries, since putting it back would resend it at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from time import time
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from dccrawl import stats as S
from dccrawl.blocks import BlockPolicy, BlockState, BlockWatch
from dccrawl.hints import dccrawl_command
from dccrawl.middlewares import PAGE_META, PROBE_META, page_signal
from dccrawl.summaries import format_duration

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

PROBE_SLOT = " (block probes)"  # the suffix of the probes' own download slot
SENT_META = "dccrawl_sent_at"  # when the downloader got the request (BlockWatch's clock)
RUN_META = "dccrawl_refusal_run"  # (run id, retry count before that run's first refusal)
REFUSED_SIGNALS = frozenset({"rate_limited", "broken"})


def block_policy(settings: BaseSettings) -> BlockPolicy:
    """The ``DCCRAWL_BLOCK_*`` settings."""
    return BlockPolicy(
        refusals=settings.getint("DCCRAWL_BLOCK_REFUSALS", 4),
        probe_first=settings.getfloat("DCCRAWL_BLOCK_PROBE_SECONDS", 30.0),
        probe_max=settings.getfloat("DCCRAWL_BLOCK_PROBE_MAX_SECONDS", 900.0),
        give_up=settings.getfloat("DCCRAWL_BLOCK_GIVE_UP_SECONDS", 7200.0),
        slowdown=settings.getfloat("DCCRAWL_BLOCK_SLOWDOWN", 2.0),
        slowdown_seconds=settings.getfloat("DCCRAWL_BLOCK_SLOWDOWN_SECONDS", 3600.0),
        min_delay=settings.getfloat("DCCRAWL_BLOCK_MIN_DELAY", 0.5),
        max_delay=settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 30.0),
    )


# Sent (no arguments) when a block outlasts the limit and the queue is drained into the
# failure ledger: a spider stops making new requests (it records where it stopped).
crawl_stopped_by_block = object()


class Unfetched(IgnoreRequest):
    """Given to every request still queued when a block stopped a crawl without a JOBDIR:
    nothing is sent; the request's errback records the page as lost (for a retry)."""


class HeldBack(Exception):
    """Given to a request that waited in a download slot when a block was suspected:
    it goes back to the scheduler instead of being sent."""


def _clock_text(epoch: float) -> str:
    """``HH:MM`` in the log's own time zone (the machine's), so the two can be compared."""
    return datetime.fromtimestamp(epoch).astimezone().strftime("%H:%M")


class BlockMiddleware:
    """Pauses the crawl while the site blocks it, probes, resumes; never gives up a page
    because of a block (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.watch = BlockWatch(block_policy(crawler.settings))
        self.refusal_codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}
        self.refusal_codes |= {403, 429, 503}
        self.base_delay = crawler.settings.getfloat("DOWNLOAD_DELAY", 0.0)
        # The last answered request of each page kind ("list", "view", "comments").
        self._known_good: dict[str, Request] = {}
        self._first_refused: Request | None = None  # the probe when nothing answered yet
        self._blocked_at = 0.0  # wall clock, for the log
        self._task: asyncio.Task[None] | None = None
        self._draining = False  # the block outlasted the limit: queued requests are recorded
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockMiddleware:
        return cls(crawler)

    @property
    def stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # --- the downloader's hooks -------------------------------------------------

    def process_request(self, request: Request) -> None:
        """A request refused during a run that turned out to be a block gets its retries
        back; one that reaches the downloader while requests are held goes back (it was
        on its way when the engine paused). After a block that outlasted the limit nothing
        is sent: every request fails with :class:`Unfetched`."""
        if self._draining:
            self.stats.inc_value(S.UNFETCHED)
            raise Unfetched(request.url)
        marker = request.meta.get(RUN_META)
        if marker is not None and marker[0] in self.watch.blocked_runs:
            request.meta["retry_times"] = marker[1]
            del request.meta[RUN_META]
        if self.watch.holding and self._puts_back(request) and not request.meta.get(PROBE_META):
            raise HeldBack(request.url)
        request.meta[SENT_META] = self.watch.now()

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if PAGE_META not in request.meta or request.meta.get(PROBE_META):
            return response
        signal = page_signal(request, response)
        refused = response.status in self.refusal_codes or (
            signal is not None and signal.kind in REFUSED_SIGNALS
        )
        if not refused:
            self._answered(request)
            return response
        reason = f"{response.status}" if signal is None else f"{signal.kind}/{signal.reason}"
        return self._refused(request, reason) or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if PAGE_META not in request.meta or request.meta.get(PROBE_META):
            return None
        if isinstance(exception, HeldBack):
            self.stats.inc_value(S.BLOCK_PUT_BACK)
            return request.replace(dont_filter=True)
        if isinstance(exception, IgnoreRequest):
            return None
        return self._refused(request, type(exception).__name__)

    # --- answers and refusals ------------------------------------------------------

    def _answered(self, request: Request) -> None:
        self.watch.succeeded(request.meta.get(SENT_META))
        kind = request.meta[PAGE_META]
        known = self._known_good.get(kind)
        if request.method == "GET" or known is None or known.method != "GET":
            self._known_good[kind] = request
        floor = self.watch.delay_floor(self.base_delay)
        if floor > self.base_delay:
            self._slow_down(request, floor)

    def _refused(self, request: Request, reason: str) -> Request | None:
        """What to do with a refused request: ``None`` lets its own retries handle it."""
        watch = self.watch
        if not watch.holding:
            marker = request.meta.get(RUN_META)
            if marker is None or marker[0] != watch.run_id:
                request.meta[RUN_META] = (watch.run_id, request.meta.get("retry_times", 0))
            if self._first_refused is None:
                self._first_refused = request
            if watch.state is BlockState.GAVE_UP or not watch.refused(request.meta.get(SENT_META)):
                return None
            self._suspect(request, reason)
        if not self._puts_back(request):
            return None
        self.stats.inc_value(S.BLOCK_PUT_BACK)
        return request.replace(dont_filter=True)

    @staticmethod
    def _puts_back(request: Request) -> bool:
        """Whether the scheduler sent *request* (so it can go back there): it has a callback."""
        return request.callback is not None and request.callback is not NO_CALLBACK

    def _suspect(self, request: Request, reason: str) -> None:
        engine = self.crawler.engine
        assert engine is not None
        engine.pause()
        logger.warning(
            "%d refusals in a row (the last: %s, %s): requests paused while checking "
            "whether the site blocks this crawler",
            self.watch.run,
            request.url,
            reason,
        )
        self._hold_queued()
        self._task = asyncio.ensure_future(self._ride_out())

    def _hold_queued(self) -> None:
        """Sends the requests waiting in download slots (behind a delay or a full slot)
        back to the scheduler: pausing the engine stops only what it has not yet handed
        to the downloader, and those would otherwise go out one by one into the block.
        (``Slot.queue`` holds them with the deferred their download awaits.)"""
        engine = self.crawler.engine
        assert engine is not None
        for key, slot in list(engine.downloader.slots.items()):
            if key.endswith(PROBE_SLOT):
                continue
            while slot.queue:
                request, deferred = slot.queue.popleft()
                deferred.errback(HeldBack(request.url))

    # --- confirmation and probes ------------------------------------------------

    def _probes(self) -> list[Request]:
        """Copies of a page of each kind that answered before (list pages first), else of
        the first refused request.

        A suspicion is confirmed only when all of them are refused: a page of one kind
        may be broken by itself (a view page that keeps answering empty), a block refuses
        every kind. While blocked, the first one is the probe."""
        order = sorted(self._known_good, key=("list", "view", "comments").index)
        models = [self._known_good[kind] for kind in order]
        if not models:
            assert self._first_refused is not None
            models = [self._first_refused]
        return [self._probe(model) for model in models]

    @staticmethod
    def _probe(model: Request) -> Request:
        """A copy of *model* that only this middleware judges.

        It gets its own download slot: the site's slot may be paused by a ``Retry-After``
        (``BackoffMiddleware``) for as long as the block, and the probe must not wait
        that out in a queue behind it."""
        slot = model.meta.get("download_slot") or urlparse_cached(model).hostname or ""
        return Request(
            model.url,
            method=model.method,
            body=model.body,
            headers=model.headers,
            dont_filter=True,
            meta={
                PAGE_META: model.meta[PAGE_META],
                PROBE_META: True,
                "dont_retry": True,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                "download_slot": slot + PROBE_SLOT,
            },
        )

    async def _answers(self, probe: Request) -> bool:
        """Sends one probe; whether the site answered it with a usable page."""
        engine = self.crawler.engine
        assert engine is not None
        self.stats.inc_value(S.BLOCK_PROBES)
        try:
            response = await engine.download_async(probe)
        except Exception as error:  # every failure is a refusal here
            logger.debug("Probe %s failed: %r", probe.url, error)
            return False
        signal = page_signal(probe, response)
        if response.status in self.refusal_codes:
            return False
        return not (signal is not None and signal.kind in REFUSED_SIGNALS)

    async def _ride_out(self) -> None:
        watch = self.watch
        probes = self._probes()
        probe = probes[0]
        # All at once: against a block that answers with timeouts, one after another
        # would take a timeout each.
        answers = await asyncio.gather(*(self._answers(request) for request in probes))
        if any(answers):
            watch.confirmed(blocked=False)
            self.stats.inc_value(S.BLOCK_FALSE_ALARMS)
            answered = next(p.url for p, ok in zip(probes, answers, strict=True) if ok)
            logger.info("%s answered: no block, requests resume", answered)
            self._resume()
            return
        watch.confirmed(blocked=True)
        self._blocked_at = time()
        self.stats.inc_value(S.BLOCKS)
        self.stats.set_value(S.BLOCKED_SINCE, _clock_text(self._blocked_at))
        while True:
            wait = watch.probe_failed()
            left = watch.policy.give_up - (watch.now() - (watch.since or watch.now()))
            wait = max(0.0, min(wait, left))
            self.stats.set_value(S.BLOCK_NEXT_PROBE, time() + wait)
            logger.warning(
                "The site blocks this crawler (since %s): no request but a probe of %s; "
                "next probe in %.0f s",
                _clock_text(self._blocked_at),
                probe.url,
                wait,
            )
            await asyncio.sleep(wait)
            if watch.over_limit():
                await self._give_up()
                return
            if await self._answers(probe):
                break
        lasted = watch.ended()
        self.stats.inc_value(S.BLOCK_SECONDS, round(lasted))
        floor = watch.delay_floor(self.base_delay)
        self.stats.max_value(S.BLOCK_DELAY, round(floor, 3))
        logger.warning(
            "The block is over after %s (probe %s answered): requests resume, at most one "
            "every %.2f s for a while",
            format_duration(lasted),
            probe.url,
            floor,
        )
        self._resume()

    def _resume(self) -> None:
        self.stats.set_value(S.BLOCKED_SINCE, None)
        self.stats.set_value(S.BLOCK_NEXT_PROBE, None)
        self._unpause()

    async def _give_up(self) -> None:
        lasted = self.watch.gave_up()
        self.stats.inc_value(S.BLOCK_SECONDS, round(lasted))
        self.stats.set_value(S.BLOCK_NEXT_PROBE, None)
        engine = self.crawler.engine
        assert engine is not None
        queued = len(engine._slot.scheduler) if engine._slot is not None else 0
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:
            resume = (
                f"run the same command again: JOBDIR {jobdir} keeps the {queued} queued request(s)"
            )
        else:
            gallery = getattr(engine.spider, "gallery", None) or "ID"
            resume = (
                f"the {queued} queued request(s) are recorded in the failure ledger: run "
                f"`{dccrawl_command(f'retry --gallery {gallery}')}` once the block is over "
                "(or crawl with -s JOBDIR=DIR to keep the queue)"
            )
        message = (
            f"the site refused every request for {format_duration(lasted)} (blocked since "
            f"{_clock_text(self._blocked_at)}, limit DCCRAWL_BLOCK_GIVE_UP_SECONDS="
            f"{self.watch.policy.give_up:g}); to resume, {resume}"
        )
        logger.error("Crawl stopped: %s", message)
        self.stats.set_value(S.FAILED_REASON, message)
        self._task = None  # (spider_closed must not cancel the task that closes)
        if jobdir:
            # Closing a paused engine: nothing more is sent; the JOBDIR keeps the queue.
            await engine.close_spider_async(reason="blocked")
            return
        # Drain: every queued request fails unsent and its errback records it; the
        # spider stops making requests; the crawl closes when it is idle (_spider_idle).
        self._draining = True
        self.crawler.signals.send_catch_log(crawl_stopped_by_block)
        self._unpause()

    def _unpause(self) -> None:
        """Let requests leave the scheduler again, at once: Scrapy's ``unpause`` only clears
        the flag, and the engine would look at its queue next on its 5-second heartbeat (a
        crawl left with a few broken pages spent most of its time in those waits)."""
        engine = self.crawler.engine
        if engine is None:
            return
        engine.unpause()
        slot = engine._slot
        if slot is not None:
            slot.nextcall.schedule()

    def _spider_idle(self) -> None:
        """A drained crawl closes as blocked, not as finished."""
        if self._draining:
            raise CloseSpider("blocked")

    def _slow_down(self, request: Request, floor: float) -> None:
        key = request.meta.get("download_slot")
        engine = self.crawler.engine
        if key is None or engine is None:
            return
        slot = engine.downloader.slots.get(key)
        if slot is not None and slot.delay < floor:
            slot.delay = floor
            self.stats.max_value(S.BLOCK_DELAY, round(floor, 3))

    def _spider_closed(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
