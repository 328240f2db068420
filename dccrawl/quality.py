"""Field coverage: the share of items that carry each field, and when it says the site changed.

A redesign of the site (a class renamed, the date moved to another attribute) does not
crash a crawl: the loaders turn what they cannot find into ``None`` and the crawl goes on
"successfully", filling the archive with holes. So the items are counted as they pass
(``pipelines/quality.py``): for every checked field, how many items carry a value. After
the first ``first_window`` posts, then every ``window`` items, each field's coverage is
compared with its threshold; one below it stops the crawl (exit 1) with one line naming
the field, the coverage seen and a page that shows it. Items after that point are kept
out of the database, so at most one window of items with the hole is stored.

Only what a live page must show is checked: deleted posts (their content is gone on the
site) and notices' counts are left out. The thresholds (``DCCRAWL_COVERAGE``) are the
project's expectations of the real site, each documented in the README.

Why not Spidermon's field coverage (``SPIDERMON_ADD_FIELD_COVERAGE``): it is computed
from stats at the end of the crawl (or on a timer, by its periodic monitors), while the
stop has to come after a number of items, before the next window is stored; and the
items travel in ``CommentBatch`` groups it would not look into. The counting here is a
few dict lookups per item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# (kind, field) → the least share of checked items that must carry it. ``writer`` is
# writer_uid or writer_ip: every live post's writer is a member (uid) or anonymous (ip),
# but the site's operator (writer_class "operator"), who has neither.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "post.title": 1.0,
    "post.created_at": 1.0,
    "post.writer_nick": 1.0,
    "post.writer": 1.0,
    "post.views": 1.0,
    "comment.created_at": 1.0,
    "comment.writer_nick": 1.0,
}


@dataclass(frozen=True)
class Finding:
    """A field whose coverage fell below its threshold."""

    kind: str
    field: str
    carried: int
    checked: int
    threshold: float
    example_url: str | None

    @property
    def coverage(self) -> float:
        return self.carried / self.checked if self.checked else 1.0

    def line(self) -> str:
        where = f"; e.g. {self.example_url}" if self.example_url else ""
        return (
            f"the site's markup seems to have changed: {self.kind} field {self.field} is in "
            f"{self.coverage:.0%} of {self.checked} {self.kind}s (expected at least "
            f"{self.threshold:.0%}){where}; the crawl stops so as not to store more of it"
        )


@dataclass
class Coverage:
    """Counts of checked items per kind and of those carrying each field."""

    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    checked: dict[str, int] = field(default_factory=dict)
    carried: dict[str, int] = field(default_factory=dict)
    missing_example: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._fields: dict[str, list[str]] = {}
        for key in self.thresholds:
            kind, name = key.split(".", 1)
            self._fields.setdefault(kind, []).append(name)

    def add(self, kind: str, item: Mapping[str, Any], url: str | None) -> None:
        """Count one item (``post``: a live one; ``comment``: any not deleted)."""
        names = self._fields.get(kind)
        if not names or item.get("is_deleted"):
            return
        self.checked[kind] = self.checked.get(kind, 0) + 1
        for name in names:
            key = f"{kind}.{name}"
            if name == "writer":  # the site's operator (운영자) writes with neither
                present = (
                    item.get("writer_uid") is not None
                    or item.get("writer_ip") is not None
                    or item.get("writer_class") == "operator"
                )
            else:
                present = item.get(name) is not None
            if present:
                self.carried[key] = self.carried.get(key, 0) + 1
            elif key not in self.missing_example and url:
                self.missing_example[key] = url

    def findings(self, minimum: int = 1) -> list[Finding]:
        """Fields below their threshold, over kinds with at least ``minimum`` items."""
        found = []
        for key, threshold in self.thresholds.items():
            kind, name = key.split(".", 1)
            checked = self.checked.get(kind, 0)
            if checked < minimum:
                continue
            carried = self.carried.get(key, 0)
            if carried < threshold * checked:
                example = self.missing_example.get(key)
                found.append(Finding(kind, name, carried, checked, threshold, example))
        return found

    def report(self) -> dict[str, float]:
        """Coverage per checked field (``post.created_at`` → 1.0), for the stats."""
        return {
            key: self.carried.get(key, 0) / checked
            for key in self.thresholds
            if (checked := self.checked.get(key.split(".", 1)[0], 0))
        }


def parse_thresholds(value: object) -> dict[str, float]:
    """``DCCRAWL_COVERAGE`` (a dict, or JSON from ``-s``) over the defaults; a value of 0
    turns a field's check off."""
    if value is None or value == "":
        return dict(DEFAULT_THRESHOLDS)
    items: Iterable[tuple[object, object]]
    if isinstance(value, Mapping):
        items = value.items()
    else:
        import json  # noqa: PLC0415 - only for a setting given as text

        loaded = json.loads(str(value))
        if not isinstance(loaded, dict):
            raise ValueError(f"DCCRAWL_COVERAGE={value!r}: expected a JSON object")
        items = loaded.items()
    thresholds = dict(DEFAULT_THRESHOLDS)
    for key, share in items:
        name = str(key)
        if name.count(".") != 1 or name.split(".", maxsplit=1)[0] not in ("post", "comment"):
            raise ValueError(f"DCCRAWL_COVERAGE: {name!r} is not post.FIELD or comment.FIELD")
        number = float(share)  # type: ignore[arg-type]
        if not 0 <= number <= 1:
            raise ValueError(f"DCCRAWL_COVERAGE: {name}={share!r} is not a share from 0 to 1")
        thresholds[name] = number
    return {key: share for key, share in thresholds.items() if share > 0}
