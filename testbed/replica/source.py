"""The interface between a gallery's data (generated or seed) and the serving state."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

from .model import Body, Comment, GalleryConfig, Post, PostStatus, Video


class GallerySource(ABC):
    """Pure, deterministic facts about one gallery at one epoch.

    ``now`` is the gallery's clock at that epoch (``--now`` at epoch 0, later for later
    epochs: ``activity.clock``). ``GalleryState`` adds what changes while serving
    (arrivals, deletions) on top.
    """

    config: GalleryConfig
    now: datetime

    @abstractmethod
    def numbers(self) -> Sequence[int]:
        """Every post number that ever existed (live or deleted), ascending."""

    @abstractmethod
    def status(self, no: int) -> PostStatus:
        """Whether a number is live, deleted, or never existed."""

    @abstractmethod
    def flags(self, no: int) -> tuple[bool, int | None]:
        """(개념글, head id) of a number, cheaply (for filtered list sequences)."""

    @abstractmethod
    def post(self, no: int) -> Post:
        """The live post with this number (only for status ``live``)."""

    @abstractmethod
    def body(self, no: int) -> Body:
        """The body of a live post."""

    @abstractmethod
    def comment_plan(self, no: int) -> tuple[int, ...]:
        """Comments added per epoch: (epoch 0 count, epoch 1 additions, ...).

        Deleted posts have plans too: their comments used up comment numbers.
        """

    @abstractmethod
    def comments(self, no: int, starts: Sequence[int]) -> list[Comment]:
        """The post's comments in display order; ``starts[0]`` numbers its epoch-0 comments
        (``CommentNumbering``); later epochs' comments come numbered by the source."""

    def touched(self, after: int, upto: int) -> set[int]:
        """Posts whose comments changed between epochs ``after`` and ``upto`` (new comments,
        deleted ones): the threads ``changes`` compares. None for sources without epochs."""
        return set()

    def original_status(self, no: int) -> PostStatus:
        """The status at epoch 0, before any later epoch's deletions (a movie stays served
        after its post is deleted). The same as ``status`` for sources without epochs."""
        return self.status(no)

    def videos(self, no: int) -> tuple[Video, ...]:
        """The videos a live post's body embeds, without generating the body (the movie
        player page looks its numbers up across a whole gallery). None by default."""
        return ()

    def survey_row(self) -> tuple[str, datetime, str] | None:
        """The survey row (title, time, visible date) if the gallery shows one."""
        return None

    def news_row(self) -> tuple[str, datetime, str] | None:
        """The 디시트렌드 news row (title, time, visible date) if the gallery shows one."""
        return None

    def new_post(self, no: int, created: datetime) -> Post:
        """A post that arrives while serving (the ``new_posts`` fault)."""
        raise NotImplementedError

    def new_body(self, no: int) -> Body:
        raise NotImplementedError
