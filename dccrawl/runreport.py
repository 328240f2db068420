"""The data-quality report of a run: what the monitors saw, in one line and as JSON.

At the end of every crawl the progress extension logs :meth:`QualityReport.line` under the
summary line: the share of checked items carrying each field (``dccrawl/quality.py``), the
items kept out for breaking the schema (``pipelines/validation.py``) per field and rule,
the drift that stopped the crawl, blocks and failed pages. A sharded job stores
:meth:`QualityReport.as_json` in its ledger row (``crawl_shards.quality``) and ``python -m
dccrawl status`` merges the shards' reports into the crawl's line (:meth:`merge`).

Built from the stats alone, as ``dccrawl/summaries.py`` is, so it is the same whether it
runs in the crawl or reads the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dccrawl import stats as S


@dataclass(frozen=True)
class QualityReport:
    checked: dict[str, int] = field(default_factory=dict)  # "post" → items checked
    coverage: dict[str, float] = field(default_factory=dict)  # "post.title" → share
    invalid: dict[str, int] = field(default_factory=dict)  # "post" → items kept out
    rules: dict[str, int] = field(default_factory=dict)  # "post.created_at/future" → count
    drift: str | None = None  # what stopped the crawl: "post.writer_nick", "view pages"…
    blocks: int = 0
    pages_failed: int = 0

    @classmethod
    def from_stats(cls, stats: Mapping[str, object]) -> QualityReport:
        def under(prefix: str) -> dict[str, object]:
            start = prefix + "/"
            return {k.removeprefix(start): v for k, v in stats.items() if k.startswith(start)}

        drift = stats.get(S.DRIFT)
        return cls(
            checked={k: int(v) for k, v in under(S.CHECKED).items() if isinstance(v, int)},
            coverage={
                k: float(v) for k, v in under(S.COVERAGE).items() if isinstance(v, (int, float))
            },
            invalid={k: int(v) for k, v in under(S.INVALID).items() if isinstance(v, int)},
            rules={k: int(v) for k, v in under(S.INVALID_RULES).items() if isinstance(v, int)},
            drift=str(drift) if drift else None,
            blocks=S.count(stats, S.BLOCKS),
            pages_failed=S.count(stats, S.PAGES_FAILED),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "coverage": self.coverage,
            "invalid": self.invalid,
            "rules": self.rules,
            "drift": self.drift,
            "blocks": self.blocks,
            "pages_failed": self.pages_failed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QualityReport:
        return cls(
            checked=dict(data.get("checked") or {}),
            coverage=dict(data.get("coverage") or {}),
            invalid=dict(data.get("invalid") or {}),
            rules=dict(data.get("rules") or {}),
            drift=data.get("drift"),
            blocks=int(data.get("blocks") or 0),
            pages_failed=int(data.get("pages_failed") or 0),
        )

    @classmethod
    def merge(cls, reports: Iterable[QualityReport]) -> QualityReport:
        """One report for several runs (a crawl's shards): counts added, coverage weighted by
        the items each run checked."""
        checked: dict[str, int] = {}
        carried: dict[str, float] = {}
        invalid: dict[str, int] = {}
        rules: dict[str, int] = {}
        drifts: list[str] = []
        blocks = pages_failed = 0
        for report in reports:
            for kind, count in report.checked.items():
                checked[kind] = checked.get(kind, 0) + count
            for key, share in report.coverage.items():
                weight = report.checked.get(key.split(".", 1)[0], 0)
                carried[key] = carried.get(key, 0.0) + share * weight
            for key, count in report.invalid.items():
                invalid[key] = invalid.get(key, 0) + count
            for key, count in report.rules.items():
                rules[key] = rules.get(key, 0) + count
            if report.drift and report.drift not in drifts:
                drifts.append(report.drift)
            blocks += report.blocks
            pages_failed += report.pages_failed
        coverage = {
            key: total / weight
            for key, total in carried.items()
            if (weight := checked.get(key.split(".", 1)[0], 0))
        }
        return cls(
            checked, coverage, invalid, rules, ", ".join(drifts) or None, blocks, pages_failed
        )

    def line(self) -> str:
        """``quality: 120 posts and 2400 comments checked, every field covered; invalid 0;
        no drift; blocks 0; pages failed 0`` (fields short of 100 % are named)."""
        kinds = " and ".join(f"{n} {kind}s" for kind, n in sorted(self.checked.items(), key=_kind))
        short = [
            f"{key} {share:.1%}" for key, share in sorted(self.coverage.items()) if share < 1.0
        ]
        if not self.checked:
            covered = "no item checked"
        elif short:
            covered = f"{kinds} checked, fields short of 100%: {', '.join(short)}"
        else:
            covered = f"{kinds} checked, every field covered"
        invalid = sum(self.invalid.values())
        kept_out = f"invalid items kept out {invalid}"
        if invalid:
            top = sorted(self.rules.items(), key=lambda pair: (-pair[1], pair[0]))[:5]
            kept_out += " (" + ", ".join(f"{key} {count}" for key, count in top) + ")"
        drift = f"drift: {self.drift}" if self.drift else "no drift"
        return (
            f"quality: {covered}; {kept_out}; {drift}; blocks {self.blocks}; "
            f"pages failed {self.pages_failed}"
        )


def _kind(pair: tuple[str, int]) -> int:
    """Posts before comments."""
    return {"post": 0, "comment": 1}.get(pair[0], 2)
