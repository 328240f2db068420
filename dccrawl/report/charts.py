"""The report's charts: ``data.py`` values in, inline SVG text out, drawn by matplotlib.

Why this shape:

* SVG, inline in the page: the file opens anywhere without a network, scales with the
  window, and prints sharp. ``svg.fonttype = "none"`` writes text as ``<text>`` (the
  browser draws it with its own fonts) instead of a path per glyph.
* No pyplot: a ``Figure`` is made directly and saved with matplotlib's SVG canvas, so no
  GUI backend is chosen, no global figure registry grows, and nothing depends on the
  ``Agg``/``MPLBACKEND`` setting of the process.
* No Hangul in any chart text: matplotlib measures text with its bundled DejaVu fonts,
  which have no Hangul glyphs (it would warn "Glyph missing"). Titles, labels and ticks
  are English; the Korean titles and nicks are in the page's HTML tables.
* Nothing for matplotlib to warn about: an empty series is drawn as an explicit "no
  data" figure, and colour scales never collapse to a single value.
* Stable ids: each chart's root ``<svg>`` gets ``id="svg-NAME"``, and ``svg.hashsalt`` is
  the chart's name, so the ids matplotlib makes inside (clip paths) are the same on
  every run and never clash between the charts of one page.
* matplotlib is imported on the first chart, not with this module: importing it costs
  about half a second, which every other ``python -m dccrawl`` command would pay at
  start for nothing (the command groups are imported together).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dccrawl.report.data import (
    WEEKDAYS,
    WRITER_CLASSES,
    Activity,
    Deletions,
    Heatmap,
    Report,
    Writers,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

POSTS_COLOR = "#3465a4"
COMMENTS_COLOR = "#e07b39"
FOUND_COLOR = "#c0392b"  # deleted posts a crawl had seen alive
NEVER_SEEN_COLOR = "#e6a0a0"  # deleted posts read only after their deletion
WIDE = (10.0, 4.8)  # inches; the page scales the SVG to its width
BUCKET_DAYS = {"day": 1.0, "week": 7.0, "month": 30.0}
CHART_NAMES = ("per-day", "heatmap", "writers", "deletions")
# matplotlib's RDF block (creator, format, licence vocabularies): a page needs none of it.
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def _matplotlib() -> dict[str, ModuleType]:
    """matplotlib's modules the charts use, imported on first use (see the module's notes)."""
    import matplotlib  # noqa: PLC0415 - slow import, only needed to draw
    import matplotlib.dates  # noqa: PLC0415
    import matplotlib.figure  # noqa: PLC0415
    import matplotlib.ticker  # noqa: PLC0415

    return {
        "matplotlib": matplotlib,
        "dates": matplotlib.dates,
        "figure": matplotlib.figure,
        "ticker": matplotlib.ticker,
    }


def _style(name: str) -> dict[str, Any]:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": name,
        "svg.id": f"svg-{name}",
        # Measured with DejaVu Sans (bundled with matplotlib, so always found first); the SVG
        # names the whole list and then sans-serif, for browsers without DejaVu.
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Verdana", "Arial", "Helvetica"],
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "legend.frameon": False,
    }


def render(name: str, draw: Callable[[Figure], None], size: tuple[float, float] = WIDE) -> str:
    """Draw one figure with ``draw`` and return its ``<svg>`` element (no XML prolog)."""
    mpl = _matplotlib()
    with mpl["matplotlib"].rc_context(_style(name)):
        figure = mpl["figure"].Figure(figsize=size, layout="constrained")
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or doctype: the SVG goes inside HTML
    return _METADATA.sub("", svg, count=1).strip()


def no_data(name: str, title: str, message: str) -> str:
    """A figure that says there is nothing to draw (the chart's place stays, with a reason)."""

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        _say(axes, message)
        figure.suptitle(title)

    return render(name, draw, (10.0, 1.6))


def _say(axes: Axes, message: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes, color="#666")


def _integer_counts(axes: Axes) -> None:
    """Whole-number ticks with thousands separators on the count (y) axis."""
    ticker = _matplotlib()["ticker"]
    axes.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))


def _label(start: date, unit: str) -> str:
    if unit == "month":
        return start.strftime("%Y-%m")
    return start.isoformat() if unit == "day" else f"week of {start.isoformat()}"


class _TimeAxis:
    """Where a series of buckets goes on an x axis: a few buckets (up to ``FEW``) as labelled
    categories, so one day is one bar and not an axis of hours; more on a date axis."""

    FEW = 12

    def __init__(self, starts: Sequence[date], unit: str) -> None:
        self.starts = list(starts)
        self.unit = unit
        self.few = len(self.starts) <= self.FEW

    def bars(self, axes: Axes, values: Sequence[int], **style: Any) -> None:
        """Bars of ``values``, each spanning its bucket."""
        if self.few:
            axes.bar(range(len(values)), list(values), width=0.6, **style)
        else:
            width = BUCKET_DAYS[self.unit] * 0.85
            axes.bar(self.starts, list(values), width=width, align="edge", **style)

    def ticks(self, axes: Axes) -> None:
        """The bucket labels (few), else matplotlib's concise date ticks."""
        if self.few:
            axes.set_xticks(range(len(self.starts)), [_label(d, self.unit) for d in self.starts])
            # at least four bars' room, centred: a lone bar stays a bar, not a wall
            margin = (max(len(self.starts), 4) - len(self.starts)) / 2
            axes.set_xlim(-0.5 - margin, len(self.starts) - 0.5 + margin)
            axes.grid(axis="x", visible=False)
            return
        dates = _matplotlib()["dates"]
        locator = dates.AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))


def activity_chart(activity: Activity) -> str:
    """Posts (top) and comments (bottom) per day, week or month, KST."""
    title = f"Posts and comments per {activity.unit} (KST)"
    if not activity.buckets:
        return no_data("per-day", title, "No post or comment was written in this period.")

    def draw(figure: Figure) -> None:
        posts, comments = figure.subplots(2, 1, sharex=True)
        axis = _TimeAxis([bucket.start for bucket in activity.buckets], activity.unit)
        axis.bars(posts, [b.posts for b in activity.buckets], color=POSTS_COLOR)
        axis.bars(comments, [b.comments for b in activity.buckets], color=COMMENTS_COLOR)
        posts.set_ylabel(f"posts per {activity.unit}")
        comments.set_ylabel(f"comments per {activity.unit}")
        for axes in (posts, comments):
            _integer_counts(axes)
        axis.ticks(comments)
        figure.suptitle(title)

    return render("per-day", draw, (10.0, 5.4))


def heatmap_chart(heatmap: Heatmap) -> str:
    """Posts and comments by weekday and hour of the day, KST, one colour scale each."""
    title = "When people write: weekday × hour of the day (KST)"
    if not any(any(row) for row in (*heatmap.posts, *heatmap.comments)):
        return no_data("heatmap", title, "No post or comment was written in this period.")

    def draw(figure: Figure) -> None:
        panels = figure.subplots(1, 2, sharey=True)
        grids = ((heatmap.posts, "Blues", "posts"), (heatmap.comments, "Oranges", "comments"))
        for axes, (grid, colours, what) in zip(panels, grids, strict=True):
            highest = max(max(row) for row in grid)
            image = axes.imshow(
                [list(row) for row in grid],
                aspect="auto",
                cmap=colours,
                vmin=0,
                vmax=max(highest, 1),  # an empty grid keeps a scale: no warning
                interpolation="nearest",
            )
            axes.set_yticks(range(len(WEEKDAYS)), WEEKDAYS)
            axes.set_xticks(range(0, 24, 3), [f"{hour:02d}" for hour in range(0, 24, 3)])
            axes.set_xlabel("hour of the day (KST)")
            axes.set_title(what)
            axes.grid(False)
            colorbar = figure.colorbar(image, ax=axes, shrink=0.9)
            colorbar.set_label(what)
            ticker = _matplotlib()["ticker"]
            colorbar.locator = ticker.MaxNLocator(integer=True)
            colorbar.formatter = ticker.StrMethodFormatter("{x:,.0f}")
            colorbar.update_ticks()
        figure.suptitle(title)

    return render("heatmap", draw, (11.0, 3.8))


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def writers_chart(writers: Writers) -> str:
    """Posts and comments per writer class, with each class's share and the anonymous one."""
    title = "Who writes: writer classes"
    if not writers.classes:
        return no_data("writers", title, "No post or comment was written in this period.")

    def draw(figure: Figure) -> None:
        panels = figure.subplots(1, 2, sharey=True)
        labels = [WRITER_CLASSES.get(c.writer_class, str(c.writer_class)) for c in writers.classes]
        sides = (
            ("posts", [c.posts for c in writers.classes], writers.posts, writers.anonymous_posts),
            (
                "comments",
                [c.comments for c in writers.classes],
                writers.comments,
                writers.anonymous_comments,
            ),
        )
        for axes, (what, values, total, anonymous), colour in zip(
            panels, sides, (POSTS_COLOR, COMMENTS_COLOR), strict=True
        ):
            bars = axes.barh(range(len(values)), values, color=colour)
            axes.bar_label(bars, labels=[f"{v:,} ({_share(v, total)})" for v in values], padding=3)
            axes.set_yticks(range(len(labels)), labels)
            axes.set_xlim(0, max(*values, 1) * 1.35)  # room for the labels
            ticker = _matplotlib()["ticker"]
            axes.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4, integer=True))
            axes.xaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
            axes.grid(axis="y", visible=False)
            axes.set_title(f"{what}: {total:,}, anonymous (IP shown) {_share(anonymous, total)}")
        panels[0].invert_yaxis()  # shared: the first class on top in both
        figure.suptitle(title)

    return render("writers", draw, (11.0, 3.6))


def deletions_chart(deletions: Deletions) -> str:
    """Deleted posts by the day a crawl found them deleted (stacked: seen alive before or
    not), and by the day they were written."""
    title = "Deleted posts"
    if not deletions.found:
        return no_data("deletions", title, "No stored post is marked deleted.")

    def draw(figure: Figure) -> None:
        if deletions.written:
            found, written = figure.subplots(2, 1)
        else:
            found, written = figure.subplots(), None
        alive = [day.seen_alive for day in deletions.found]
        never = [day.never_seen_alive for day in deletions.found]
        axis = _TimeAxis([day.start for day in deletions.found], deletions.found_unit)
        axis.bars(found, alive, color=FOUND_COLOR, label="stored alive before")
        axis.bars(found, never, bottom=alive, color=NEVER_SEEN_COLOR, label="read only deleted")
        found.set_title(f"per {deletions.found_unit} a crawl found them deleted (KST)")
        found.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _integer_counts(found)
        axis.ticks(found)
        if written is None:
            found.set_xlabel("None has a known writing time: no crawl saw one of them alive.")
        else:
            axis = _TimeAxis([b.start for b in deletions.written], deletions.written_unit)
            axis.bars(written, [b.posts for b in deletions.written], color=FOUND_COLOR)
            written.set_title(f"per {deletions.written_unit} they were written (KST)")
            _integer_counts(written)
            axis.ticks(written)
        figure.suptitle(title)

    size = (10.0, 5.4) if deletions.written else (10.0, 3.2)
    return render("deletions", draw, size)


def draw_all(report: Report) -> dict[str, str]:
    """Every chart of a report, by name (``CHART_NAMES``)."""
    return {
        "per-day": activity_chart(report.activity),
        "heatmap": heatmap_chart(report.heatmap),
        "writers": writers_chart(report.writers),
        "deletions": deletions_chart(report.deletions),
    }
