"""Site redesigns on demand (``serve --drift NAME``): served pages that drift from the markup
and JSON the crawler's parsers know, one real thing per name, so that a crawler's
data-quality monitors can be tested against a site that changed under them.

A drift changes what is served only: the data, and so ``truth``, stay what the site holds.
Without any drift every page is byte for byte what it always was (:data:`SITE_DESIGN`).

* ``writer-class``: the writer element's class ``gall_writer`` becomes ``gall_author`` and
  its name span's ``nickname`` becomes ``author_nick`` (``data-*`` attributes, ``ub-writer``,
  ``span.ip`` and the gallog icon stay): list rows (and the list's ``th``), the view header.
* ``date-title``: the full time moves from ``title`` into ``data-date``; list cells keep their
  short text (``HH:MM``/``MM.DD``/``YY.MM.DD``), the view header shows a relative one
  (``3시간 전``) instead of ``YYYY.MM.DD HH:MM:SS``.
* ``comment-key``: each comment row's ``no`` key is called ``comment_no`` (ad rows too).
* ``list-wrapper``: ``table.gall_list`` inside a new ``div.gall_list_area``; list rows'
  ``ub-content`` becomes ``gall_item`` and ``us-post`` ``gall_post`` (list pages, and the
  list below posts).
* ``no-esno``: no hidden ``e_s_n_o`` input on list and view pages.
* ``future-date``: the view header of every post numbered a multiple of
  :data:`FUTURE_EVERY` shows its time ten years late (``title`` and text), as a site bug
  in the year would: pages that parse, with a value no crawler should store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DRIFTS = ("writer-class", "date-title", "comment-key", "list-wrapper", "no-esno", "future-date")
FUTURE_EVERY = 50  # future-date: the posts whose view header is ten years late
FUTURE_SHIFT = timedelta(days=3653)  # ten years: later than any clock of the replica
# One line per drift, for the CLI help.
DESCRIPTIONS = {
    "writer-class": "writer cells (list rows, view header) class gall_author, name span"
    " author_nick: no writer for the parsers",
    "date-title": "full date in data-date instead of title; lists keep HH:MM/MM.DD, view pages"
    " show '3시간 전': no full creation time",
    "comment-key": "comment JSON rows call their 'no' key 'comment_no': no usable comments",
    "list-wrapper": "the list table in a new div, rows classed gall_item/gall_post instead of"
    " ub-content/us-post: no post rows",
    "no-esno": "no hidden e_s_n_o input on list and view pages: comment requests lack the token",
    "future-date": f"view headers of posts numbered a multiple of {FUTURE_EVERY} show their"
    " time ten years late: parseable, invalid values",
}

# List row class tokens a redesign renames: (old, new) pairs.
_DRIFTED_ROW_CLASSES = (("ub-content", "gall_item"), ("us-post", "gall_post"))


@dataclass(frozen=True)
class Design:
    """The markup choices a redesign may change; :data:`SITE_DESIGN` is the site as captured."""

    writer_class: str = "gall_writer"  # list cells, the list's th, the view header block
    nick_class: str = "nickname"  # the name span inside those writer elements
    date_attr: str = "title"  # where list and view dates keep their full time
    relative_view_date: bool = False  # the view header's visible date: '3시간 전'
    row_classes: tuple[tuple[str, str], ...] = ()  # list row class tokens renamed (old, new)
    list_container: str | None = None  # a div around table.gall_list
    esno_input: bool = True  # the hidden e_s_n_o input of list and view pages
    comment_no_key: str = "no"  # a comment row's number key in the JSON
    future_every: int = 0  # view headers of posts numbered a multiple of it: ten years late

    def view_time(self, no: int, created: datetime) -> datetime:
        """The time a post's view header shows."""
        if self.future_every and no % self.future_every == 0:
            return created + FUTURE_SHIFT
        return created

    def row_class(self, classes: str) -> str:
        """A list row's ``class`` value in this design."""
        if not self.row_classes:
            return classes
        renamed = dict(self.row_classes)
        return " ".join(renamed.get(token, token) for token in classes.split())

    def comment_rows(self, data: dict[str, Any]) -> dict[str, Any]:
        """The comment JSON with each row's number under this design's key."""
        if self.comment_no_key == "no":
            return data
        key = self.comment_no_key
        rows = [{(key if k == "no" else k): v for k, v in row.items()} for row in data["comments"]]
        return {**data, "comments": rows}


SITE_DESIGN = Design()


def design(names: Iterable[str]) -> Design:
    """The site's design with the named drifts applied (:data:`SITE_DESIGN` for none)."""
    chosen = frozenset(names)
    unknown = chosen - set(DRIFTS)
    if unknown:
        raise ValueError(f"unknown drifts {sorted(unknown)} (known: {DRIFTS})")
    if not chosen:
        return SITE_DESIGN
    site = SITE_DESIGN
    writer, dates, rows = "writer-class" in chosen, "date-title" in chosen, "list-wrapper" in chosen
    return Design(
        writer_class="gall_author" if writer else site.writer_class,
        nick_class="author_nick" if writer else site.nick_class,
        date_attr="data-date" if dates else site.date_attr,
        relative_view_date=dates,
        row_classes=_DRIFTED_ROW_CLASSES if rows else site.row_classes,
        list_container="gall_list_area" if rows else site.list_container,
        esno_input="no-esno" not in chosen,
        comment_no_key="comment_no" if "comment-key" in chosen else site.comment_no_key,
        future_every=FUTURE_EVERY if "future-date" in chosen else site.future_every,
    )


def ago_text(value: datetime, now: datetime) -> str:
    """A relative time as redesigned pages show it: ``방금 전``, ``N분 전``, ``N시간 전``,
    ``N일 전``, ``N개월 전``, ``N년 전`` (a time after ``now`` is ``방금 전``)."""
    seconds = int((now - value).total_seconds())
    if seconds < 60:
        return "방금 전"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}분 전"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}시간 전"
    days = hours // 24
    if days < 30:
        return f"{days}일 전"
    if days < 365:
        return f"{days // 30}개월 전"
    return f"{days // 365}년 전"
