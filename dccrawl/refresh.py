"""Refresh mode (``-a refresh=HORIZON``): what a list row says changed, and what to fetch for it.

A list row shows a post's title, views, 추천, 개념글 icon and ``[N/M]`` comment count. After a
full crawl most of what keeps changing on the site is visible there, so a refresh reads the
list from page 1 down to its horizon, compares every row with the stored post (one query per
list page), and spends requests only where the row cannot tell the whole story:

* a post number not stored (or stored as deleted) → its view page and comments, as a crawl
  does (``Decision.NEW``);
* a stored post whose row counts more comments than the rows stored → only the comment pages
  that can hold the others (``Decision.COMMENTS``). The endpoint sorts oldest first
  (``sort=D``) at 100 rows a page, so a thread that held T rows gains new threads from page
  ⌊T/100⌋+1 on; a reply to an older comment is inserted after its thread's last reply, on
  an earlier page. The spider reads from page ⌊T/100⌋+1 to the last page, and while the
  comments known (stored and read) fall short of the endpoint's ``total_cnt`` it walks back
  one page at a time (the replica proves both in ``testbed/replica/README.md``, "Comment
  pages over epochs");
* a stored post whose row shows other changes (views, 추천, title, 개념글) → no request: the
  row's values are stored as a ``ListedPost`` item (``Decision.ROW``), with a
  ``post_snapshots`` row when its counts changed;
* a stored live post inside the horizon that no list page showed → one view request: deleted
  posts are marked ``is_deleted`` (their data kept), live ones stored again.

What a refresh cannot see: the body (edits), 비추천 and 고정닉 추천 are shown only on the view
page, and a comment deleted on a page the refresh does not read again stays unmarked. They
are refreshed whenever the post's view or that comment page is read (a new post, a deletion
check, a full crawl). The README's "Keeping an archive current" says so for users.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import psycopg

from dccrawl import normalize
from dccrawl.arguments import Horizon
from dccrawl.items import ListedPost
from dccrawl.site.lists import ListRow

# Comment rows per page of the comment endpoint (SITE.md §4: ~100; the replica: 100). An
# estimate only steers where a refresh starts reading; the backward walk makes up for it.
COMMENT_PAGE_SIZE = 100


class Decision(enum.Enum):
    """What a refresh does about one list row."""

    SAME = "same"  # nothing the row shows changed
    ROW = "row"  # store the row's values (counts, title, 개념글), no request
    COMMENTS = "comments"  # the row's values, and the comment pages that can hold new comments
    NEW = "new"  # view page and comments, as a crawl does


@dataclass(frozen=True, slots=True)
class RowState:
    """What a list row shows of a post, normalized as the loaders normalize the view page."""

    post_no: int
    title: str | None
    views: int | None
    recommend: int | None
    comments: int | None  # [N/M] → N + M (voice replies are comments too)
    is_recommended: bool
    is_notice: bool

    @classmethod
    def of(cls, row: ListRow, *, in_recommend_list: bool = False) -> RowState:
        comments = None
        if row.comment_count is not None:
            comments = row.comment_count + (row.voice_count or 0)
        return cls(
            post_no=row.post_no,
            title=normalize.clean_text(row.title),
            views=normalize.parse_count(row.views),
            recommend=normalize.parse_count(row.recommend),
            comments=comments,
            is_recommended=row.is_recommended or (in_recommend_list and not row.is_notice),
            is_notice=row.is_notice,
        )

    def item(self, gallery_id: str, listed_at: datetime) -> ListedPost:
        """The ``ListedPost`` that updates the stored row with what this list row shows."""
        return ListedPost(
            gallery_id=gallery_id,
            post_no=self.post_no,
            title=self.title,
            views=self.views,
            recommend=self.recommend,
            comment_count=self.comments,
            is_recommended=self.is_recommended,
            is_notice=self.is_notice,
            listed_at=listed_at,
        )


@dataclass(frozen=True, slots=True)
class StoredPost:
    """What the database holds of a post, as far as a list row can contradict it."""

    post_no: int
    title: str | None
    views: int | None
    recommend: int | None
    comment_count: int | None
    is_recommended: bool | None
    is_notice: bool | None
    is_deleted: bool
    comment_rows: int  # comment rows stored (deleted-but-shown rows included)


def decide(row: RowState, stored: StoredPost | None) -> Decision:
    """What to do about a row, given the stored post (None: not stored)."""
    if stored is None or stored.is_deleted:
        return Decision.NEW
    # Against the comment rows held, not the stored count: a crawl stopped between a post's
    # view and its comment pages stored the count without the comments.
    if row.comments is not None and row.comments > stored.comment_rows:
        return Decision.COMMENTS
    shown = (row.title, row.views, row.recommend, row.comments, row.is_recommended, row.is_notice)
    held = (
        stored.title,
        stored.views,
        stored.recommend,
        stored.comment_count,
        stored.is_recommended,
        stored.is_notice,
    )
    # A value the row does not show (None) says nothing about the stored one.
    if any(new is not None and new != old for new, old in zip(shown, held, strict=True)):
        return Decision.ROW
    return Decision.SAME


def first_comment_page(stored_rows: int) -> int:
    """The first comment page that can hold comments written after ``stored_rows`` rows."""
    return max(stored_rows, 0) // COMMENT_PAGE_SIZE + 1


def in_horizon(horizon: Horizon, post_no: int, created_at: datetime | None, now: datetime) -> bool:
    """Whether a post is inside the horizon (a post of unknown time is, to be safe)."""
    if horizon.post_no is not None:
        return post_no >= horizon.post_no
    cutoff = horizon.cutoff(now)
    return created_at is None or cutoff is None or created_at >= cutoff


def page_reaches_horizon(
    horizon: Horizon, rows: Iterable[tuple[int, datetime | None]], now: datetime
) -> bool:
    """Whether a list page (its rows' numbers and times) reaches past the horizon: the last
    page a refresh needs."""
    return any(not in_horizon(horizon, no, created, now) for no, created in rows)


# --- the database side ---------------------------------------------------------------

_STORED = """
SELECT p.post_no, p.title, p.views, p.recommend, p.comment_count, p.is_recommended,
       p.is_notice, p.is_deleted,
       (SELECT count(*) FROM comments c WHERE c.gallery_id = p.gallery_id
                                          AND c.post_no = p.post_no)::int
FROM posts p
WHERE p.gallery_id = %s AND p.post_no = ANY(%s)
"""
_COMMENT_NUMBERS = """
SELECT post_no, comment_no FROM comments WHERE gallery_id = %s AND post_no = ANY(%s)
"""
_IN_HORIZON_BY_NUMBER = """
SELECT post_no FROM posts
WHERE gallery_id = %s AND NOT is_deleted AND post_no >= %s
"""
_IN_HORIZON_BY_TIME = """
SELECT post_no FROM posts
WHERE gallery_id = %s AND NOT is_deleted AND (created_at >= %s OR created_at IS NULL)
"""


class StoredPosts:
    """The refresh's reads of the database: one connection, opened on first use.

    Reads only, and never inside the writer's transactions: a row written by this crawl
    after a read is at worst compared again (a repeated request is filtered by the
    spider), never lost."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.AsyncConnection | None = None

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        return self._conn

    async def posts(self, gallery: str, post_nos: Iterable[int]) -> dict[int, StoredPost]:
        """The stored posts among ``post_nos``, by number."""
        numbers = sorted(set(post_nos))
        if not numbers:
            return {}
        conn = await self._connection()
        cursor = await conn.execute(_STORED, (gallery, numbers))
        return {row[0]: StoredPost(*row) for row in await cursor.fetchall()}

    async def comment_numbers(self, gallery: str, post_nos: Iterable[int]) -> dict[int, set[int]]:
        """The comment numbers stored for each of ``post_nos`` (an empty set for none)."""
        numbers = sorted(set(post_nos))
        known: dict[int, set[int]] = {no: set() for no in numbers}
        conn = await self._connection()
        cursor = await conn.execute(_COMMENT_NUMBERS, (gallery, numbers))
        for post_no, comment_no in await cursor.fetchall():
            known[post_no].add(comment_no)
        return known

    async def live_in_horizon(self, gallery: str, horizon: Horizon, now: datetime) -> set[int]:
        """The numbers of stored live posts inside the horizon."""
        conn = await self._connection()
        if horizon.post_no is not None:
            cursor = await conn.execute(_IN_HORIZON_BY_NUMBER, (gallery, horizon.post_no))
        else:
            cursor = await conn.execute(_IN_HORIZON_BY_TIME, (gallery, horizon.cutoff(now)))
        return {row[0] for row in await cursor.fetchall()}

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
