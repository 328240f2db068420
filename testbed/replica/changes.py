"""What changed in a gallery between two epochs (``truth --changes``, ``/_replica/changes``).

A crawler's refresh test computes from this the least it must fetch: which posts are new or
gone, which threads grew (and from which comment page on their rows moved), whose counts
moved. It derives from the data model at both epochs (posts, bodies, threads), never from
pages or truth lines, so it is a third path to compare a crawl with.
"""

from __future__ import annotations

from typing import Any

from .activity import first_changed_index
from .comments_json import PAGE_SIZE
from .gallery import GalleryState

# The count fields compared, as truth names them, and the Post attribute each reads.
COUNT_FIELDS = (
    ("views", "views"),
    ("recommend", "recommend"),
    ("recommend_fixed", "fixed_recommend"),
    ("downvotes", "downvotes"),
    ("comment_count", "comment_count"),
)


def _pages(rows: int) -> int:
    return -(-rows // PAGE_SIZE)


def record(old: GalleryState, new: GalleryState, after: int, upto: int) -> dict[str, Any]:
    """The changes from ``old`` (the gallery at epoch ``after``) to ``new`` (at ``upto``).

    * ``new_posts``: live at ``upto`` and not yet posted at ``after``;
    * ``deleted_posts``: live at ``after``, deleted at ``upto``;
    * ``comments``: per post live at ``upto`` whose thread changed: the ``new`` comment
      numbers, those of them that are ``replies_to_old`` (their parent existed at
      ``after``), the comments ``deleted`` since, ``first_changed_page`` (the first comment
      page whose rows differ) and ``last_page`` (at ``upto``);
    * ``counts``: per post live at both whose counts changed, each changed field as
      ``[before, after]``;
    * ``edited``: per post live at both whose title or body text changed, the fields;
    * ``recommended``: posts live at both that became 개념글.

    Notices never change; posts posted and deleted between the two epochs appear nowhere.
    """
    config = new.config
    out: dict[str, Any] = {
        "type": "changes",
        "gallery_id": config.id,
        "gallery_kind": config.kind,
        "from_epoch": after,
        "to_epoch": upto,
        "new_posts": [],
        "deleted_posts": [],
        "comments": [],
        "counts": [],
        "edited": [],
        "recommended": [],
    }
    touched = new.source.touched(after, upto)
    for no in new.all_numbers():
        was, now = old.status(no), new.status(no)
        if was == "live" and now == "deleted":
            out["deleted_posts"].append(no)
            continue
        if now != "live":
            continue
        if was == "missing":
            out["new_posts"].append(no)
            thread = new.comments(no)
            if thread:
                out["comments"].append(_thread_change(no, [], thread))
            continue
        if was != "live":
            continue
        if no in touched:
            change = _thread_change(no, old.comments(no), new.comments(no))
            if change is not None:
                out["comments"].append(change)
        before, later = old.post(no), new.post(no)
        moved = {
            name: [getattr(before, attr), getattr(later, attr)]
            for name, attr in COUNT_FIELDS
            if getattr(before, attr) != getattr(later, attr)
        }
        if moved:
            out["counts"].append({"post_no": no, **moved})
        edited = []
        if before.clean_title != later.clean_title:
            edited.append("title")
        if old.body(no).text != new.body(no).text:
            edited.append("body_text")
        if edited:
            out["edited"].append({"post_no": no, "fields": edited})
        if later.recommended and not before.recommended:
            out["recommended"].append(no)
    return out


def _thread_change(no: int, old: list[Any], new: list[Any]) -> dict[str, Any] | None:
    first = first_changed_index(old, new)
    if first is None:
        return None
    known = {c.no for c in old}
    was_deleted = {c.no for c in old if c.deleted}
    fresh = [c for c in new if c.no not in known]
    return {
        "post_no": no,
        "new": sorted(c.no for c in fresh),
        "replies_to_old": sorted(c.no for c in fresh if c.parent_no in known),
        "deleted": sorted(c.no for c in new if c.deleted and c.no in known - was_deleted),
        "first_changed_page": first // PAGE_SIZE + 1,
        "last_page": _pages(len(new)),
    }
