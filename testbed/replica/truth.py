"""The ground truth: what a correct crawler stores, from the data model (never the pages).

Field names and normalization follow ``dccrawl/items.py`` and the contract in README.md:
collapsed titles, nick/uid/ip split, ``body_text`` lines, absolute image URLs, ISO KST
times; deleted posts with ``is_deleted: true`` and null content; missing numbers absent.
Posts also say what class of writer wrote them, whether they are notices or 개념글, their
고정닉 추천 count and their videos; comments their writer's class, whether they are voice
replies and whether they came from the app (whose ``- dc App`` suffix is not their text).

With ``media_base`` (the replica's own host, ``serve --media``) image and dccon URLs are
the ones the pages then show, and each live post's comments are followed by its media
lines (``"type": "media"``, see ``media.record``): images, attachments, dccons.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import media
from .clock import iso
from .gallery import GalleryState
from .view_page import head_text

POST_FIELDS = (
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
    "image_urls",
)
# The post's class facts: the notice and 개념글 flags under their truth names, the writer's
# class (``model.WRITER_CLASSES``), the 고정닉 추천 count and the video iframes' URLs;
# null for deleted posts, like the content fields.
POST_CLASS_FIELDS = ("is_notice", "writer_class", "is_recommended", "recommend_fixed", "video_urls")


def post_record(
    state: GalleryState, no: int, media_base: str | None = None
) -> dict[str, Any] | None:
    status = state.status(no)
    config = state.config
    if status == "missing":
        return None
    record: dict[str, Any] = {
        "type": "post",
        "gallery_id": config.id,
        "gallery_kind": config.kind,
        "post_no": no,
    }
    if status == "deleted":
        record.update(dict.fromkeys(POST_FIELDS))
        record.update(is_deleted=True, head_id=None, recommended=None, notice=None)
        record.update(dict.fromkeys(POST_CLASS_FIELDS))
        return record
    post = state.post(no)
    body = state.body(no)
    record.update(
        title=post.clean_title,
        head=head_text(config, post),
        writer_nick=post.writer.nick,
        writer_uid=post.writer.uid,
        writer_ip=post.writer.ip,
        created_at=iso(post.created),
        views=post.views,
        recommend=post.recommend,
        downvotes=post.downvotes,
        comment_count=post.comment_count,
        body_text=body.text,
        image_urls=[media.served_url(url, media_base) for url in body.image_urls],
        is_deleted=False,
        head_id=post.head_id,
        recommended=post.recommended,
        notice=post.notice,
        is_notice=post.notice,
        writer_class=post.writer.writer_class,
        is_recommended=post.recommended,
        recommend_fixed=post.fixed_recommend,
        video_urls=body.video_urls,
    )
    return record


def comment_records(
    state: GalleryState, no: int, media_base: str | None = None
) -> Iterator[dict[str, Any]]:
    for c in state.comments(no):
        yield {
            "type": "comment",
            "gallery_id": state.config.id,
            "gallery_kind": state.config.kind,
            "post_no": no,
            "comment_no": c.no,
            "parent_no": c.parent_no,
            "writer_nick": c.writer.nick,
            "writer_uid": c.writer.uid,
            "writer_ip": c.writer.ip,
            "created_at": iso(c.created),
            "body_text": c.text,
            "dccon_url": media.served_url(c.dccon_url, media_base) if c.dccon_url else None,
            "is_deleted": c.deleted,
            "writer_class": c.writer.writer_class,
            "is_voice": c.kind == "voice",
            "via_app": c.via_app,
        }


def media_records(state: GalleryState, no: int, media_base: str) -> Iterator[dict[str, Any]]:
    """A live post's files (images, attachments, dccons) as the image host serves them."""
    files = media.post_files(state.config.image_id, state.body(no), state.comments(no))
    for file in files:
        yield media.record(state.config.id, no, file, media_base, state.config.kind)


def records(state: GalleryState, media_base: str | None = None) -> Iterator[dict[str, Any]]:
    """Posts ascending by number, each followed by its comments in display order (and, with
    ``media_base``, by its media lines)."""
    for no in state.all_numbers():
        record = post_record(state, no, media_base)
        if record is None:
            continue
        yield record
        if not record["is_deleted"]:
            yield from comment_records(state, no, media_base)
            if media_base is not None:
                yield from media_records(state, no, media_base)
