"""Item loaders: the raw fields of ``dccrawl.site`` become typed ``Post``/``Comment`` items.

Each field's input processor is one function of :mod:`dccrawl.normalize` (or, for
bodies and memos, :mod:`dccrawl.htmlclean`), so "what a field means" is written
once and the spider only says where a value came from. Processors are declared
once, at class level, and run through the compiled plan of
``dccrawl/compiled_loader.py``.

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

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from itemloaders.processors import Compose, Identity, MapCompose

from dccrawl import htmlclean, normalize
from dccrawl.compiled_loader import UNCOMPILED, CompiledItemLoader, Context
from dccrawl.items import Comment, Post
from dccrawl.site.comments import RawComment
from dccrawl.site.lists import ListRow
from dccrawl.site.urls import KINDS
from dccrawl.site.views import ViewPage
from dccrawl.site.writers import WRITER_CLASSES, writer_class

if TYPE_CHECKING:
    pass


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
    return htmlclean.body_html(value, loader_context.get("base_url"))


def _body_text(value: object, loader_context: Context) -> str:
    return htmlclean.body_text(value, loader_context.get("base_url"))


def _images_in_body(value: object, loader_context: Context) -> list[str]:
    """Image URLs of a raw body (``add_value`` processor: the field itself takes URLs)."""
    urls: list[str] = []
    for html in value if isinstance(value, list) else [value]:
        urls.extend(htmlclean.image_urls(html, loader_context.get("base_url")))
    return urls


def _videos_in_body(value: object, loader_context: Context) -> list[str]:
    return (
        htmlclean.video_urls(value, loader_context.get("base_url"))
        if isinstance(value, str)
        else []
    )


def _writer_class(value: object) -> str | None:
    """Only the vocabulary of ``dccrawl.site.writers`` is a writer class."""
    return value if value in WRITER_CLASSES else None


def _absolute_url(value: object, loader_context: Context) -> str | None:
    return htmlclean.absolute_url(value, loader_context.get("base_url"))


def _dccon_url(value: object, loader_context: Context) -> str | None:
    return htmlclean.dccon_url(value, loader_context.get("base_url"))


def _first_present(values: Iterable[object]) -> object | None:
    """Like ``TakeFirst`` but keeps ``""``: an image-only post has an empty, known text."""
    for value in values:
        if value is not None:
            return value
    return None


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _attachment(value: object, loader_context: Context) -> dict[str, str | None] | None:
    """A (URL, file name) pair of the attachment list as ``{"url", "filename"}``; None
    (dropped) without a usable URL."""
    url, name = value if isinstance(value, tuple) and len(value) == 2 else (value, None)
    absolute = htmlclean.absolute_url(url, loader_context.get("base_url"))
    if absolute is None:
        return None
    return {"url": absolute, "filename": normalize.clean_text(name) or None}


class _KstLoader(CompiledItemLoader):
    """Shared context handling: ``crawled_at`` is both a field and the date reference."""

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

    def _add_writer(
        self, nick: object, uid: object, ip: object, text: object, icon: str | None = None
    ) -> None:
        writer = normalize.resolve_writer(nick, uid, ip, text)
        self.add_value("writer_nick", writer.nick)
        self.add_value("writer_uid", writer.uid)
        self.add_value("writer_ip", writer.ip)
        self.add_value("writer_class", writer_class(icon, writer.uid, writer.ip, writer.nick))


class PostLoader(_KstLoader):
    """Builds a :class:`~dccrawl.items.Post` from a view page (and optionally its list row)."""

    default_item_class = Post
    _defaults: ClassVar[dict[str, Any]] = {
        "image_urls": [],
        "video_urls": [],
        "is_deleted": False,
        "attachments": [],  # only MediaPost has the field
    }

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
    attachments_in = MapCompose(_attachment)
    attachments_out = Identity()
    is_notice_in = MapCompose(normalize.parse_bool)
    is_recommended_in = MapCompose(normalize.parse_bool)
    writer_class_in = MapCompose(_writer_class)
    recommend_fixed_in = MapCompose(normalize.parse_count)
    video_urls_in = MapCompose(_absolute_url)
    video_urls_out = Compose(_unique)

    def add_view(self, view: ViewPage) -> PostLoader:
        """Add every field a parsed view page carries (incl. gallery id and post number)."""
        self.add_value("gallery_id", view.context.gallery_id)
        self.add_value("post_no", view.context.post_no)
        self.add_value("title", view.title)
        self.add_value("head", view.head)
        self._add_writer(
            view.writer_nick, view.writer_uid, view.writer_ip, view.writer_text, view.writer_icon
        )
        self.add_value("created_at", [view.date_title, view.date_text])
        self.add_value("views", view.views)
        self.add_value("recommend", view.recommend)
        self.add_value("recommend_fixed", view.recommend_fixed)
        self.add_value("downvotes", view.downvotes)
        self.add_value("comment_count", view.comment_count)
        self.add_value("body_html", view.body_html)
        self.add_value("body_text", view.body_html)
        self.add_value("image_urls", view.body_html, _images_in_body)
        self.add_value("video_urls", view.body_html, _videos_in_body)
        return self

    def add_attachments(self, view: ViewPage) -> PostLoader:
        """Add the page's attachment list; the item must be a :class:`~dccrawl.items.MediaPost`
        (``PostLoader(item=MediaPost())``), the only kind with that field."""
        self.add_value("attachments", view.attachments)
        return self

    def add_list_row(self, row: ListRow) -> PostLoader:
        """Add a list row's fields (after :meth:`add_view`, they only fill gaps)."""
        self.add_value("post_no", row.post_no)
        self.add_value("title", row.title)
        self.add_value("head", row.head)
        self._add_writer(
            row.writer_nick, row.writer_uid, row.writer_ip, row.writer_text, row.writer_icon
        )
        self.add_value("created_at", [row.date_title, row.date_text])
        self.add_value("views", row.views)
        self.add_value("recommend", row.recommend)
        self.add_value("comment_count", row.comment_count)
        return self


class CommentLoader(_KstLoader):
    """Builds a :class:`~dccrawl.items.Comment` from one row of the comment API."""

    default_item_class = Comment
    _defaults: ClassVar[dict[str, Any]] = {"is_deleted": False, "is_voice": False, "via_app": False}

    gallery_id_in = MapCompose(normalize.clean_text)
    post_no_in = MapCompose(normalize.parse_int)
    comment_no_in = MapCompose(normalize.parse_int)
    parent_no_in = MapCompose(normalize.parse_int)
    writer_nick_in = MapCompose(normalize.clean_nick)
    writer_uid_in = MapCompose(normalize.clean_uid)
    writer_ip_in = MapCompose(normalize.normalize_ip)
    created_at_in = MapCompose(_time_source)
    created_at_out = Compose(_best_time)
    body_text_in = MapCompose(htmlclean.memo_text)
    dccon_url_in = MapCompose(_dccon_url)
    is_deleted_in = MapCompose(normalize.parse_bool)
    crawled_at_in = MapCompose(_crawled_at)
    writer_class_in = MapCompose(_writer_class)
    is_voice_in = MapCompose(normalize.parse_bool)
    via_app_in = MapCompose(htmlclean.memo_via_app)

    def add_comment(self, comment: RawComment) -> CommentLoader:
        """Add every field of a parsed comment row (``post_no`` from its ``parent``)."""
        for field_name, value in self._comment_values(comment):
            self.add_value(field_name, value)
        return self

    @staticmethod
    def _comment_values(comment: RawComment) -> Iterator[tuple[str, object]]:
        """The (field, raw value) pairs of one comment row, in the order they are added."""
        yield "post_no", comment.post_no
        yield "comment_no", comment.comment_no
        yield "parent_no", comment.parent_no
        # The API's name/user_id/ip are the data attributes of the rendered comment.
        writer = normalize.resolve_writer(comment.name, comment.user_id or "", comment.ip or "")
        yield "writer_nick", writer.nick
        yield "writer_uid", writer.uid
        yield "writer_ip", writer.ip
        yield "writer_class", writer_class(comment.writer_icon, writer.uid, writer.ip, writer.nick)
        yield "created_at", comment.reg_date
        yield "body_text", comment.memo
        yield "dccon_url", comment.memo
        yield "is_deleted", comment.is_deleted
        yield "is_voice", comment.has_voice
        yield "via_app", comment.memo

    @classmethod
    def load_comments(
        cls,
        comments: Iterable[RawComment],
        *,
        crawled_at: datetime,
        base_url: str | None = None,
        **shared: object,
    ) -> list[Comment]:
        """One item per comment row: for each, exactly what ::

            loader = CommentLoader(crawled_at=crawled_at, base_url=base_url)
            for name, value in shared.items():   # e.g. gallery_id=…, post_no=…
                loader.add_value(name, value)
            item = loader.add_comment(raw).load_item()

        gives, through the same processors. Why: a crawl loads ~20 comments per
        post, and a loader object per comment (its context, its value lists, the
        ``load_item`` walk) cost as much as normalising the fields themselves.
        Here the shared values are normalised once and no loader is built.
        """
        kst = normalize.as_kst(crawled_at)
        context: Context = {"crawled_at": kst, "base_url": base_url}
        common: dict[str, list[Any]] = {}
        for name, value in (("crawled_at", kst), *shared.items()):
            values = cls._inputs_of(name, value, context)
            if values:
                common.setdefault(name, []).extend(values)
        items: list[Comment] = []
        for comment in comments:
            collected = {name: list(values) for name, values in common.items()}
            for name, value in cls._comment_values(comment):
                values = cls._inputs_of(name, value, context)
                if values:
                    collected.setdefault(name, []).extend(values)
            item = Comment()
            for name, values in collected.items():
                out = cls._output(name, values, context)
                if out is UNCOMPILED:
                    raise TypeError(f"{cls.__name__}.{name}_out is not a compiled processor")
                if out is not None:
                    item[name] = out
            items.append(cls._fill_defaults(item))
        return items

    @classmethod
    def _inputs_of(cls, field_name: str, value: object, context: Context) -> list[Any]:
        """``add_value(field_name, value)``'s contribution to the field's values."""
        inputs = cls._plan_of(field_name).inputs
        if inputs is None:
            raise TypeError(f"{cls.__name__}.{field_name}_in is not a compiled processor")
        return [] if value is None else cls._run_inputs(inputs, value, context)
