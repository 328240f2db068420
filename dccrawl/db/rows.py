"""Items → row tuples for the ``posts`` and ``comments`` tables, cleaned for PostgreSQL.

The column lists here are the order in which rows are COPYed; they name every
field of ``dccrawl.items.Post`` / ``Comment`` (the tests check the two agree).
Text PostgreSQL would refuse is repaired instead of failing the batch: NUL
characters are removed (``text`` cannot hold them) and lone UTF-16 surrogates
(from broken ``\\ud83d``-style JSON escapes) become U+FFFD, while a surrogate
*pair* is joined into the character it encodes.

A naive ``datetime`` is given the KST zone (the site's; the writer COPYs in
binary, where the server cannot apply its session time zone to it). Values are
otherwise passed through untouched: a value of the wrong type is the database's
(or the COPY's) to reject, and the writer then isolates that one item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from itemadapter import ItemAdapter

from dccrawl.kst import KST

Kind = Literal["post", "comment"]
# What a pipeline does with an item: a post or comment row, a stored post's list row
# (``listed``: refresh mode) or a failure ledger row (``dccrawl.db.failures``).
ItemKind = Literal["post", "comment", "listed", "ledger"]
PostKey = tuple[str, int]
CommentKey = tuple[str, int, int]
Key = PostKey | CommentKey
Row = tuple[Any, ...]

POST_COLUMNS: tuple[str, ...] = (
    "gallery_id",
    "post_no",
    "gallery_kind",
    "title",
    "head",
    "writer_nick",
    "writer_uid",
    "writer_ip",
    "created_at",
    "views",
    "recommend",
    "downvotes",
    "comment_count",
    "body_text",
    "body_html",
    "image_urls",
    "is_deleted",
    "url",
    "crawled_at",
    "is_notice",
    "is_recommended",
    "writer_class",
    "recommend_fixed",
    "video_urls",
)
COMMENT_COLUMNS: tuple[str, ...] = (
    "gallery_id",
    "post_no",
    "comment_no",
    "parent_no",
    "writer_nick",
    "writer_uid",
    "writer_ip",
    "created_at",
    "body_text",
    "dccon_url",
    "is_deleted",
    "crawled_at",
    "writer_class",
    "is_voice",
    "via_app",
)
# A ListedPost (refresh mode): the columns a list row can update, and when it was read.
LISTED_COLUMNS: tuple[str, ...] = (
    "gallery_id",
    "post_no",
    "title",
    "views",
    "recommend",
    "comment_count",
    "is_recommended",
    "is_notice",
    "listed_at",
)
KEY_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "post": ("gallery_id", "post_no"),
    "comment": ("gallery_id", "post_no", "comment_no"),
}
COLUMNS: dict[Kind, tuple[str, ...]] = {"post": POST_COLUMNS, "comment": COMMENT_COLUMNS}
# The columns after the key, whose values to_row reads from the item.
_VALUE_COLUMNS: dict[Kind, tuple[str, ...]] = {
    kind: COLUMNS[kind][len(KEY_COLUMNS[kind]) :] for kind in ("post", "comment")
}

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadKey(ValueError):
    """An item whose identifying fields are missing or of the wrong type."""


def storable_text(text: str) -> str:
    """*text* without NUL characters and with lone surrogates replaced by U+FFFD."""
    if text.isascii():  # a flag CPython keeps: no scan, and no surrogate is ASCII
        return text.replace("\x00", "") if "\x00" in text else text
    if _UNSTORABLE.search(text) is None:  # the common case: one scan, no copy
        return text
    text = text.replace("\x00", "")
    # Round-tripping through UTF-16 joins surrogate pairs and replaces lone halves.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_value(value: Any) -> Any:
    """*value* with every string in it (also inside lists) cleaned by :func:`storable_text`,
    and a naive ``datetime`` in KST."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, (list, tuple)):  # (a tuple of types: faster than list | tuple)
        return [clean_value(v) for v in value]
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=KST)
    return value


def item_kind(adapter: ItemAdapter | Mapping[str, Any]) -> ItemKind | None:
    """``"comment"``, ``"post"`` or ``"ledger"`` (a ``PageFailure``/``PageDone``) by the
    fields an item declares; None for anything else."""
    names = adapter.field_names() if isinstance(adapter, ItemAdapter) else adapter.keys()
    if "page_kind" in names:
        return "ledger"
    if "listed_at" in names:
        return "listed"
    if "comment_no" in names:
        return "comment"
    if "post_no" in names and "gallery_id" in names:
        return "post"
    return None


def _number(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise BadKey(f"{field}={value!r} is not an integer")


def _getter(adapter: ItemAdapter) -> Callable[[str], Any]:
    """The cheapest ``get`` for the item's fields: a mapping's own (Scrapy items and dicts
    are mappings: the same values, without the adapter's three extra calls per field),
    else the adapter's (dataclass and attrs items)."""
    item = adapter.item
    return item.get if isinstance(item, Mapping) else adapter.get


def item_key(adapter: ItemAdapter, kind: Kind | Literal["listed"]) -> Key:
    """The primary key of the item's row; raises :class:`BadKey` when it has none."""
    get = _getter(adapter)
    gallery_id = get("gallery_id")
    if not isinstance(gallery_id, str) or not gallery_id:
        raise BadKey(f"gallery_id={gallery_id!r} is not a non-empty string")
    gallery_id = storable_text(gallery_id)
    post_no = _number(get("post_no"), "post_no")
    if kind != "comment":
        return (gallery_id, post_no)
    return (gallery_id, post_no, _number(get("comment_no"), "comment_no"))


def listed_row(adapter: ItemAdapter) -> tuple[Key, Row]:
    """A ``ListedPost``'s key and its cleaned row in ``LISTED_COLUMNS`` order."""
    key = item_key(adapter, "listed")
    get = _getter(adapter)
    return key, key + tuple([clean_value(get(name)) for name in LISTED_COLUMNS[2:]])


def to_row(adapter: ItemAdapter, kind: Kind) -> tuple[Key, Row]:
    """The item's key and its cleaned row in ``COLUMNS[kind]`` order."""
    key = item_key(adapter, kind)
    get = _getter(adapter)
    return key, key + tuple([clean_value(get(name)) for name in _VALUE_COLUMNS[kind]])
