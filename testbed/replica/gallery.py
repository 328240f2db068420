"""One gallery while it is served: its source plus arrivals and deletions over time.

The source is pure; this object adds the ``new_posts``/``delete_posts`` faults, keeps the
ordered post-number sequences the list pages are cut from (updated in place, not rebuilt,
so pages stay cheap while posts arrive), numbers the comments gallery-wide, and caches
generated posts, bodies and comment threads.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from .hashing import h64
from .lru import LRU
from .model import Body, Comment, GalleryConfig, Post, PostStatus
from .source import GallerySource

FilterKey = tuple[bool, int | None]  # (개념글 only, head id or None)


@dataclass(frozen=True)
class Search:
    """A gallery search: type, keyword and window (``search_pos = -top``)."""

    s_type: str
    keyword: str
    top: int


class CommentNumbering:
    """Gallery-wide numbers of the comments posts have at epoch 0, by post number.

    The site numbers comments in time order across a gallery; numbering each post's
    comments after all comments of lower-numbered posts approximates that and keeps numbers
    unique per gallery. Later epochs' comments are numbered after ``end`` by the activity
    model (``activity.Timeline``), in time order, so they are above every earlier one.
    """

    def __init__(self, source: GallerySource) -> None:
        base = getattr(source, "comment_base", 0) + 1
        self.posts = array("q")
        self.starts = array("q")
        for no in source.numbers():
            count = source.comment_plan(no)[0]
            if count:
                self.posts.append(no)
                self.starts.append(base)
                base += count
        self.end = base  # the first number no epoch-0 comment has

    def starts_for(self, no: int) -> tuple[int, ...]:
        """(the number of the post's first epoch-0 comment,): ``GallerySource.comments``."""
        i = bisect_left(self.posts, no)
        if i == len(self.posts) or self.posts[i] != no:
            return (0,)
        return (self.starts[i],)


class GalleryState:
    """The served state of one gallery (see module docstring)."""

    def __init__(self, source: GallerySource, seed: int, search_window: int) -> None:
        self.source = source
        self.config: GalleryConfig = source.config
        self.now = source.now
        self.seed = seed
        self.search_window = search_window
        self.version = 0
        self.arrived: dict[int, datetime] = {}
        self.fault_deleted: set[int] = set()
        self._seqs: dict[FilterKey, list[int]] = {}
        self._notices: list[int] | None = None
        self._numbering: CommentNumbering | None = None
        self._posts: LRU[int, Post] = LRU(50_000)
        self._bodies: LRU[int, Body] = LRU(5_000)
        self._comments: LRU[int, list[Comment]] = LRU(2_000)
        self._search: LRU[tuple[object, ...], list[int]] = LRU(256)
        self.arrivals_applied = 0
        self.deletions_applied = 0
        self._movies: frozenset[str] | None = None

    # -- facts -----------------------------------------------------------------------------
    def status(self, no: int) -> PostStatus:
        if no in self.fault_deleted:
            return "deleted"
        if no in self.arrived:
            return "live"
        return self.source.status(no)

    def post(self, no: int) -> Post:
        created = self.arrived.get(no)
        if created is not None:
            return self._posts.get_or(no, lambda: self.source.new_post(no, created))
        return self._posts.get_or(no, lambda: self.source.post(no))

    def body(self, no: int) -> Body:
        if no in self.arrived:
            return self._bodies.get_or(no, lambda: self.source.new_body(no))
        return self._bodies.get_or(no, lambda: self.source.body(no))

    def comments(self, no: int) -> list[Comment]:
        if no in self.arrived:
            return []
        return self._comments.get_or(
            no, lambda: self.source.comments(no, self.numbering.starts_for(no))
        )

    def movies(self) -> frozenset[str]:
        """The movie numbers (``movie_view?no=``) the gallery's posts embed; built on first
        use from the cheap per-post video plan. A movie stays served after its post is
        deleted while serving or in a later epoch, as a file outlives the page that showed
        it."""
        if self._movies is None:
            self._movies = frozenset(
                video.key
                for no in self.source.numbers()
                if self.source.original_status(no) == "live"
                for video in self.source.videos(no)
                if video.kind == "movie"
            )
        return self._movies

    @property
    def numbering(self) -> CommentNumbering:
        if self._numbering is None:
            self._numbering = CommentNumbering(self.source)
        return self._numbering

    def all_numbers(self) -> list[int]:
        """Every number that ever existed (live or deleted), ascending."""
        return [*self.source.numbers(), *sorted(self.arrived)]

    def head_number(self) -> int:
        """The newest post number (the default search window starts here)."""
        numbers = self.source.numbers()
        newest = numbers[-1] if numbers else 0
        return max(newest, max(self.arrived, default=0))

    # -- sequences -------------------------------------------------------------------------
    def notices(self) -> list[int]:
        if self._notices is None:
            self._notices = [
                n
                for n in self.source.numbers()[: self.config.notice_count]
                if n <= self.config.notice_count and self.status(n) == "live"
            ]
        return self._notices

    def _matches(self, no: int, key: FilterKey) -> bool:
        recommended_only, head_id = key
        if not recommended_only and head_id is None:
            return True
        if no in self.arrived:
            post = self.post(no)
            recommended, head = post.recommended, post.head_id
        else:
            recommended, head = self.source.flags(no)
        return (not recommended_only or recommended) and (head_id is None or head == head_id)

    def sequence(self, key: FilterKey) -> list[int]:
        """Listed post numbers (live, not notices) matching the filter, ascending."""
        seq = self._seqs.get(key)
        if seq is None:
            if key == (False, None):
                notices = set(self.notices())
                seq = [
                    n
                    for n in self.source.numbers()
                    if n not in notices and self.status(n) == "live"
                ]
                seq += sorted(n for n in self.arrived if n not in self.fault_deleted)
            else:
                seq = [n for n in self.sequence((False, None)) if self._matches(n, key)]
            self._seqs[key] = seq
        return seq

    def search(self, search: Search, key: FilterKey) -> list[int]:
        """Matches inside the window (top - W, top], newest first."""
        cache_key = (self.version, search, key)
        return self._search.get_or(cache_key, lambda: self._run_search(search, key))

    def _run_search(self, search: Search, key: FilterKey) -> list[int]:
        seq = self.sequence(key)
        lo = bisect_right(seq, search.top - self.search_window)
        hi = bisect_right(seq, search.top)
        needle = search.keyword.casefold()
        if not needle:
            return []
        return [n for n in reversed(seq[lo:hi]) if self._search_hit(n, search.s_type, needle)]

    def _search_hit(self, no: int, s_type: str, needle: str) -> bool:
        def has(text: str | None) -> bool:
            return text is not None and needle in " ".join(text.split()).casefold()

        post = self.post(no)
        if s_type == "search_subject":
            return has(post.title)
        if s_type == "search_memo":
            return has(self.body(no).text)
        if s_type == "search_name":
            return has(post.writer.nick)
        if s_type == "search_comment":
            return any(has(c.text) for c in self.comments(no))
        return has(post.title) or has(self.body(no).text)  # search_subject_memo (default)

    # -- changes while serving -------------------------------------------------------------
    def apply_faults(self, elapsed: float, new_rate: float, delete_rate: float) -> bool:
        """Bring arrivals/deletions up to ``elapsed`` seconds; True if anything changed."""
        changed = False
        if new_rate > 0:
            target = int(elapsed * new_rate)
            while self.arrivals_applied < target:
                self.arrivals_applied += 1
                at = self.now + timedelta(seconds=self.arrivals_applied / new_rate)
                self._arrive(self.head_number() + 1, at)
                changed = True
        if delete_rate > 0:
            target = int(elapsed * delete_rate)
            while self.deletions_applied < target:
                self.deletions_applied += 1
                seq = self.sequence((False, None))
                if not seq:
                    break
                pick = h64(self.seed, self.config.id, "fault-delete", self.deletions_applied)
                self._delete(seq[pick % len(seq)])
                changed = True
        if changed:
            self.version += 1
        return changed

    def _arrive(self, no: int, at: datetime) -> None:
        self.arrived[no] = at
        post = self.post(no)
        for key, seq in self._seqs.items():
            recommended_only, head_id = key
            if (not recommended_only or post.recommended) and (
                head_id is None or post.head_id == head_id
            ):
                seq.append(no)

    def _delete(self, no: int) -> None:
        self.fault_deleted.add(no)
        for seq in self._seqs.values():
            i = bisect_left(seq, no)
            if i < len(seq) and seq[i] == no:
                del seq[i]
