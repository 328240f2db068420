"""Checks items against their JSON Schema (``dccrawl/schema.py``) and names what is wrong.

Two validators from the one schema, because a crawl checks ~20 comments per post:

* the accept path is ``fastjsonschema``, which compiles a schema to Python code, after the
  times are checked on the ``datetime`` objects themselves (no ISO round trip): a valid
  comment costs about 8 µs, a post 11 µs;
* only an item it rejects goes through ``jsonschema`` (Spidermon's engine) on the item's
  JSON form, which lists every error with its path and rule, for the counts per field and
  rule. Its verdict is the one that counts.

``jsonschema`` alone costs ~87 µs per comment and ~133 µs per post (measured on the
samples' items): 1.9 ms per post of 20 comments, about 30 % of a crawl's CPU per post
(6.5 ms, ``bench/RESULTS.md``); Spidermon's ``JSONSchemaValidator`` builds a new
``jsonschema`` validator per item (93 µs per comment), and its ``ItemValidationPipeline``
cannot look into a ``CommentBatch``, where one bad comment would drop its whole page.
Hence this module, and the pipeline in ``pipelines/validation.py``; the failures are
counted in Spidermon's way (per field and rule) under ``dccrawl/validation/…``.

Times are checked by the ``kst-time`` format: an ISO 8601 time with its offset, not
before the site opened (1999) and not later than the crawl's clock plus a tolerance
(``DCCRAWL_FUTURE_TOLERANCE``): a date put in the wrong month or year, the error a short
date (``12.31``, ``15:59``) read against the wrong day would make, is months off; a
machine whose clock is a few hours off should not lose posts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker

from dccrawl.kst import KST
from dccrawl.schema import SCHEMAS

SITE_OPENED = datetime(1999, 1, 1, tzinfo=KST)
DEFAULT_TOLERANCE = timedelta(days=1)

Clock = Callable[[], datetime]
_TOLERANCE = re.compile(r"^\s*([0-9]+)\s*([dhm])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_tolerance(value: object) -> timedelta:
    """``DCCRAWL_FUTURE_TOLERANCE``: ``1d``, ``6h``, ``30m`` (empty: the default)."""
    if value is None or value == "":
        return DEFAULT_TOLERANCE
    match = _TOLERANCE.match(str(value))
    if not match:
        raise ValueError(
            f"DCCRAWL_FUTURE_TOLERANCE={value!r}: expected a duration such as 1d, 6h or 30m"
        )
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


@dataclass(frozen=True)
class Violation:
    """One broken rule: the field (``created_at``; ``comments`` for the item itself), the
    rule (``type``, ``minimum``, ``required``, ``future``…) and the schema's message."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TimeRule:
    """The ``kst-time`` format: parses, and is neither before 1999 nor in the future."""

    def __init__(self, clock: Clock = _utc_now, tolerance: timedelta = DEFAULT_TOLERANCE):
        self.clock = clock
        self.tolerance = tolerance

    def why_not(self, value: str) -> tuple[str, str] | None:
        """``None`` for a good time, else (rule, message)."""
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return "format", f"{value!r} is not an ISO 8601 time"
        if moment.tzinfo is None:
            return "format", f"{value!r} has no UTC offset"
        if moment < SITE_OPENED:
            return "past", f"{value} is before the site opened (1999)"
        latest = self.clock() + self.tolerance
        if moment > latest:
            return "future", f"{value} is later than the crawl's clock + {self.tolerance}"
        return None

    def __call__(self, value: object) -> bool:
        return not isinstance(value, str) or self.why_not(value) is None

    def fits(self, moment: datetime) -> bool:
        """The accept path's check of a ``datetime``: aware and inside the range."""
        return moment.tzinfo is not None and SITE_OPENED <= moment <= self.clock() + self.tolerance


def as_json(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as JSON would show it: times as ISO strings, the rest as it is."""
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in item.items()
    }


_CHECKED = "(checked)"


def _checked_already(value: object) -> bool:
    return value is _CHECKED


_REQUIRED = re.compile(r"'(.+)' is a required property")
_EXTRA = re.compile(r"\('(.+)' was unexpected\)")


class ItemValidator:
    """Validates items of the kinds in ``dccrawl.schema.SCHEMAS``."""

    def __init__(self, times: TimeRule | None = None) -> None:
        self.times = times or TimeRule()
        # The accept path checks the times itself (``fits``) and hands the compiled schema
        # a placeholder string for each, which its format accepts.
        self._fast = {
            kind: fastjsonschema.compile(schema, formats={"kst-time": _checked_already})
            for kind, schema in SCHEMAS.items()
        }
        self._times = {
            kind: tuple(
                name
                for name, rule in schema["properties"].items()
                if rule.get("format") == "kst-time"
            )
            for kind, schema in SCHEMAS.items()
        }
        checker = FormatChecker(formats=())
        checker.checks("kst-time")(self.times)
        self._full = {
            kind: Draft7Validator(schema, format_checker=checker)
            for kind, schema in SCHEMAS.items()
        }

    def violations(self, kind: str, item: Mapping[str, Any]) -> list[Violation]:
        """Every rule ``item`` breaks (``[]``: valid)."""
        data = dict(item)
        for name in self._times[kind]:
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, datetime) or not self.times.fits(value):
                return self._explain(kind, as_json(item))
            data[name] = _CHECKED
        try:
            self._fast[kind](data)
        except fastjsonschema.JsonSchemaValueException:
            return self._explain(kind, as_json(item))
        return []

    def _explain(self, kind: str, data: dict[str, Any]) -> list[Violation]:
        found = []
        for error in self._full[kind].iter_errors(data):
            path = [str(part) for part in error.absolute_path]
            rule = str(error.validator)
            message = error.message
            if rule == "required" and (match := _REQUIRED.search(message)):
                path = [*path, match.group(1)]
            elif rule == "additionalProperties" and (match := _EXTRA.search(message)):
                path = [*path, match.group(1)]
                rule = "unknown field"
            elif rule == "format" and isinstance(error.instance, str):
                rule, message = self.times.why_not(error.instance) or (rule, message)
            found.append(Violation(".".join(path) or kind, rule, message))
        return found
