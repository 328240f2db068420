"""The ``/media/`` route of ``serve --media``: the image host's answers, Referer check included.

The real image hosts refuse (403) a request whose ``Referer`` is not a DCInside page; the
replica is stricter, so a crawler that sends a wrong page is caught: the ``Referer`` must be
the view page, on this very host, of a live post that shows the requested file (see
``media.py`` for the files, the 404s and the headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from . import media
from .gallery import GalleryState
from .model import PREFIXES


def media_base(request: web.Request) -> str:
    """This server's own origin as the client addressed it (``http://127.0.0.1:PORT``)."""
    return f"{request.scheme}://{request.host}"


def answer(states: Mapping[str, GalleryState], request: web.Request) -> web.Response:
    """The file, 404 for a broken one, or 403 when the Referer does not show it."""
    wanted = media.real_url(
        request.match_info["host"], request.match_info["tail"], request.query_string
    )
    file = shown_file(states, request.headers.get("Referer"), media_base(request), wanted)
    if file is None:
        return web.Response(status=403, text="403 Forbidden")
    if file.data is None:
        return web.Response(status=404, text="404 Not Found")
    headers = {"Content-Type": file.content_type}
    disposition = file.content_disposition()
    if disposition is not None:
        headers["Content-Disposition"] = disposition
    return web.Response(body=file.data, headers=headers)


def shown_file(
    states: Mapping[str, GalleryState], referer: str | None, origin: str, wanted: str
) -> media.MediaFile | None:
    """The file at real URL ``wanted`` if the ``referer`` view page (on ``origin``) shows it."""
    if not referer:
        return None
    parts = urlsplit(referer)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    views = {
        path: k for k, prefix in PREFIXES.items() for path in (f"{prefix}/view/", f"{prefix}/view")
    }
    kind = views.get(parts.path)
    query = parse_qs(parts.query)
    state = states.get(query.get("id", [""])[0])
    if kind is None or state is None or state.config.kind != kind:
        return None
    try:
        no = int(query.get("no", [""])[0])
    except ValueError:
        return None
    if state.status(no) != "live":
        return None
    comments = state.comments(no) if "/dccon.php" in wanted else ()
    for file in media.post_files(state.config.image_id, state.body(no), comments):
        if file.url == wanted:
            return file
    return None
