"""``ItemValidationPipeline``: keeps items that break the item contract out of the database.

Every ``Post``, ``Comment`` (one by one inside a ``CommentBatch``) and ``ListedPost`` is
checked against its JSON Schema (``dccrawl/schema.py``, ``dccrawl/validation.py``) before
it reaches the database: a wrong type, a negative count, a time in the future, an unknown
field. An item that breaks a rule is not stored, so it never overwrites a good row of an
earlier crawl; a batch loses only its bad comments. Each one is

* counted: ``dccrawl/quality/invalid/post`` (items per kind) and
  ``dccrawl/quality/invalid_rules/post.created_at/future`` (per field and rule), the
  counts Spidermon's validation keeps, under dccrawl's names;
* logged at ERROR with its page and every rule it breaks (the first
  ``DCCRAWL_INVALID_LOG_LIMIT`` per field and rule; the count goes on);
* a loss in the verdict: the crawl exits 3 (incomplete) and says how many.

Why not Spidermon's ``ItemValidationPipeline``: see ``dccrawl/validation.py``.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured

from dccrawl import stats as S
from dccrawl.items import Comment, CommentBatch, ListedPost, Post
from dccrawl.validation import ItemValidator, TimeRule, Violation, parse_tolerance

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class InvalidItem(DropItem):
    """An item that breaks the schema: kept out of the database, counted as a loss."""


def _where(kind: str, item: Mapping[str, Any]) -> str:
    """The page an item came from, or its key where it carries no URL."""
    if url := item.get("url"):
        return str(url)
    where = f"{item.get('gallery_id')} post {item.get('post_no')}"
    if kind == "comment":
        where += f" comment {item.get('comment_no')}"
    return where


class ItemValidationPipeline:
    def __init__(self, stats: StatsCollector, validator: ItemValidator, log_limit: int) -> None:
        self.stats = stats
        self.validator = validator
        self.log_limit = log_limit
        self.logged: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("DCCRAWL_VALIDATION", True):
            raise NotConfigured("DCCRAWL_VALIDATION is off")
        # A wrong value raises: crawls started by ``scrapy crawl`` were refused before
        # (dccrawl/setting_checks.py); turning validation off quietly would be worse.
        tolerance = parse_tolerance(settings.get("DCCRAWL_FUTURE_TOLERANCE"))
        assert crawler.stats is not None
        validator = ItemValidator(TimeRule(tolerance=tolerance))
        return cls(crawler.stats, validator, settings.getint("DCCRAWL_INVALID_LOG_LIMIT", 10))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, CommentBatch):
            comments = item.get("comments") or []
            kept = [comment for comment in comments if self._valid("comment", comment)]
            if len(kept) < len(comments):
                item["comments"] = kept
                if not kept:
                    raise InvalidItem("every comment of the batch breaks the schema")
            return item
        if isinstance(item, Post):
            kind = "post"
        elif isinstance(item, Comment):
            kind = "comment"
        elif isinstance(item, ListedPost):
            kind = "listed_post"
        else:
            return item
        if not self._valid(kind, item):
            raise InvalidItem(f"{kind} breaks the schema (see the ERROR line before)")
        return item

    def _valid(self, kind: str, item: Mapping[str, Any]) -> bool:
        violations = self.validator.violations(kind, item)
        if not violations:
            return True
        self.stats.inc_value(f"{S.INVALID}/{kind}")
        for violation in violations:
            self.stats.inc_value(f"{S.INVALID_RULES}/{kind}.{violation.field}/{violation.rule}")
        self._log(kind, item, violations)
        return False

    def _log(self, kind: str, item: Mapping[str, Any], violations: list[Violation]) -> None:
        keys = [f"{kind}.{v.field}/{v.rule}" for v in violations]
        fresh = [key for key in keys if self.logged[key] < self.log_limit]
        self.logged.update(keys)
        if not fresh:
            return
        last = [key for key in fresh if self.logged[key] == self.log_limit]
        more = f" (no more lines for {', '.join(last)}; still counted)" if last else ""
        logger.error(
            "Invalid %s kept out of the database: %s: %s%s",
            kind,
            _where(kind, item),
            "; ".join(str(v) for v in violations),
            more,
        )
