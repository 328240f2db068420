"""The item contract as JSON Schema: what a stored ``Post``, ``Comment`` or ``ListedPost`` may hold.

``dccrawl/items.py`` names the fields; these schemas say what their values may be: types,
the fields every item must carry, ranges (counts ≥ 0, post numbers ≥ 1, times between the
site's opening and the crawl's clock), the site's vocabularies (gallery kinds, writer
classes), the shapes of ids and IP prefixes. ``dccrawl/validation.py`` checks every item
against them before it is stored (``pipelines/validation.py``).

They describe an item as JSON (as a ``-O posts.jsonl`` feed shows it): times are ISO 8601
strings with their offset (``2025-05-22T15:59:00+09:00``), format ``kst-time``, which also
holds the "not in the future" rule (its check needs the clock, so it is a format, not a
keyword: ``dccrawl/validation.py``).

What they leave to the field coverage checks (``dccrawl/quality.py``): whether a field
that may be ``None`` on some real page (a deleted post's title, an operator's uid) is
``None`` on too many. A schema that refused a ``None`` writer would drop the posts of a
drifted page one by one and the drift stop would never see them.
"""

from __future__ import annotations

from typing import Any

from dccrawl.site.writers import WRITER_CLASSES

GALLERY_KINDS = ("major", "minor", "mini", "person")

_TIME: dict[str, Any] = {"type": "string", "format": "kst-time"}
_MAYBE_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "kst-time"}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_MAYBE_COUNT: dict[str, Any] = {"type": ["integer", "null"], "minimum": 0}
_NUMBER: dict[str, Any] = {"type": "integer", "minimum": 1}
_MAYBE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_MAYBE_FLAG: dict[str, Any] = {"type": ["boolean", "null"]}
_URLS: dict[str, Any] = {"type": "array", "items": {"type": "string", "pattern": "^https?://"}}

_GALLERY_ID: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z0-9_]{1,64}$"}
_WRITER: dict[str, dict[str, Any]] = {
    "writer_nick": _MAYBE_TEXT,
    # A member's login id: letters, digits, _ and - (no spaces, never empty).
    "writer_uid": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_.-]+$"},
    # An anonymous writer's two-octet IP prefix, "118.235".
    "writer_ip": {"type": ["string", "null"], "pattern": r"^[0-9]{1,3}\.[0-9]{1,3}$"},
    "writer_class": {"enum": [*WRITER_CLASSES, None]},
}

POST: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft-07/schema#",
    "title": "A post of a DCInside gallery (dccrawl.items.Post)",
    "type": "object",
    "required": ["gallery_id", "gallery_kind", "post_no", "url", "is_deleted", "crawled_at"],
    "properties": {
        "gallery_id": _GALLERY_ID,
        "gallery_kind": {"enum": list(GALLERY_KINDS)},
        "post_no": _NUMBER,
        "title": _MAYBE_TEXT,
        "head": _MAYBE_TEXT,
        **_WRITER,
        "created_at": _MAYBE_TIME,
        "views": _MAYBE_COUNT,
        "recommend": _MAYBE_COUNT,
        "downvotes": _MAYBE_COUNT,
        "recommend_fixed": _MAYBE_COUNT,
        "comment_count": _MAYBE_COUNT,
        "body_text": _MAYBE_TEXT,
        "body_html": _MAYBE_TEXT,
        "image_urls": _URLS,
        "video_urls": _URLS,
        "is_deleted": {"type": "boolean"},
        "is_notice": _MAYBE_FLAG,
        "is_recommended": _MAYBE_FLAG,
        "url": {"type": "string", "pattern": "^https?://[^/]+/.*[?&]no=[0-9]+"},
        "crawled_at": _TIME,
        # MediaPost only: input of the media pipeline, no column (None until filled).
        "attachments": {
            "type": ["array", "null"],
            "items": {"type": "object", "required": ["url"]},
        },
        "videos": {"type": ["array", "null"], "items": {"type": "object", "required": ["url"]}},
    },
    "additionalProperties": False,
}

COMMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft-07/schema#",
    "title": "A comment or reply of a post (dccrawl.items.Comment)",
    "type": "object",
    "required": ["gallery_id", "post_no", "comment_no", "is_deleted", "crawled_at"],
    "properties": {
        "gallery_id": _GALLERY_ID,
        "post_no": _NUMBER,
        "comment_no": _NUMBER,
        "parent_no": {"type": ["integer", "null"], "minimum": 1},
        **_WRITER,
        "created_at": _MAYBE_TIME,
        "body_text": _MAYBE_TEXT,
        "dccon_url": {"type": ["string", "null"], "pattern": "^https?://"},
        "is_deleted": {"type": "boolean"},
        "crawled_at": _TIME,
        "is_voice": {"type": "boolean"},
        "via_app": {"type": "boolean"},
    },
    "additionalProperties": False,
}

LISTED_POST: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft-07/schema#",
    "title": "A stored post as its list row shows it now (dccrawl.items.ListedPost)",
    "type": "object",
    "required": ["gallery_id", "post_no", "listed_at"],
    "properties": {
        "gallery_id": _GALLERY_ID,
        "post_no": _NUMBER,
        "title": _MAYBE_TEXT,
        "views": _MAYBE_COUNT,
        "recommend": _MAYBE_COUNT,
        "comment_count": _MAYBE_COUNT,
        "is_recommended": {"type": "boolean"},
        "is_notice": {"type": "boolean"},
        "listed_at": _TIME,
    },
    "additionalProperties": False,
}

SCHEMAS: dict[str, dict[str, Any]] = {"post": POST, "comment": COMMENT, "listed_post": LISTED_POST}
