"""Downloaded files: where one is stored, what its bytes are, and what it was called.

Files are stored by content, at ``full/<sha1[:2]>/<sha1><ext>``: the same bytes always
get the same path, whichever post, URL or server header brought them, so a picture
posted a thousand times is one file. That is why the extension comes from the bytes
themselves (their magic numbers), never from the URL (``viewimage.php?…`` says nothing)
or from ``Content-Type`` (one host says ``image/png``, another ``application/octet-stream``
for the same file). The two hex digits of fan-out keep any one folder small.
"""

from __future__ import annotations

import hashlib
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import PurePosixPath

# (offset, magic bytes, extension), checked in order.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", ".jpg"),
    (0, b"\x89PNG\r\n\x1a\n", ".png"),
    (0, b"GIF87a", ".gif"),
    (0, b"GIF89a", ".gif"),
    (8, b"WEBP", ".webp"),
    (4, b"ftyp", ".mp4"),
    (0, b"\x1a\x45\xdf\xa3", ".webm"),
    (0, b"BM", ".bmp"),
    (0, b"%PDF-", ".pdf"),
    (0, b"PK\x03\x04", ".zip"),
)
_TEXT_PROBE = 4096  # bytes looked at to tell text from binary


def extension_of(data: bytes) -> str:
    """The extension the bytes call for (``".png"``…), ``".txt"`` for UTF-8 text, else ``""``."""
    for offset, magic, extension in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return extension
    head = data[:_TEXT_PROBE]
    if b"\x00" in head:
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut at the probe's end
            return ""
    return ".txt"


def content_path(data: bytes) -> tuple[str, str]:
    """The bytes' sha1 (hex) and their path in the store: ``full/<sha1[:2]>/<sha1><ext>``."""
    sha1 = hashlib.sha1(data).hexdigest()  # a content address, not a signature
    return sha1, f"full/{sha1[:2]}/{sha1}{extension_of(data)}"


def filename_from_disposition(header: bytes | str | None) -> str | None:
    """The file name in a ``Content-Disposition`` header (RFC 6266: ``filename*`` first), or None.

    Raw UTF-8 names (common, though not in the standard) are decoded as such; any folder
    part a server puts in the name is dropped."""
    if not header:
        return None
    if isinstance(header, bytes):
        try:
            header = header.decode("utf-8")
        except UnicodeDecodeError:
            header = header.decode("latin-1")
    message = Message()
    message["Content-Disposition"] = header
    values = [v for k, v in message.get_params([], header="content-disposition") if k == "filename"]
    # An RFC 2231 value (``filename*=UTF-8''…``) arrives as a tuple; it wins over the plain one.
    values.sort(key=lambda value: not isinstance(value, tuple))
    name = collapse_rfc2231_value(values[0]) if values else None
    if not name:
        return None
    name = PurePosixPath(name.replace("\\", "/")).name.strip()
    return name or None
