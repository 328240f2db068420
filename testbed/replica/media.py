"""The replica's image host: a post's images, attachments and comment dccons as small files.

The data model names media by their real-site URLs (``https://dcimgN.dcinside.co.kr/
viewimage.php?id=…&no=<key>``, ``https://image.dcinside.com/download.php?…``,
``https://dcimg5.dcinside.com/dccon.php?no=<key>``), which nothing can download offline.
With ``serve --media`` the replica rewrites every such URL it renders to its own host,
``{base}/media/<real host>/<path>?<query>`` (``base`` taken from each request's ``Host``),
and answers those paths itself, as the real image hosts do:

* **403** unless the ``Referer`` is the view page (on this host) of a live post that shows
  the file: its body image, its attachment list, a comment's dccon, or a video it embeds
  (for a video's files the movie player page that shows them will do too);
* **404** for deliberately broken images (about 6 % of image keys; their attachment too);
* else **200** with a tiny deterministic file: a PNG, GIF or JPEG picture drawn from a
  palette of 24 (so many posts share the same bytes, as re-posted pictures do), a UTF-8
  text attachment from a palette of 5, a dccon picture from a palette of 12, or an
  uploaded video (an MP4 from a palette of 6, and its poster picture);
  ``Content-Type`` of the file, and ``Content-Disposition`` with the file name for images
  (``inline``) and attachments (``attachment``, RFC 5987 ``filename*`` for Hangul names).

Everything here is a pure function of the keys in the data model, so ``truth`` lists the
same files (with their sha1) that the server answers with.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Literal
from urllib.parse import quote, urlsplit

from .hashing import h64, hexkey, unit
from .model import Body, Comment, Image

MEDIA_PATH = "/media/"
ATTACHMENT_HOST = "https://image.dcinside.com"
MediaKind = Literal["image", "attachment", "dccon", "video", "poster"]

_PICTURES = 24  # distinct body pictures: shared by many posts
_DCCONS = 12
_TEXTS = 5
_MOVIES = 6  # distinct video files: uploads share bytes as re-posted clips do
_BROKEN_SHARE = 0.06
_TEXT_ATTACHMENT_SHARE = 0.3
_FORMATS = (("image/png", "png"), ("image/gif", "gif"), ("image/jpeg", "jpg"))


# --- the files ----------------------------------------------------------------------------


def _png(rgb: bytes) -> bytes:
    """A valid 2x2 RGB PNG of one colour."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    pixels = b"".join(b"\x00" + rgb * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


def _gif(rgb: bytes) -> bytes:
    """A valid 1x1 GIF89a whose one pixel is ``rgb``."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)
        + rgb
        + b"\xff\xff\xff"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00\x3b"
    )


def _jpeg(gray: int, note: bytes) -> bytes:
    """A baseline JPEG of one 8x8 grey block: DC only, one-symbol Huffman tables."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload

    dc = (gray - 128) * 8  # the DCT's DC term of a flat block, quantised by 1
    size = abs(dc).bit_length()
    bits = "0"  # the DC table's only code
    if size:
        bits += format(dc if dc > 0 else dc + (1 << size) - 1, f"0{size}b")
    bits += "0"  # the AC table's only code: end of block
    bits += "1" * (-len(bits) % 8)
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big").replace(b"\xff", b"\xff\x00")
    return (
        b"\xff\xd8"
        + segment(0xFE, note)
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
        + segment(0xC4, b"\x00\x01" + b"\x00" * 15 + bytes((size,)))
        + segment(0xC4, b"\x10\x01" + b"\x00" * 15 + b"\x00")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + scan
        + b"\xff\xd9"
    )


def _colour(index: int, salt: str) -> bytes:
    return bytes.fromhex(hexkey(6, "colour", salt, index))


def picture(index: int, salt: str = "picture") -> tuple[str, str, bytes]:
    """Palette entry ``index``: (content type, file extension, bytes)."""
    content_type, ext = _FORMATS[index % len(_FORMATS)]
    rgb = _colour(index, salt)
    if ext == "png":
        return content_type, ext, _png(rgb)
    if ext == "gif":
        return content_type, ext, _gif(rgb)
    return content_type, ext, _jpeg(rgb[0], f"dccrawl replica {salt} {index}".encode())


def text_file(index: int) -> bytes:
    """Palette entry ``index`` of the text attachments (UTF-8, Hangul included)."""
    return (
        f"dccrawl 복제 사이트 첨부파일 {index}\n"
        f"이 파일은 테스트용으로 만들어졌습니다. ({index + 1}/{_TEXTS})\n"
    ).encode()


@dataclass(frozen=True)
class MediaFile:
    """One file a post shows: where (real-site URL), what (kind, position) and its bytes.

    ``position`` is the file's 1-based place among the post's images (body order) or
    attachments (list order); for a dccon it is the number of the comment showing it.
    ``data`` is None for a deliberately broken file (404).
    """

    kind: MediaKind
    position: int
    url: str
    key: str
    filename: str | None
    content_type: str
    data: bytes | None

    @cached_property
    def sha1(self) -> str | None:
        return hashlib.sha1(self.data).hexdigest() if self.data is not None else None

    def content_disposition(self) -> str | None:
        """The header the image host sends with the file (None for dccons)."""
        if self.filename is None:
            return None
        disposition = "attachment" if self.kind == "attachment" else "inline"
        if self.filename.isascii():
            return f'{disposition}; filename="{self.filename}"'
        return f"{disposition}; filename*=UTF-8''{quote(self.filename)}"


def is_broken(key: str) -> bool:
    """Whether the image with ``key`` (and its attachment) answers 404."""
    return unit("broken-image", key) < _BROKEN_SHARE


def _image_file(kind: MediaKind, position: int, url: str, key: str) -> MediaFile:
    content_type, ext, data = picture(h64("picture", key) % _PICTURES)
    return MediaFile(
        kind,
        position,
        url,
        key,
        f"{key[:16]}.{ext}",
        content_type,
        None if is_broken(key) else data,
    )


def images(body: Body) -> list[MediaFile]:
    """The body's images, in body order."""
    blocks = [b for b in body.blocks if isinstance(b, Image)]
    return [_image_file("image", i, b.url, b.key) for i, b in enumerate(blocks, 1)]


def attachments(image_id: str, body: Body) -> list[MediaFile]:
    """The attachment list (``appending_file_box``): each image's original, then for
    some posts a text file. Posts without images have no list."""
    keys = [b.key for b in body.blocks if isinstance(b, Image)]
    files = [
        _image_file("attachment", i, _download_url(image_id, key), key)
        for i, key in enumerate(keys, 1)
    ]
    if keys and unit("text-attachment", keys[0]) < _TEXT_ATTACHMENT_SHARE:
        key = hexkey(46, "text-attachment", keys[0])
        files.append(
            MediaFile(
                "attachment",
                len(files) + 1,
                _download_url(image_id, key),
                key,
                f"메모_{key[:6]}.txt",
                "text/plain; charset=utf-8",
                text_file(h64("text", key) % _TEXTS),
            )
        )
    return files


def _download_url(image_id: str, key: str) -> str:
    return f"{ATTACHMENT_HOST}/download.php?id={image_id}&no={key}"


def dccons(comments: Sequence[Comment]) -> list[MediaFile]:
    """The dccon pictures of a post's comments, one per comment showing one."""
    files = []
    for comment in comments:
        if comment.dccon_url is None:
            continue
        key = comment.dccon_url.rsplit("no=", 1)[-1]
        content_type, _, data = picture(h64("dccon", key) % _DCCONS, salt="dccon")
        files.append(
            MediaFile("dccon", comment.no, comment.dccon_url, key, None, content_type, data)
        )
    return files


def post_files(image_id: str, body: Body, comments: Sequence[Comment]) -> Iterator[MediaFile]:
    """Every file a post shows: images, attachments, then its comments' dccons."""
    yield from images(body)
    yield from attachments(image_id, body)
    yield from dccons(comments)


# --- uploaded videos (the movie player page, /board/movie/movie_view?no=) -----------------


def _mp4(index: int) -> bytes:
    """A small well-formed MP4 container (``ftyp``, ``free``, ``mdat`` boxes) whose bytes
    differ per palette entry; no player needs to play it, a downloader needs its bytes."""

    def box(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + tag + payload

    return (
        box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
        + box(b"free", f"dccrawl replica movie {index}".encode())
        + box(b"mdat", bytes.fromhex(hexkey(64, "movie-bytes", index)))
    )


def movie_files(number: str) -> list[MediaFile]:
    """An uploaded video's files, a pure function of its movie number (a number shown by
    two posts is one video): the MP4 the player page's ``<source>`` names and its poster
    picture. Both are on the site's video host (``dcmN.dcinside.co.kr``)."""
    code = hexkey(64, "movie-code", number)
    host = f"https://dcm{1 + h64('movie-host', number) % 6}.dcinside.co.kr"
    index = h64("movie", number) % _MOVIES
    content_type, ext, data = picture(h64("poster", number) % _PICTURES, salt="poster")
    return [
        MediaFile(
            "video",
            1,
            f"{host}/viewmovie.php?code={code}",
            code,
            f"{code[:16]}.mp4",
            "video/mp4",
            _mp4(index),
        ),
        MediaFile(
            "poster",
            1,
            f"{host}/viewthumb.php?code={code}",
            code,
            f"{code[:16]}.{ext}",
            content_type,
            data,
        ),
    ]


def movie_page(number: str, media_base: str | None) -> str:
    """The movie player page (``GET /board/movie/movie_view?no=<number>``), the page the
    post's iframe shows: a ``<video>`` with a ``poster`` and one ``<source>`` of type
    ``video/mp4`` (the shape peers' regexes read), and the file URL again in a hidden input
    written the way the site writes it (``input type = 'hidden' value ='…'``)."""
    video, poster = movie_files(number)
    src = served_url(video.url, media_base)
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="UTF-8">\n'
        "<title>디시인사이드 동영상</title>\n</head>\n<body>\n"
        '<div class="video_wrap"><div class="video_inbox">'
        f'<video class="dc_mv" controls playsinline controlslist="nodownload" '
        f'poster="{escape(served_url(poster.url, media_base))}" data-no="{number}">'
        f'<source src="{escape(src)}" type="video/mp4"></video></div></div>\n'
        f"<input type = 'hidden' value ='{escape(src)}'>\n</body>\n</html>\n"
    )


# --- URLs ---------------------------------------------------------------------------------


def served_url(url: str, media_base: str | None) -> str:
    """``url`` as the page shows it: unchanged without media, else on the replica's host."""
    if media_base is None:
        return url
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{media_base}{MEDIA_PATH}{parts.netloc}{parts.path}{query}"


def real_url(host: str, path: str, query: str) -> str:
    """The real-site URL a ``/media/<host>/<path>?<query>`` request stands for."""
    return f"https://{host}/{path.lstrip('/')}" + (f"?{query}" if query else "")


def record(
    gallery_id: str, post_no: int, file: MediaFile, media_base: str, gallery_kind: str = "major"
) -> dict[str, object]:
    """The truth line of one file (``"type": "media"``); ``gallery_kind`` tells apart the
    galleries of an id served under two kinds."""
    return {
        "type": "media",
        "gallery_id": gallery_id,
        "gallery_kind": gallery_kind,
        "post_no": post_no,
        "kind": file.kind,
        "position": file.position,
        "url": served_url(file.url, media_base),
        # The name is on the page for attachments, else only in the answer's header.
        "filename": file.filename if file.kind == "attachment" or file.data else None,
        "status": "ok" if file.data is not None else "missing",
        "content_type": file.content_type if file.data is not None else None,
        "size": len(file.data) if file.data is not None else None,
        "sha1": file.sha1,
    }
