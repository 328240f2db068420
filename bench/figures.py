"""One benchmark figure, printed as one JSON line.

Every line has ``name``, ``value`` and ``unit``; a figure with a project target
also has ``target``, ``comparison`` (``">="`` or ``"<="``: which side of the
target is good) and ``meets``. ``detail`` holds what a reader needs to judge the
number (sizes, times, repeats), never a second figure.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Literal

Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class Figure:
    """A measured value, with its target where the project set one."""

    name: str
    value: float
    unit: str
    target: float | None = None
    comparison: Comparison | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.target is None) != (self.comparison is None):
            raise ValueError(f"{self.name}: a target needs a comparison and vice versa")

    @property
    def meets(self) -> bool | None:
        """Whether the value is on the good side of the target (None without a target)."""
        if self.target is None:
            return None
        if self.comparison == ">=":
            return self.value >= self.target
        return self.value <= self.target

    def as_json(self) -> dict[str, Any]:
        """The JSON object of this figure (keys in a stable order)."""
        line: dict[str, Any] = {"name": self.name, "value": _rounded(self.value), "unit": self.unit}
        if self.target is not None:
            line.update(target=self.target, comparison=self.comparison, meets=self.meets)
        if self.detail:
            line["detail"] = self.detail
        return line


def _rounded(value: float) -> float:
    """Three significant decimals: enough for any figure here, and stable to read."""
    return round(value, 3) if abs(value) < 100 else round(value, 1)


def emit(figure: Figure, out: IO[str] = sys.stdout) -> None:
    """Print the figure as one JSON line, at once (a long run shows its figures as they come)."""
    out.write(json.dumps(figure.as_json(), ensure_ascii=False) + "\n")
    out.flush()
