"""The aiohttp application: routes of the real site, caches, faults, limits, logs, stats.

``build_app(options)`` is the Python API (pytest fixtures use it with aiohttp's test
client); ``run(options)`` serves it on 127.0.0.1 for the CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from aiohttp import web

from . import (
    browser_check,
    changes,
    chrome,
    comment_script,
    comments_json,
    list_page,
    media,
    media_host,
    signals,
    truth,
    view_page,
)
from .activity import Timeline
from .blocks import Blocker
from .drift import design
from .faults import FaultPlan, RateLimiter
from .gallery import GalleryState
from .hashing import unit
from .lru import LRU
from .model import KIND_BY_GALLTYPE, PREFIXES
from .options import ReplicaOptions
from .query import ListQuery
from .states import Galleries, build_states, esno_token

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
GalleryKey = tuple[str, str]  # (id, kind)
# Kinds whose gallery, asked under another kind's prefix, answers a redirect to its own
# prefix (minor: observed, SITE.md §1.1; major: kept as it always was). In this order.
REDIRECTING_KINDS = ("minor", "major")
HTML = "text/html"
# The notice a blocked client gets as a 200 page (--block-shape page); its words are
# among those crawlers of the site look for (SITE.md §6).
_BLOCK_PAGE = (
    "<html><head><title>디시인사이드</title></head><body><p>너무 많은 요청을 보내셨습니다."
    " 잠시 후 다시 시도해 주세요. (Too Many Requests)</p></body></html>"
)


class Stats:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0
        self.refused = 0
        self.refused_direct = 0  # refusals by --refuse-comments (also counted in refused)
        self.browser_comments = 0  # comment requests that carried the page script's cookie
        self.held = 0  # view requests waiting for /_replica/release now (--hold-views...)
        self.held_total = 0  # view requests held so far
        self.released = False  # /_replica/release was requested
        self.blocks = 0  # blocks started (--block-after)
        self.blocked = 0  # requests answered by a block
        # Pages answered broken (--broken-pages): "list PATH", "view PATH" or
        # "comments GALLERY POST PAGE"; and whether /_replica/heal ended that.
        self.broken: set[str] = set()
        self.healed = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "faults": dict(self.faults),
            "rate_limited": self.rate_limited,
            "refused": self.refused,
            "refused_direct": self.refused_direct,
            "browser_comments": self.browser_comments,
            "held": self.held,
            "held_total": self.held_total,
            "released": self.released,
            "blocks": self.blocks,
            "blocked": self.blocked,
            "broken_pages": sorted(self.broken),
            "healed": self.healed,
        }


def _classify(path: str) -> str:
    if path.endswith(("/lists/", "/lists")):
        return "list"
    if path.endswith(("/view/", "/view")):
        return "view"
    if path.startswith("/board/comment"):
        return "comment"
    if path.startswith("/derror/"):
        return "derror"
    if path.startswith(media.MEDIA_PATH):
        return "media"
    return "other"


class AccessLog:
    """One line per request, written when its answer is done: the monotonic time the
    request arrived, client, method, path+query, status, bytes, and the monotonic time
    the answer was done; an eighth field ``blocked`` when a block answered it
    (``--block-after``). Lines are in the order answers were done, not arrivals."""

    def __init__(self, path: str) -> None:
        self.file: TextIO = open(path, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
        self.last_flush = time.monotonic()

    def write(
        self,
        arrived: float,
        client: str,
        method: str,
        path_qs: str,
        *,
        status: int,
        size: int,
        blocked: bool = False,
    ) -> None:
        now = time.monotonic()
        mark = "\tblocked" if blocked else ""
        self.file.write(
            f"{arrived:.6f}\t{client}\t{method}\t{path_qs}\t{status}\t{size}\t{now:.6f}{mark}\n"
        )
        if now - self.last_flush > 0.2:
            self.file.flush()
            self.last_flush = now

    def close(self) -> None:
        self.file.close()


def _html(body: bytes | str, status: int = 200) -> web.Response:
    data = body.encode() if isinstance(body, str) else body
    return web.Response(body=data, status=status, content_type=HTML, charset="utf-8")


class Replica:
    """Serving state shared by all handlers of one app."""

    def __init__(self, options: ReplicaOptions) -> None:
        self.options = options
        # The epoch served now (``POST /_replica/epoch`` moves it on); each epoch's
        # galleries are built once and kept, and share each gallery's activity timeline,
        # so stepping through epochs computes each step once; an epoch's pages are
        # rendered once each, like epoch 0's (the caches below are keyed by epoch).
        self.epoch = options.epoch
        self.timelines: dict[GalleryKey, Timeline] = {}
        self.by_epoch: dict[int, Galleries] = {}
        self.states: Galleries = self.galleries_at(self.epoch)
        self.token = esno_token(options.seed)
        # The markup served (--drift: a redesigned site's; drift.py); never the data.
        self.design = design(options.drift)
        self.stats = Stats()
        self.faults = FaultPlan(options.seed, options.faults)
        self.limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
        self.blocker = Blocker(options.block) if options.block else None
        self.log = AccessLog(options.access_log) if options.access_log else None
        self.started = time.monotonic()
        self.served = 0  # requests counted (not /_replica/): the clock of --event-clock requests
        self.views_answered = 0  # view requests let through while --hold-views-after counts
        self.release = asyncio.Event()
        self.stopping = asyncio.Event()  # set when the server shuts down
        self.new_rate = options.faults.get("new_posts", 0.0)
        self.delete_rate = options.faults.get("delete_posts", 0.0)
        # Caches are keyed by the gallery's (id, kind): one id may name two galleries; and by
        # epoch where the epoch changes what they hold.
        self.list_pages: LRU[tuple[object, ...], bytes] = LRU(512)
        # Keyed by (gallery, epoch, post, media base): with --media the parts name the host.
        self.post_parts: LRU[
            tuple[GalleryKey, int, int, str | None], tuple[bytes, bytes, bytes]
        ] = LRU(5_000)
        self.tops: LRU[GalleryKey, bytes] = LRU(256)
        self.head_rest = chrome.head_rest().encode()
        self.list_blocks: LRU[tuple[object, ...], bytes] = LRU(256)
        self.comment_pages: LRU[tuple[GalleryKey, int, int, int, str | None], bytes] = LRU(4_000)
        tail = "</section>\n" + chrome.sidebar() + "</main>\n" + chrome.footer()
        self.view_tail = tail.encode()
        # The comment script (loads and renders the comments in a browser) comes
        # after the hidden inputs it reads, before the page's closing scripts.
        self.view_scripts = (comment_script.script() + chrome.tail_scripts("view", 8)).encode()

    # -- epochs ----------------------------------------------------------------------------
    def galleries_at(self, epoch: int) -> Galleries:
        """The galleries at ``epoch``, built on first use and kept."""
        galleries = self.by_epoch.get(epoch)
        if galleries is None:
            galleries = build_states(self.options, epoch=epoch, timelines=self.timelines)
            self.by_epoch[epoch] = galleries
        return galleries

    def set_epoch(self, epoch: int) -> None:
        """Serve ``epoch`` from now on (``POST /_replica/epoch``); the caller checked it."""
        self.states = self.galleries_at(epoch)
        self.epoch = epoch

    # -- time-driven faults --------------------------------------------------------------
    def advance(self) -> None:
        """Apply the arrivals and deletions due by now: by seconds since the start, or with
        ``--event-clock requests`` by requests served (the k-th request sees
        ``int(k * RATE)`` of each)."""
        if not (self.new_rate or self.delete_rate):
            return
        if self.options.event_clock == "requests":
            elapsed = float(self.served)
        else:
            elapsed = time.monotonic() - self.started
        for state in self.states.values():
            if state.config.id != "seed":
                state.apply_faults(elapsed, self.new_rate, self.delete_rate)

    # -- holds (--hold-views, --hold-views-after) ------------------------------------------
    def _holds(self, request: web.Request) -> bool:
        """Whether this view request waits for ``/_replica/release``."""
        if self.stats.released:
            return False
        every = self.options.hold_views_every
        if every is not None:
            number = request.query.get("no", "")
            if number.isdigit() and int(number) % every == 0:
                return True
        after = self.options.hold_views_after
        if after is not None:
            if self.views_answered >= after:
                return True
            self.views_answered += 1
        return False

    async def _hold(self) -> None:
        self.stats.held += 1
        self.stats.held_total += 1
        try:
            await self.release.wait()
        finally:
            self.stats.held -= 1

    # -- broken pages (--broken-pages) -------------------------------------------------------
    async def _broken(self, request: web.Request, kind: str) -> bool:
        """Whether this page is one that answers broken every time (recorded in the stats)."""
        rate = self.options.broken_pages
        kinds = self.options.fault_kinds
        if not rate or self.stats.healed or kind not in ("list", "view", "comment"):
            return False
        if kinds is not None and kind not in kinds:
            return False
        if kind == "comment":
            form = await request.post()
            page = f"comments {form.get('id')} {form.get('no')} {form.get('comment_page') or '1'}"
        else:
            page = f"{kind} {request.path_qs}"
        if unit(self.options.seed, "broken_pages", page) >= rate:
            return False
        self.stats.broken.add(page)
        return True

    # -- middleware ------------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_replica/"):
            return await handler(request)
        arrived = time.monotonic()
        self.served += 1
        self.advance()
        kind = _classify(path)
        self.stats.requests[kind] += 1
        client = request.remote or "?"
        status, size = 0, 0
        blocked = False
        try:
            if self.blocker is not None and self.blocker.check(client, arrived):
                blocked = True
                self.stats.blocks, self.stats.blocked = (
                    self.blocker.blocks,
                    self.blocker.blocked_requests,
                )
                response, status, size = await self._blocked(request, client)
                return response
            if self.limiter is not None and not self.limiter.allow(client):
                self.stats.rate_limited += 1
                response = self._status_page(429, "Too Many Requests")
                status, size = 429, len(response.body or b"")  # type: ignore[arg-type]
                return response
            if kind == "view" and self._holds(request):
                await self._hold()
            if await self._broken(request, kind):
                response = _html(b"")
                status, size = 200, 0
                return response
            fault = None
            kinds = self.options.fault_kinds
            if self.faults.active and (kinds is None or kind in kinds):
                body = await request.read() if request.method == "POST" else b""
                fault = self.faults.pick(f"{request.method} {request.path_qs} {body!r}")
            if fault is not None:
                self.stats.faults[fault] += 1
                response, status, size = await self._fault(fault, request, handler)
                return response
            response = await handler(request)
            status = response.status
            size = len(response.body) if isinstance(response, web.Response) and response.body else 0  # type: ignore[arg-type]
            return response
        finally:
            if self.log is not None:
                self.log.write(
                    arrived,
                    client,
                    request.method,
                    request.path_qs,
                    status=status,
                    size=size,
                    blocked=blocked,
                )

    async def _blocked(
        self, request: web.Request, client: str
    ) -> tuple[web.StreamResponse, int, int]:
        """What a blocked client gets, in the shape ``--block-shape`` names (blocks.py)."""
        assert self.blocker is not None
        shape = self.blocker.rule.shape
        if shape in ("429", "403"):
            reason = "Too Many Requests" if shape == "429" else "Forbidden"
            body = f"<html><head><title>{shape} {reason}</title></head><body></body></html>"
            r = _html(body, int(shape))  # no Retry-After: a block does not say how long
            return r, int(shape), len(r.body)  # type: ignore[arg-type]
        if shape == "empty":
            return _html(b""), 200, 0
        if shape == "page":
            r = _html(_BLOCK_PAGE)
            return r, 200, len(r.body)  # type: ignore[arg-type]
        if shape == "timeout":
            # No answer for the rest of the block: the client's own timeout runs out first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.blocker.remaining(client))
        if request.transport is not None:  # "reset", and a timeout's end
            request.transport.abort()
        return web.Response(status=200), 0, 0

    def _status_page(self, status: int, reason: str) -> web.Response:
        body = (
            f"<html><head><title>{status} {reason}</title></head>"
            f"<body><h1>{reason}</h1></body></html>"
        )
        response = _html(body, status)
        if status == 429:
            response.headers["Retry-After"] = "1"
        return response

    async def _fault(
        self, fault: str, request: web.Request, handler: Handler
    ) -> tuple[web.StreamResponse, int, int]:
        if fault == "http429":
            r = self._status_page(429, "Too Many Requests")
            return r, 429, len(r.body)  # type: ignore[arg-type]
        if fault == "http503":
            r = self._status_page(503, "Service Unavailable")
            return r, 503, len(r.body)  # type: ignore[arg-type]
        if fault == "empty":
            return _html(b""), 200, 0
        if fault == "reset":
            # Drop the connection before any byte of a response; aiohttp then fails to
            # write the placeholder below and discards it quietly.
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=200), 0, 0
        if fault == "slow":
            await asyncio.sleep(self.options.slow_seconds)
            r = await handler(request)
            return r, r.status, len(r.body) if isinstance(r, web.Response) and r.body else 0  # type: ignore[arg-type]
        full = await handler(request)
        data = full.body if isinstance(full, web.Response) and isinstance(full.body, bytes) else b""
        cut = data[: len(data) // 2]
        if fault == "truncated":
            r = web.Response(
                body=cut, status=full.status, content_type=full.content_type, charset=full.charset
            )
            return r, full.status, len(cut)
        # truncated_close: declare the full length, send half, drop the connection.
        stream = web.StreamResponse(status=full.status)
        stream.content_type = full.content_type
        stream.content_length = len(data)
        await stream.prepare(request)
        await stream.write(cut)
        if request.transport is not None:
            request.transport.abort()
        return stream, full.status, len(cut)

    # -- handlers --------------------------------------------------------------------------
    def _served_gallery(
        self, request: web.Request, kind: str, page: str
    ) -> GalleryState | web.StreamResponse:
        """The gallery a ``lists``/``view`` request names, or the site's answer when there
        is none of this kind under this prefix.

        A minor (or major) gallery of that id answers the redirect script to its own prefix
        (the site's observed answer for a minor id under ``/board/``, SITE.md §1.1); mini
        and person galleries are served under their own prefix only, and their id under
        another prefix answers what a gallery id that does not exist answers (nothing shows
        the site redirecting to them).
        """
        gid = request.query.get("id") or ""
        state = self.states.find(gid, kind)
        if state is not None:
            return state
        for other in REDIRECTING_KINDS:
            if self.states.find(gid, other) is not None:
                return _html(signals.wrong_kind_script(other, page, request.query_string))
        return _html(signals.unknown_gallery_page())

    def list_handler(self, kind: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            state = self._served_gallery(request, kind, "lists")
            if not isinstance(state, GalleryState):
                return state
            query = ListQuery.from_params(request.query)
            key = (state.config.key, self.epoch, state.version, query)
            body = self.list_pages.get_or(
                key, lambda: list_page.render(state, query, self.token, self.design).encode()
            )
            return _html(body)

        return handle

    def view_handler(self, kind: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            state = self._served_gallery(request, kind, "view")
            if not isinstance(state, GalleryState):
                return state
            try:
                no = int(request.query.get("no", ""))
            except ValueError:
                return _html(signals.not_found_page(), 404)
            status = state.status(no)
            if status == "missing":
                return _html(signals.not_found_page(), 404)
            if status == "deleted":
                return _html(signals.deleted_script(state.config.id, state.config.kind))
            page = ListQuery.from_params({"page": request.query.get("page", "1")}).page
            return _html(self._view_bytes(state, no, page, self._media_base(request)))

        return handle

    def _media_base(self, request: web.Request) -> str | None:
        """Where this request's pages point media URLs: this host with --media, else None."""
        return media_host.media_base(request) if self.options.media else None

    def _view_bytes(
        self, state: GalleryState, no: int, page: int, media_base: str | None = None
    ) -> bytes:
        """Join cached parts: only the small post-specific ones are cached per post."""
        gid = state.config.key

        def make_post() -> tuple[bytes, bytes, bytes]:
            post, body = state.post(no), state.body(no)
            count = not self.options.view_no_comment_count
            look = self.design
            return (
                view_page.page_head(state, post, body).encode(),
                view_page.post_part(
                    state, post, body, media_base, comment_count=count, design=look
                ).encode(),
                view_page.hidden_inputs(
                    state, post, self.token, comment_count=count, design=look
                ).encode(),
            )

        meta, part, hidden = self.post_parts.get_or((gid, self.epoch, no, media_base), make_post)
        top = self.tops.get_or(gid, lambda: chrome.top(state.config).encode())
        query = ListQuery(page=page)
        block = self.list_blocks.get_or(
            (gid, self.epoch, state.version, page),
            lambda: list_page.list_block(
                state, query, list_page.resolve(state, query), self.design
            ).encode(),
        )
        return b"".join(
            (meta, self.head_rest, top, part, block, self.view_tail, hidden, self.view_scripts)
        )

    async def comment_handler(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        if (
            request.headers.get("X-Requested-With") != "XMLHttpRequest"
            or form.get("e_s_n_o") != self.token
        ):
            self.stats.refused += 1
            return _html(signals.REFUSAL)
        galltype = str(form.get("_GALLTYPE_") or "G")
        # The gallery of this id and of the kind _GALLTYPE_ names: none (an unknown id, or
        # a kind the id is not served under) is refused alike.
        state = self.states.find(str(form.get("id") or ""), KIND_BY_GALLTYPE.get(galltype))
        if state is None:
            self.stats.refused += 1
            return _html(signals.REFUSAL)
        try:
            no = int(str(form.get("no") or ""))
            page = int(str(form.get("comment_page") or "1"))
        except ValueError:
            self.stats.refused += 1
            return _html(signals.REFUSAL)
        browser = browser_check.is_browser(request.cookies, self.token)
        self.stats.browser_comments += browser
        if not browser and browser_check.refuses_direct(
            self.options.seed, self.options.refuse_comments, state.config.id, no
        ):
            self.stats.refused += 1
            self.stats.refused_direct += 1
            return _html(signals.REFUSAL)
        base = self._media_base(request)
        key = (state.config.key, self.epoch, no, page, base)

        def make() -> bytes:
            if state.status(no) != "live":
                return comments_json.encode(comments_json.empty_payload())
            data = comments_json.payload(
                state.post(no),
                state.comments(no),
                page,
                state.now,
                base,
                end_link=not self.options.comment_pager_no_end,
                withhold=page == self.options.withhold_comment_page,
            )
            return comments_json.encode(self.design.comment_rows(data))

        body = self.comment_pages.get_or(key, make) if state.status(no) == "live" else make()
        return web.Response(body=body, content_type="application/json", charset="utf-8")

    async def media_handler(self, request: web.Request) -> web.StreamResponse:
        """``/media/<real host>/<path>``: the image host of ``--media`` (media_host.py)."""
        return media_host.answer(self.states, request)

    async def movie_handler(self, request: web.Request) -> web.StreamResponse:
        """``/board/movie/movie_view?no=``: the player page of an uploaded video that a served
        post embeds (its ``<source>`` on the media host with ``--media``); 404 otherwise."""
        number = request.query.get("no", "")
        if not number.isdigit() or not media_host.movie_known(self.states, number):
            return _html(signals.not_found_page(), 404)
        return _html(media.movie_page(number, self._media_base(request)))

    async def derror_handler(self, request: web.Request) -> web.StreamResponse:
        return _html(signals.deleted_page(request.match_info.get("tail", "")))

    async def truth_handler(self, request: web.Request) -> web.StreamResponse:
        self.advance()
        wanted = request.query.getall("gallery", [])
        base = self._media_base(request)
        lines = []
        for state in self.states.values():
            if wanted and state.config.id not in wanted:
                continue
            lines.extend(json.dumps(r, ensure_ascii=False) for r in truth.records(state, base))
        body = ("\n".join(lines) + ("\n" if lines else "")).encode()
        return web.Response(body=body, content_type="application/x-ndjson", charset="utf-8")

    async def epoch_handler(self, request: web.Request) -> web.StreamResponse:
        """``GET``: the epoch served. ``POST`` with ``{"epoch": E}`` (JSON) or ``epoch=E``
        (form): serve epoch E from now on, E >= the current one (the site does not go back
        in time); 400 for anything else, 409 for an earlier epoch or when the ``new_posts``
        or ``delete_posts`` faults run (their changes are not part of any epoch)."""
        if request.method == "GET":
            return web.json_response({"epoch": self.epoch})
        try:
            if request.content_type == "application/json":
                data = await request.json()
                value = data.get("epoch") if isinstance(data, dict) else None
            else:
                value = (await request.post()).get("epoch")
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(value)
            epoch = int(value)
        except ValueError:
            return web.json_response({"error": "epoch must be an integer"}, status=400)
        if epoch < self.epoch:
            error = f"epoch {epoch} is before the epoch served ({self.epoch})"
            return web.json_response({"error": error, "epoch": self.epoch}, status=409)
        if (self.new_rate or self.delete_rate) and epoch != self.epoch:
            error = "the new_posts/delete_posts faults run: epochs cannot change"
            return web.json_response({"error": error, "epoch": self.epoch}, status=409)
        previous = self.epoch
        self.set_epoch(epoch)
        return web.json_response({"epoch": epoch, "previous": previous})

    async def changes_handler(self, request: web.Request) -> web.StreamResponse:
        """``?from=E1&to=E2[&gallery=ID]``: what changed between two epochs (``changes.py``),
        one JSON line per gallery; ``to`` defaults to the epoch served, ``from`` to the one
        before it. Epochs only: arrivals and deletions by faults are not included."""
        try:
            upto = int(request.query.get("to", self.epoch))
            after = int(request.query.get("from", max(0, upto - 1)))
        except ValueError:
            return web.json_response({"error": "from and to must be integers"}, status=400)
        if not 0 <= after <= upto:
            return web.json_response({"error": "need 0 <= from <= to"}, status=400)
        wanted = request.query.getall("gallery", [])
        old, new = self.galleries_at(after), self.galleries_at(upto)
        lines = [
            json.dumps(changes.record(old[key], new[key], after, upto), ensure_ascii=False)
            for key in new
            if not wanted or key[0] in wanted
        ]
        body = ("\n".join(lines) + ("\n" if lines else "")).encode()
        return web.Response(body=body, content_type="application/x-ndjson", charset="utf-8")

    async def release_handler(self, request: web.Request) -> web.StreamResponse:
        """Answer every held view request and hold none from now on."""
        waiting = self.stats.held
        self.stats.released = True
        self.release.set()
        return web.json_response({"released": waiting})

    async def heal_handler(self, request: web.Request) -> web.StreamResponse:
        """The site stops being hostile: broken pages answer, blocks end, no new one starts."""
        self.stats.healed = True
        ended = 0
        if self.blocker is not None:
            ended = sum(self.blocker.remaining(client) > 0 for client in self.blocker.blocked_until)
            self.blocker = None
        return web.json_response({"broken_pages": len(self.stats.broken), "blocks_ended": ended})

    async def stats_handler(self, request: web.Request) -> web.StreamResponse:
        self.advance()
        if self.log is not None:  # every request answered so far is in the file
            self.log.file.flush()
        data = self.stats.as_dict()
        data["epoch"] = self.epoch
        data["galleries"] = {
            self.states.name(s): {
                "kind": s.config.kind,
                "version": s.version,
                "arrived": len(s.arrived),
                "fault_deleted": len(s.fault_deleted),
            }
            for s in self.states.values()
        }
        return web.json_response(data)

    def close(self) -> None:
        if self.log is not None:
            self.log.close()


REPLICA_KEY = web.AppKey("replica", Replica)


def build_app(options: ReplicaOptions) -> web.Application:
    """The replica as an aiohttp application (routes of the real site plus /_replica/)."""
    replica = Replica(options)
    app = web.Application(middlewares=[replica.middleware])
    app[REPLICA_KEY] = replica
    for kind, prefix in PREFIXES.items():
        for page, factory in (("lists", replica.list_handler), ("view", replica.view_handler)):
            handler = factory(kind)
            app.router.add_get(f"{prefix}/{page}/", handler)
            app.router.add_get(f"{prefix}/{page}", handler)
    app.router.add_post("/board/comment/", replica.comment_handler)
    app.router.add_post("/board/comment", replica.comment_handler)
    for path in media_host.MOVIE_PATHS:
        app.router.add_get(path, replica.movie_handler)
    app.router.add_get("/derror/deleted/{tail:.*}", replica.derror_handler)
    app.router.add_get("/_replica/truth", replica.truth_handler)
    app.router.add_get("/_replica/stats", replica.stats_handler)
    app.router.add_post("/_replica/release", replica.release_handler)
    app.router.add_post("/_replica/heal", replica.heal_handler)
    app.router.add_get("/_replica/epoch", replica.epoch_handler)
    app.router.add_post("/_replica/epoch", replica.epoch_handler)
    app.router.add_get("/_replica/changes", replica.changes_handler)
    if options.media:
        app.router.add_get(media.MEDIA_PATH + "{host}/{tail:.*}", replica.media_handler)

    async def on_shutdown(app: web.Application) -> None:
        replica.release.set()  # held requests must not keep a stopping server waiting
        replica.stopping.set()  # nor requests a timeout block is sitting on

    async def on_cleanup(app: web.Application) -> None:
        replica.close()

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


async def serve(options: ReplicaOptions, port: int, out: TextIO = sys.stdout) -> None:
    """Serve until SIGTERM/SIGINT; print the ``listening on`` line once bound."""
    app = build_app(options)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # Only now: a caller may signal as soon as it reads the line, and must get a clean stop.
    print(f"listening on http://127.0.0.1:{bound}", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run(options: ReplicaOptions, port: int) -> None:
    # The served state holds many long-lived small objects (posts, comments, cached
    # fragments); frequent full collections would rescan them all, so collect less often.
    gc.set_threshold(50_000, 50, 100)
    asyncio.run(serve(options, port))
