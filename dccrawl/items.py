"""The field contract between the spider, the loaders and the database.

Every field below is a column of the ``posts`` or ``comments`` table (see
``dccrawl/db/migrations``) and a key of the replica's ``truth`` output, so the
three agree on one vocabulary. Types are what the loaders produce:

* times are timezone-aware ``datetime`` objects in KST (Asia/Seoul, UTC+9);
* counts are ``int`` (``None`` only where the site shows no box at all);
* ``writer_uid`` is set for members (fixed and semi-fixed nicks), ``writer_ip``
  (the two-octet prefix such as ``"118.235"``) for anonymous writers.
"""

from __future__ import annotations

import scrapy
from scrapy.exceptions import DropItem


class Post(scrapy.Item):
    """One post of a gallery, as its view page (and list row) shows it."""

    gallery_id = scrapy.Field()  # str: the gallery's id, e.g. "programming"
    gallery_kind = scrapy.Field()  # str: "major" | "minor" | "mini" | "person"
    post_no = scrapy.Field()  # int: the post number in its gallery
    title = scrapy.Field()  # str
    head = scrapy.Field()  # str | None: 말머리 without brackets
    writer_nick = scrapy.Field()  # str: nickname without IP or gallog noise
    writer_uid = scrapy.Field()  # str | None: login id of members
    writer_ip = scrapy.Field()  # str | None: IP prefix of anonymous writers
    created_at = scrapy.Field()  # datetime (KST)
    views = scrapy.Field()  # int
    recommend = scrapy.Field()  # int
    downvotes = scrapy.Field()  # int | None: None where the gallery has no 비추 box
    comment_count = scrapy.Field()  # int
    body_text = scrapy.Field()  # str: visible text, one line per block
    body_html = scrapy.Field()  # str: the body's HTML without scripts, ads, handlers
    image_urls = scrapy.Field()  # list[str]: real image URLs in body order
    is_deleted = scrapy.Field()  # bool
    url = scrapy.Field()  # str: canonical view URL (id and no only)
    crawled_at = scrapy.Field()  # datetime (KST): when the view page was fetched
    # What the list row and the page show besides (issue 15). The list flags are None
    # where no list row was read (a posts=A-B backfill): unknown, not false.
    is_notice = scrapy.Field()  # bool | None: a pinned notice (운영자/매니저 announcements, rules)
    is_recommended = scrapy.Field()  # bool | None: 개념글 (an icon_recom* row, or the 개념글 list)
    writer_class = scrapy.Field()  # str | None: dccrawl.site.writers.WRITER_CLASSES
    recommend_fixed = scrapy.Field()  # int | None: 고정닉 추천 (members' share of recommend)
    video_urls = scrapy.Field()  # list[str]: video players and embeds in body order


class ListedPost(scrapy.Item):
    """A stored post as its list row shows it now (refresh mode, ``dccrawl/refresh.py``).

    Updates only these columns of the stored row (never inserts one): what a refresh learns
    without the view page. A change of the counts adds a ``post_snapshots`` row, as a view
    page's would."""

    gallery_id = scrapy.Field()  # str
    post_no = scrapy.Field()  # int
    title = scrapy.Field()  # str | None: None where the row shows none (the stored one stays)
    views = scrapy.Field()  # int | None
    recommend = scrapy.Field()  # int | None
    comment_count = scrapy.Field()  # int | None: [N/M] → N + M
    is_recommended = scrapy.Field()  # bool
    is_notice = scrapy.Field()  # bool
    listed_at = scrapy.Field()  # datetime (KST): when the list page was fetched


class MediaPost(Post):
    """A Post crawled with media on (``-a media=1|all``): also the attachments its page lists.

    ``attachments`` is input for the media pipeline (``pipelines/media.py``), which
    downloads them with the body's ``image_urls`` and records every file in the
    ``post_media`` table. It is no column of ``posts``, so it lives in this subclass and
    ``Post`` stays one field per column.
    """

    attachments = scrapy.Field()  # list[dict]: {"url": str, "filename": str | None}, page order
    # list[dict]: {"url": the player page, "file": the file it plays or None}, body order:
    # the uploaded videos among video_urls (embeds have no file to keep).
    videos = scrapy.Field()


class Comment(scrapy.Item):
    """One comment (or reply) of a post, from the comment endpoint or the rendered page."""

    gallery_id = scrapy.Field()  # str
    post_no = scrapy.Field()  # int
    comment_no = scrapy.Field()  # int
    parent_no = scrapy.Field()  # int | None: the comment a reply answers
    writer_nick = scrapy.Field()  # str
    writer_uid = scrapy.Field()  # str | None
    writer_ip = scrapy.Field()  # str | None
    created_at = scrapy.Field()  # datetime (KST)
    body_text = scrapy.Field()  # str | None: None for dccon-only comments
    dccon_url = scrapy.Field()  # str | None
    is_deleted = scrapy.Field()  # bool
    crawled_at = scrapy.Field()  # datetime (KST)
    writer_class = scrapy.Field()  # str | None: dccrawl.site.writers.WRITER_CLASSES
    is_voice = scrapy.Field()  # bool: a voice reply (보이스리플)
    via_app = scrapy.Field()  # bool: written in the app (its "- dc App" mark, not in body_text)


class CommentBatch(scrapy.Item):
    """The comments of one comment page, on their way through the item pipelines as one item.

    Each Scrapy item costs about 0.1 ms of Scrapy's own machinery (spider
    middlewares, the pipeline chain, the ``item_scraped`` signal); with ~20
    comments per post, one item per comment made that the largest cost of a
    crawl (``bench/RESULTS.md``). ``dccrawl.batching`` groups the ``Comment``
    items a callback yields into this; the pipelines handle each comment as
    before. Crawls with feed exports or comment media keep single comments.
    """

    comments = scrapy.Field()  # list[Comment]: one post's comments from one page, in page order


class PageFailure(scrapy.Item):
    """A page the crawl could not get: a row of the failure ledger (``crawl_failures``).

    Not data of the site but of the crawl: ``pipelines/postgres.py`` records it with the
    posts and comments of the same batch, and ``python -m dccrawl retry`` fetches the page
    again. ``page_kind`` is ``list``, ``view``, ``comments`` or ``posts`` (see migration
    0004 for what each means)."""

    gallery_id = scrapy.Field()  # str
    page_kind = scrapy.Field()  # str: list | view | comments | posts
    path = scrapy.Field()  # str: the page's path and query on the site
    post_no = scrapy.Field()  # int | None: None for list pages
    reason = scrapy.Field()  # str: why it was given up
    arguments = scrapy.Field()  # dict[str, str]: the crawl's spider arguments (for retry)
    follow_pages = scrapy.Field()  # bool: list pages: the pages after it were never reached
    # dict | None: view pages reached from a list row: {"comments", "is_notice", "is_recommended"}
    list_row = scrapy.Field()
    seen_at = scrapy.Field()  # datetime (KST): when it was given up


class PageDone(scrapy.Item):
    """A page the crawl did get: its ledger row, if any, is cleared.

    Posts clear their own view rows when they are written (``dccrawl/db/failures.py``);
    this item is for the successes that store no post row: a list page, a missing post,
    a post's comments read to the count, a ``posts`` range walked to its end."""

    gallery_id = scrapy.Field()  # str
    page_kind = scrapy.Field()  # str: list | view | comments | posts
    path = scrapy.Field()  # str
    seen_at = scrapy.Field()  # datetime (KST): when it was read


LEDGER_ITEMS = (PageFailure, PageDone)


class DuplicateItem(DropItem):
    """The one drop that loses nothing: an item this job already passed on.

    ``pipelines/dedup.py`` raises it; the exit code (``dccrawl/extensions/exitcode.py``)
    counts every other ``DropItem`` as a lost item."""


class LedgerItem(DropItem):
    """The end of a ``PageFailure``/``PageDone`` item's way: ``pipelines/postgres.py`` has
    buffered it for the failure ledger. Dropped there so that it stays out of feed exports
    (``-O file.jsonl`` holds the site's data, not the crawl's bookkeeping); no loss."""
