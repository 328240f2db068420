"""The ``/media/`` route of ``serve --media``: the image host's answers, Referer check included.

The real image hosts refuse (403) a request whose ``Referer`` is not a DCInside page; the
replica is stricter, so a crawler that sends a wrong page is caught: the ``Referer`` must be
the view page, on this very host, of a live post that shows the requested file (or, for an
uploaded video's MP4 and poster, the movie player page that plays it; see ``media.py`` for
the files, the 404s and the headers).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from . import media
from .gallery import GalleryState
from .model import PREFIXES, Video

MOVIE_PATHS = ("/board/movie/movie_view", "/board/movie/movie_view/")


def media_base(request: web.Request) -> str:
    """This server's own origin as the client addressed it (``http://127.0.0.1:PORT``)."""
    return f"{request.scheme}://{request.host}"


def movie_known(states: Mapping[tuple[str, str], GalleryState], number: str) -> bool:
    """Whether a served gallery's post embeds the uploaded video with this movie number."""
    return any(number in state.movies() for state in states.values())


def answer(states: Mapping[tuple[str, str], GalleryState], request: web.Request) -> web.Response:
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
    states: Mapping[tuple[str, str], GalleryState], referer: str | None, origin: str, wanted: str
) -> media.MediaFile | None:
    """The file at real URL ``wanted`` if the ``referer`` page (on ``origin``) shows it: the
    view page of a live post (its images, attachments, dccons, uploaded videos), or the
    movie player page of a served video (that video's files)."""
    if not referer:
        return None
    parts = urlsplit(referer)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    query = parse_qs(parts.query)
    if parts.path in MOVIE_PATHS:
        number = query.get("no", [""])[0]
        if not movie_known(states, number):
            return None
        return _find(media.movie_files(number), wanted)
    views = {
        path: k for k, prefix in PREFIXES.items() for path in (f"{prefix}/view/", f"{prefix}/view")
    }
    kind = views.get(parts.path)
    state = states.get((query.get("id", [""])[0], kind or ""))
    if state is None:
        return None
    try:
        no = int(query.get("no", [""])[0])
    except ValueError:
        return None
    if state.status(no) != "live":
        return None
    body = state.body(no)
    comments = state.comments(no) if "/dccon.php" in wanted else ()
    found = _find(media.post_files(state.config.image_id, body, comments), wanted)
    return found or _find(_movie_files(body.videos), wanted)


def _movie_files(videos: Iterable[Video]) -> Iterator[media.MediaFile]:
    for video in videos:
        if video.kind == "movie":
            yield from media.movie_files(video.key)


def _find(files: Iterable[media.MediaFile], wanted: str) -> media.MediaFile | None:
    for file in files:
        if file.url == wanted:
            return file
    return None
