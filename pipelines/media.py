"""``PostMediaPipeline``: each post's images and attachments, downloaded and recorded.

Opt-in (``-a media=1``, or ``all`` for comment dccons too; default: the ``DCCRAWL_MEDIA``
setting, off): when media is off the pipeline is not even loaded. It is Scrapy's
``FilesPipeline`` with the parts DCInside needs changed:

* **What**: a live post's ``image_urls`` (body order) and, on the ``MediaPost`` the spider
  yields with media on, its ``attachments`` (``appending_file_box``, with the names the
  page shows); with ``all``, each comment's ``dccon_url``.
* **Referer**: every file is requested with its post's view page as ``Referer``; the
  image hosts answer 403 without it (dccons: the view page of the comment's post).
* **Where**: ``FILES_STORE`` (default ``~/.local/share/dccrawl/files``; any store
  Scrapy supports: a folder, ``s3://``, ``gs://``, ``ftp://``), by content:
  ``full/<sha1[:2]>/<sha1><ext>`` (``dccrawl.files``). A file whose content is stored
  already is not written again, so a picture in many posts is stored once.
* **Recorded**: one ``post_media`` row per file and post (``dccrawl/db/migrations/
  0003_post_media.sql``): position, source URL, stored path, sha1, size, the content
  type the host sent, the original file name (the attachment list's, else the answer's
  ``Content-Disposition``), ``downloaded`` or ``failed`` with the reason, and the time.
  Rows are written in batches by ``MediaRowWriter`` (``pipelines/media_rows.py``: a
  ``BufferedWriter``, the same batching, retries and bisection as the posts pipeline's).
* **Not again**: before downloading, the post's URLs are looked up in ``post_media``;
  a URL recorded as downloaded whose file is still in the store is not fetched again,
  nor is one the host answered 404/410 (gone for good; delete its row to retry).
  Other failures are retried on the next crawl.
* **Failures** (404, 403, timeouts after retries, empty answers) are logged, counted and
  recorded with their reason; the post itself is stored as always and the crawl's exit
  code does not change: the site's broken images are not the crawl's failure.

This pipeline runs after ``PostgresPipeline``, so a post is already buffered for writing
while its files download. Stats: ``dccrawl/media/*``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import psycopg
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from scrapy.pipelines.media import _MediaRequestFiltered
from scrapy.utils.defer import ensure_awaitable

from dccrawl import stats as S
from dccrawl.db.connection import ReconnectingConnection
from dccrawl.db.media import MediaRow, StoredMedia, stored_media
from dccrawl.db.redact import redact
from dccrawl.db.rows import BadKey, item_key, item_kind
from dccrawl.files import content_path, filename_from_disposition
from dccrawl.site import urls
from pipelines.media_rows import MediaRowWriter

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.pipelines.media import MediaPipeline
    from scrapy.statscollectors import StatsCollector
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

DEFAULT_FILES_STORE = "~/.local/share/dccrawl/files"
LOOKUP_APPLICATION_NAME = "dccrawl-media"  # the look-up connection in pg_stat_activity

# Failures that do not heal: a later crawl does not ask again.
GONE_FOR_GOOD = frozenset({"http 404", "http 410"})
_RECENT = 10_000  # outcomes remembered in memory: repeats (dccons) skip the database
_SPEC_META = "dccrawl_media"
_KNOWN_META = "dccrawl_media_known"


@dataclass(frozen=True)
class MediaSpec:
    """One file of one post: which row it becomes and how to fetch it."""

    gallery_id: str
    post_no: int
    kind: str  # "image" | "attachment" | "dccon" | "video"
    position: int  # images/attachments/videos: 1-based order; dccon: the comment's number
    url: str  # the URL recorded (source_url): for a video, its player page
    filename: str | None  # the name the page shows (attachments)
    referer: str | None  # the post's view page
    # What to download when it is not ``url``: a video's file (None: its page names none).
    fetch: str | None = None

    @property
    def fetchable(self) -> bool:
        return self.kind != "video" or self.fetch is not None


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: downloaded (or known), or failed with a reason."""

    status: str  # "downloaded" | "failed"
    failure: str | None = None
    path: str | None = None
    sha1: str | None = None
    size: int | None = None
    content_type: str | None = None
    filename: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def failed(cls, reason: str) -> FileOutcome:
        return cls("failed", failure=reason)

    @classmethod
    def known(cls, stored: StoredMedia) -> FileOutcome:
        return cls(
            stored.status,
            stored.failure,
            stored.path,
            stored.sha1,
            stored.size,
            stored.content_type,
            stored.filename,
            stored.fetched_at,
        )

    def row(self, spec: MediaSpec) -> MediaRow:
        return (
            spec.gallery_id,
            spec.post_no,
            spec.kind,
            spec.position,
            spec.url,
            spec.filename or self.filename,
            self.status,
            self.failure,
            self.path,
            self.sha1,
            self.size,
            self.content_type,
            self.fetched_at,
        )


class DownloadFailed(_MediaRequestFiltered):
    """A file could not be fetched (network error after Scrapy's retries).

    It derives from Scrapy's "filtered" media exception only so that Scrapy logs it
    at DEBUG without a traceback: this pipeline logs each failure itself, once, with
    the post it belongs to, and records it in ``post_media``."""


@dataclass
class _ItemMedia:
    """One item's files while its downloads run."""

    specs: list[MediaSpec]
    known: dict[str, StoredMedia]
    requests: list[Request] = field(default_factory=list)
    rows: list[MediaRow] = field(default_factory=list)


class PostMediaPipeline(FilesPipeline):
    """Downloads posts' files into ``FILES_STORE`` and records them in ``post_media``."""

    def __init__(self, store_uri: str, *, crawler: Crawler, mode: str) -> None:
        super().__init__(store_uri, crawler=crawler)
        self.mode = mode  # "posts" | "all"
        self.store_uri = store_uri
        self.base_url = crawler.settings.get("DCCRAWL_BASE_URL") or urls.DEFAULT_BASE_URL
        self.rows = MediaRowWriter(crawler)
        self._opening: asyncio.Future[None] | None = None
        self._lookups: ReconnectingConnection | None = None  # made once the database is known
        self._lookup_lock = asyncio.Lock()
        self._kinds: dict[str, str] = {}  # gallery id -> kind, from its posts (dccon referers)
        self._recent: OrderedDict[str, StoredMedia] = OrderedDict()
        self._items: dict[int, _ItemMedia] = {}  # id(item) -> its files, while in progress

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Not loaded (NotConfigured) unless the spider's media mode asks for files."""
        mode = getattr(crawler.spider, "media", "off")
        if mode not in ("posts", "all"):
            raise NotConfigured
        cls._update_stores(crawler.settings)
        store = crawler.settings.get("FILES_STORE") or str(Path(DEFAULT_FILES_STORE).expanduser())
        return cls(store, crawler=crawler, mode=mode)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # --- Scrapy hooks ---------------------------------------------------------------

    def open_spider(self) -> None:  # type: ignore[override]
        super().open_spider()
        what = "images and attachments" + (" and comment dccons" if self.mode == "all" else "")
        logger.info("Media: downloading posts' %s into %s", what, self.store_uri)

    async def process_item(self, item: Any) -> Any:  # type: ignore[override]
        """Download the item's files (not those known already), then queue their rows."""
        adapter = ItemAdapter(item)
        specs = self._specs(adapter)
        if specs is None:
            return item
        await self._ready()
        known = await self._lookup([s.url for s in specs])
        media = _ItemMedia(specs, known)
        self._items[id(item)] = media
        try:
            await super().process_item(item)  # fills media.rows (item_completed)
        finally:
            del self._items[id(item)]
        if item_kind(adapter) == "post":
            images = sum(s.kind == "image" for s in specs)
            videos = sum(s.kind == "video" for s in specs)
            attachments = len(specs) - images - videos
            gallery_id, post_no = item_key(adapter, "post")  # type: ignore[misc]
            await self.rows.add_post(
                gallery_id, post_no, images, attachments, media.rows, videos=videos
            )
        else:
            await self.rows.add_rows(media.rows)
        return item

    async def close_spider(self) -> None:
        """Write the last rows, close the connections and sum up."""
        if self._opening is not None:
            await self.rows.close()
        if self._lookups is not None:
            await self._lookups.close()
        stats = self.stats
        logger.info(
            "Media: %d file(s) downloaded (%d new in the store, %d stored already), "
            "%d known already (not fetched), %d failed",
            stats.get_value(S.MEDIA_DOWNLOADED, 0),
            stats.get_value(S.MEDIA_STORED, 0),
            stats.get_value(S.MEDIA_ALREADY_STORED, 0),
            stats.get_value(S.MEDIA_KNOWN, 0) + stats.get_value(S.MEDIA_SKIPPED_GONE, 0),
            stats.get_value(S.MEDIA_FAILED, 0),
        )

    # --- FilesPipeline hooks ----------------------------------------------------------

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        media = self._items[id(item)]
        for spec in media.specs:
            known = media.known.get(spec.url)
            if _gone(known) or not spec.fetchable:
                continue  # item_completed keeps its recorded failure, or records why
            media.requests.append(
                Request(
                    spec.fetch or spec.url,
                    headers={"Referer": spec.referer} if spec.referer else None,
                    meta={_SPEC_META: spec, _KNOWN_META: known},
                    callback=NO_CALLBACK,
                )
            )
        return media.requests

    async def media_to_download(  # type: ignore[override]
        self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileOutcome | None:
        """A file recorded as downloaded whose content is still in the store: no request."""
        known: StoredMedia | None = request.meta.get(_KNOWN_META)
        if known is None or known.status != "downloaded" or known.path is None:
            return None
        if not await self._in_store(known.path, info):
            logger.info("Media: %s is gone from the store; downloading it again", known.path)
            return None
        self.stats.inc_value(S.MEDIA_KNOWN)
        return FileOutcome.known(known)

    async def media_downloaded(  # type: ignore[override]
        self,
        response: Response,
        request: Request,
        info: MediaPipeline.SpiderInfo,
        *,
        item: Any = None,
    ) -> FileOutcome:
        """Store the answer's bytes by content (unless stored already); a non-200 or empty
        answer is a failure with its reason, returned rather than raised (no traceback)."""
        if response.status != 200:
            return FileOutcome.failed(f"http {response.status}")
        body = response.body
        if not body:
            return FileOutcome.failed("empty answer")
        spec: MediaSpec = request.meta[_SPEC_META]
        sha1, path = content_path(body)
        content_type = _header(response, b"Content-Type")
        self.stats.inc_value(S.MEDIA_DOWNLOADED)
        if await self._in_store(path, info):
            self.stats.inc_value(S.MEDIA_ALREADY_STORED)
        else:
            headers = {"Content-Type": content_type} if content_type else None
            stored = self.store.persist_file(path, BytesIO(body), info, headers=headers)
            await ensure_awaitable(stored)
            self.stats.inc_value(S.MEDIA_STORED)
        filename = spec.filename or filename_from_disposition(
            response.headers.get(b"Content-Disposition")
        )
        return FileOutcome(
            "downloaded",
            path=path,
            sha1=sha1,
            size=len(body),
            content_type=content_type,
            filename=filename,
        )

    def media_failed(
        self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo
    ) -> NoReturn:
        """A request that failed for good (after Scrapy's retries): say why, quietly."""
        error = failure.value
        reason = f"{type(error).__name__}: {error}".strip().rstrip(":")
        raise DownloadFailed(reason[:500])

    def item_completed(self, results: list[Any], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        """Turn each file's outcome into its row; log and count the failures."""
        media = self._items[id(item)]
        outcomes = iter(results)
        for spec in media.specs:
            known = media.known.get(spec.url)
            if _gone(known):
                self.stats.inc_value(S.MEDIA_SKIPPED_GONE)
                outcome = FileOutcome.known(known)
            elif not spec.fetchable:
                self.stats.inc_value(S.MEDIA_FAILED)
                outcome = FileOutcome.failed("the player page names no file")
            else:
                ok, value = next(outcomes)
                outcome = value if ok and isinstance(value, FileOutcome) else self._failure(value)
                if outcome.status == "failed":
                    self.stats.inc_value(S.MEDIA_FAILED)
                    logger.warning(
                        "Media: could not download %s %d of post %s/%d (%s): %s",
                        spec.kind,
                        spec.position,
                        spec.gallery_id,
                        spec.post_no,
                        outcome.failure,
                        spec.url,
                    )
                else:
                    self._remember(spec.url, outcome)
            media.rows.append(outcome.row(spec))
        # Scrapy keeps every result of the run in memory, keyed by request fingerprint;
        # this item's are recorded now (and remembered in _recent), so let them go.
        for request in media.requests:
            info.downloaded.pop(self.crawler.request_fingerprinter.fingerprint(request), None)
        return item

    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: MediaPipeline.SpiderInfo | None = None,
        *,
        item: Any = None,
    ) -> str:
        """Where a downloaded answer is stored: decided by its content, so it needs the answer."""
        if response is None:
            raise ValueError("files are stored by content: their path needs the response")
        return content_path(response.body)[1]

    # --- what to download ---------------------------------------------------------------

    def _specs(self, adapter: ItemAdapter) -> list[MediaSpec] | None:
        """The item's files; None for items that have none to record (deleted posts keep
        their rows; comments without a dccon, or any comment unless media=all)."""
        kind = item_kind(adapter)
        if kind == "ledger":
            return None
        try:
            key = item_key(adapter, kind) if kind is not None else None
        except BadKey:
            return None
        if kind == "post" and key is not None and not adapter.get("is_deleted"):
            gallery_id, post_no = key[0], key[1]
            if adapter.get("gallery_kind"):
                self._kinds[gallery_id] = adapter["gallery_kind"]
            referer = adapter.get("url")
            specs = [
                MediaSpec(gallery_id, post_no, "image", i, url, None, referer)
                for i, url in enumerate(adapter.get("image_urls") or [], 1)
            ]
            attachments = adapter.get("attachments") if "attachments" in adapter else None
            specs += [
                MediaSpec(gallery_id, post_no, "attachment", i, a["url"], a["filename"], referer)
                for i, a in enumerate(attachments or [], 1)
            ]
            videos = adapter.get("videos") if "videos" in adapter else None
            specs += [
                MediaSpec(gallery_id, post_no, "video", i, v["url"], None, referer, v.get("file"))
                for i, v in enumerate(videos or [], 1)
            ]
            return specs
        if kind == "comment" and key is not None and self.mode == "all":
            dccon = adapter.get("dccon_url")
            if not dccon:
                return None
            gallery_id, post_no, comment_no = key[0], key[1], key[2]  # type: ignore[misc]
            # The comment's post was seen first (its comments are requested from its page),
            # so its gallery's kind is known; "major" is only a guess for a stray comment.
            gallery_kind: Any = self._kinds.get(gallery_id, "major")
            referer = urls.view_url(gallery_id, post_no, gallery_kind, base_url=self.base_url)
            return [MediaSpec(gallery_id, post_no, "dccon", comment_no, dccon, None, referer)]
        return None

    # --- what is known ----------------------------------------------------------------

    async def _ready(self) -> None:
        """Open the row writer on first use: by then the posts pipeline has resolved (and,
        without DATABASE_URL, started) the database, so the two never race to start it."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self.rows.open())
        await asyncio.shield(self._opening)

    async def _lookup(self, urls_: list[str]) -> dict[str, StoredMedia]:
        """What post_media (or this run's memory) knows about these URLs."""
        found = {u: self._recent[u] for u in urls_ if u in self._recent}
        missing = [u for u in urls_ if u not in found]
        if not missing:
            return found
        async with self._lookup_lock:
            if self._lookups is None:
                assert self.rows.target is not None  # _ready() has resolved it
                self._lookups = ReconnectingConnection(
                    self.rows.target.url, application_name=LOOKUP_APPLICATION_NAME
                )
            try:
                conn = await self._lookups.get()
                found.update(await stored_media(conn, missing))
            except psycopg.Error as error:
                logger.warning(
                    "Media: could not look up stored files (%s); downloading them",
                    redact(str(error)).strip() or type(error).__name__,
                )
                await self._lookups.close()
        return found

    def _remember(self, url: str, outcome: FileOutcome) -> None:
        """Keep a downloaded file's outcome for repeats of its URL later in this run."""
        assert outcome.path is not None
        self._recent[url] = StoredMedia(
            url,
            outcome.status,
            None,
            outcome.path,
            outcome.sha1,
            outcome.size,
            outcome.content_type,
            outcome.filename,
            outcome.fetched_at,
        )
        self._recent.move_to_end(url)
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    async def _in_store(self, path: str, info: MediaPipeline.SpiderInfo) -> bool:
        """Whether the store holds ``path``: a file check on disk, ``stat_file`` elsewhere
        (on disk Scrapy's ``stat_file`` would read the whole file for a checksum)."""
        if isinstance(self.store, FSFilesStore):
            return Path(self.store.basedir, *path.split("/")).is_file()
        stat = await ensure_awaitable(self.store.stat_file(path, info))
        return bool(stat and stat.get("last_modified"))

    @staticmethod
    def _failure(value: Any) -> FileOutcome:
        error = getattr(value, "value", value)
        reason = str(error) if isinstance(error, DownloadFailed) else repr(error)
        return FileOutcome.failed(reason or type(error).__name__)


def _gone(known: StoredMedia | None) -> bool:
    """Whether a recorded failure says the host will never have the file."""
    return known is not None and known.status == "failed" and known.failure in GONE_FOR_GOOD


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    if not value:
        return None
    return value.decode("latin-1").strip() or None
