"""Item loaders: the raw fields of ``dccrawl.site`` become typed ``Post``/``Comment`` items.

Each field's input processor is one function of :mod:`dccrawl.normalize`, so
"what a field means" is written once and the spider only says where a value
came from. Processors are built once, at class level.

Usage (the spider)::

    view = parse_view(response, url=response.url)        # dccrawl.site.views
    loader = PostLoader(crawled_at=fetched_at, base_url=response.url)
    loader.add_view(view)             # incl. gallery_id and post_no from the page
    loader.add_list_row(row)          # optional: fills only what the view lacks
    loader.add_value("gallery_kind", kind)
    loader.add_value("url", view_url(gallery_id, post_no, kind, base_url=base))
    post = loader.load_item()

    for raw in parse_comment_page(response.text).comments:   # dccrawl.site.comments
        item = CommentLoader(crawled_at=fetched_at, base_url=view_url_)
        item.add_value("gallery_id", gallery_id)
        yield item.add_comment(raw).load_item()

Context: ``crawled_at`` (also the reference for year-less dates; ``reference``
overrides it) and ``base_url`` (resolves relative image/dccon URLs).
For single-valued fields the first value added wins, so add the view page
before the list row; ``created_at`` instead takes the most precise of all
values (a full ``title`` timestamp beats a visible ``15:59``) in any order.
``load_item`` sets every field: ``None`` where nothing was known, ``[]`` for
``image_urls``, ``False`` for ``is_deleted``.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import datetime
from typing import Any, ClassVar

from itemloaders.processors import Compose, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from dccrawl import normalize
from dccrawl.items import Comment, Post
from dccrawl.site.comments import RawComment
from dccrawl.site.lists import ListRow
from dccrawl.site.urls import KINDS
from dccrawl.site.views import ViewPage

Context = MutableMapping[str, Any]


def _reference(loader_context: Context) -> datetime | None:
    value = loader_context.get("reference") or loader_context.get("crawled_at")
    return value if isinstance(value, datetime) else None


def _time_source(value: object) -> object | None:
    """Keep a time's raw spelling (or datetime) until output, where the best one is chosen."""
    if isinstance(value, datetime):
        return value
    return normalize.clean_text(value)


def _best_time(values: Iterable[object], loader_context: Context) -> datetime | None:
    return normalize.best_time(values, _reference(loader_context))


def _crawled_at(value: object) -> datetime | None:
    return normalize.as_kst(value) if isinstance(value, datetime) else normalize.parse_kst(value)


def _kind(value: object) -> str | None:
    text = normalize.clean_text(value)
    return text if text in KINDS else None


def _body_html(value: object, loader_context: Context) -> str:
    return normalize.body_html(value, loader_context.get("base_url"))


def _body_text(value: object, loader_context: Context) -> str:
    return normalize.body_text(value, loader_context.get("base_url"))


def _images_in_body(value: object, loader_context: Context) -> list[str]:
    """Image URLs of a raw body (``add_value`` processor: the field itself takes URLs)."""
    urls: list[str] = []
    for html in value if isinstance(value, list) else [value]:
        urls.extend(normalize.image_urls(html, loader_context.get("base_url")))
    return urls


def _absolute_url(value: object, loader_context: Context) -> str | None:
    return normalize.absolute_url(value, loader_context.get("base_url"))


def _dccon_url(value: object, loader_context: Context) -> str | None:
    return normalize.dccon_url(value, loader_context.get("base_url"))


def _first_present(values: Iterable[object]) -> object | None:
    """Like ``TakeFirst`` but keeps ``""``: an image-only post has an empty, known text."""
    for value in values:
        if value is not None:
            return value
    return None


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class _KstLoader(ItemLoader):
    """Shared context handling: ``crawled_at`` is both a field and the date reference."""

    default_output_processor = TakeFirst()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        item: Any = None,
        *,
        crawled_at: datetime | None = None,
        base_url: str | None = None,
        **context: Any,
    ) -> None:
        if crawled_at is not None:
            crawled_at = normalize.as_kst(crawled_at)
        super().__init__(item=item, crawled_at=crawled_at, base_url=base_url, **context)
        if crawled_at is not None:
            self.add_value("crawled_at", crawled_at)

    def _add_writer(self, nick: object, uid: object, ip: object, text: object) -> None:
        writer = normalize.resolve_writer(nick, uid, ip, text)
        self.add_value("writer_nick", writer.nick)
        self.add_value("writer_uid", writer.uid)
        self.add_value("writer_ip", writer.ip)

    def load_item(self) -> Any:
        """The item with every field set (``None``/``[]``/``False`` where nothing was added)."""
        item = super().load_item()
        for name in item.fields:
            if name not in item:
                default = self._defaults.get(name)
                item[name] = list(default) if isinstance(default, list) else default
        return item


class PostLoader(_KstLoader):
    """Builds a :class:`~dccrawl.items.Post` from a view page (and optionally its list row)."""

    default_item_class = Post
    _defaults: ClassVar[dict[str, Any]] = {"image_urls": [], "is_deleted": False}

    gallery_id_in = MapCompose(normalize.clean_text)
    gallery_kind_in = MapCompose(_kind)
    post_no_in = MapCompose(normalize.parse_int)
    title_in = MapCompose(normalize.clean_text)
    head_in = MapCompose(normalize.clean_head)
    writer_nick_in = MapCompose(normalize.clean_nick)
    writer_uid_in = MapCompose(normalize.clean_uid)
    writer_ip_in = MapCompose(normalize.normalize_ip)
    created_at_in = MapCompose(_time_source)
    created_at_out = Compose(_best_time)
    views_in = MapCompose(normalize.parse_count)
    recommend_in = MapCompose(normalize.parse_count)
    downvotes_in = MapCompose(normalize.parse_count)
    comment_count_in = MapCompose(normalize.parse_count)
    body_html_in = MapCompose(_body_html)
    body_html_out = Compose(_first_present)
    body_text_in = MapCompose(_body_text)
    body_text_out = Compose(_first_present)
    image_urls_in = MapCompose(_absolute_url)
    image_urls_out = Compose(_unique)
    is_deleted_in = MapCompose(normalize.parse_bool)
    url_in = MapCompose(normalize.clean_text)
    crawled_at_in = MapCompose(_crawled_at)

    def add_view(self, view: ViewPage) -> PostLoader:
        """Add every field a parsed view page carries (incl. gallery id and post number)."""
        self.add_value("gallery_id", view.context.gallery_id)
        self.add_value("post_no", view.context.post_no)
        self.add_value("title", view.title)
        self.add_value("head", view.head)
        self._add_writer(view.writer_nick, view.writer_uid, view.writer_ip, view.writer_text)
        self.add_value("created_at", [view.date_title, view.date_text])
        self.add_value("views", view.views)
        self.add_value("recommend", view.recommend)
        self.add_value("downvotes", view.downvotes)
        self.add_value("comment_count", view.comment_count)
        self.add_value("body_html", view.body_html)
        self.add_value("body_text", view.body_html)
        self.add_value("image_urls", view.body_html, _images_in_body)
        return self

    def add_list_row(self, row: ListRow) -> PostLoader:
        """Add a list row's fields (after :meth:`add_view`, they only fill gaps)."""
        self.add_value("post_no", row.post_no)
        self.add_value("title", row.title)
        self.add_value("head", row.head)
        self._add_writer(row.writer_nick, row.writer_uid, row.writer_ip, row.writer_text)
        self.add_value("created_at", [row.date_title, row.date_text])
        self.add_value("views", row.views)
        self.add_value("recommend", row.recommend)
        self.add_value("comment_count", row.comment_count)
        return self


class CommentLoader(_KstLoader):
    """Builds a :class:`~dccrawl.items.Comment` from one row of the comment API."""

    default_item_class = Comment
    _defaults: ClassVar[dict[str, Any]] = {"is_deleted": False}

    gallery_id_in = MapCompose(normalize.clean_text)
    post_no_in = MapCompose(normalize.parse_int)
    comment_no_in = MapCompose(normalize.parse_int)
    parent_no_in = MapCompose(normalize.parse_int)
    writer_nick_in = MapCompose(normalize.clean_nick)
    writer_uid_in = MapCompose(normalize.clean_uid)
    writer_ip_in = MapCompose(normalize.normalize_ip)
    created_at_in = MapCompose(_time_source)
    created_at_out = Compose(_best_time)
    body_text_in = MapCompose(normalize.memo_text)
    dccon_url_in = MapCompose(_dccon_url)
    is_deleted_in = MapCompose(normalize.parse_bool)
    crawled_at_in = MapCompose(_crawled_at)

    def add_comment(self, comment: RawComment) -> CommentLoader:
        """Add every field of a parsed comment row (``post_no`` from its ``parent``)."""
        self.add_value("post_no", comment.post_no)
        self.add_value("comment_no", comment.comment_no)
        self.add_value("parent_no", comment.parent_no)
        # The API's name/user_id/ip are the data attributes of the rendered comment.
        self._add_writer(comment.name, comment.user_id or "", comment.ip or "", None)
        self.add_value("created_at", comment.reg_date)
        self.add_value("body_text", comment.memo)
        self.add_value("dccon_url", comment.memo)
        self.add_value("is_deleted", comment.is_deleted)
        return self
