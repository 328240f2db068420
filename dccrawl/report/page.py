"""The report's HTML: one self-contained document from a ``Report`` and its charts' SVG.

Why this shape:

* Self-contained: the charts are inline ``<svg>``, the style an inline ``<style>``, the
  fonts the reader's own (a font stack naming common Korean fonts); no script, image,
  font or stylesheet is fetched. A Content-Security-Policy of ``default-src 'none'`` says
  so to the browser too: opened offline, from a mail attachment or a file share, the
  page is complete, and a page that tried to fetch something would be refused.
* Every text from the database (titles, nicks, paths, reasons) is escaped with
  ``html.escape``: a post titled ``<script>`` is text on the page, not markup. A link is
  made only from an ``http``/``https`` URL, so a stored ``javascript:`` URL cannot run.
* Stable ids: each chart is a ``<section id="chart-NAME">`` holding its ``<svg>``, each
  table a ``<table id="table-NAME">``; each has a heading and a one-sentence caption, and
  the tables are always there (a row says when they are empty), so tests and readers
  find the same places in every report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from html import escape
from urllib.parse import urlsplit

from dccrawl.hints import dccrawl_command
from dccrawl.report.data import (
    WRITER_CLASSES,
    Coverage,
    Deletions,
    Failures,
    Report,
    TopPost,
    Writers,
)

STYLE = """
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d232b; line-height: 1.45;
       font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Noto Sans CJK KR",
                    "Apple SD Gothic Neo", "Malgun Gothic", "Nanum Gothic", sans-serif; }
header, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 1.7rem; }
h2 { margin: 0 0 4px; font-size: 1.25rem; }
h3 { margin: 18px 0 4px; font-size: 1.05rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.95em; }
.meta, .caption, footer { color: #56606c; }
.caption { margin: 0 0 12px; }
.summary { display: flex; flex-wrap: wrap; gap: 10px; padding: 0; list-style: none; }
.summary li { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 8px 14px; }
.summary strong { display: block; font-size: 1.3rem; }
nav { margin: 8px 0 4px; }
nav a { margin-right: 14px; white-space: nowrap; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; margin: 18px 0;
          padding: 18px 20px; overflow-x: auto; }
section svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.93rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e6e9ed;
         vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when { white-space: nowrap; }
td.title { min-width: 16em; word-break: break-word; }
td.empty { color: #56606c; font-style: italic; }
#table-coverage th { width: 13em; }
.badge { display: inline-block; font-size: 0.75rem; border-radius: 4px; padding: 0 5px;
         margin-left: 6px; background: #e8ecf1; color: #3a4654; }
.badge.deleted { background: #f8dede; color: #8c1d1d; }
.class { color: #56606c; font-size: 0.85em; }
a { color: #1f5fa8; }
footer { padding-bottom: 28px; font-size: 0.9rem; }
"""
# Nothing may be fetched: no script at all, styles only inline, images only inline data.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SECTIONS = (
    ("chart-per-day", "Over time"),
    ("chart-heatmap", "Weekday × hour"),
    ("chart-writers", "Writers"),
    ("most-commented", "Most commented"),
    ("most-recommended", "Most recommended"),
    ("chart-deletions", "Deletions"),
    ("coverage", "Coverage"),
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "—"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def link(url: str | None, text: str) -> str:
    """``text`` (already escaped) as a link to ``url`` when that is a web address."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{escape(url)}">{text}</a>'
    return text


def _table(
    table_id: str,
    headers: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[str]],
    empty: str,
) -> str:
    """A table of already-escaped cells; ``headers`` are (label, css class). With no rows,
    one row says ``empty``: the table and its id are always there."""
    head = "".join(f'<th class="{css}">{escape(label)}</th>' for label, css in headers)
    body = [
        "<tr>"
        + "".join(
            f'<td class="{css}">{cell}</td>' for (_, css), cell in zip(headers, row, strict=True)
        )
        + "</tr>"
        for row in rows
    ]
    if not body:
        body = [f'<tr><td class="empty" colspan="{len(headers)}">{escape(empty)}</td></tr>']
    return (
        f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _section(section_id: str, heading: str, caption: str, body: str) -> str:
    return (
        f'<section id="{section_id}"><h2>{escape(heading)}</h2>'
        f'<p class="caption">{caption}</p>{body}</section>'
    )


def _writer(post: TopPost) -> str:
    text = f'<span lang="ko">{escape(post.writer_nick or "—")}</span>'
    if post.writer_ip:
        text += f" ({escape(post.writer_ip)})"
    if post.writer_class and post.writer_class != "floating":
        name = WRITER_CLASSES.get(post.writer_class, post.writer_class)
        text += f' <span class="class">{escape(name)}</span>'
    return text


def _title(post: TopPost) -> str:
    # lang="ko": the browser picks Korean forms of the CJK characters a title may hold
    title = f'<span lang="ko">{escape(post.title or f"(no title) No. {post.post_no}")}</span>'
    text = link(post.url, title)
    if post.is_notice:
        text += '<span class="badge">notice</span>'
    if post.is_deleted:
        text += '<span class="badge deleted">deleted</span>'
    return text


TOP_HEADERS = (
    ("#", "num"),
    ("No.", "num"),
    ("Title", "title"),
    ("Writer", "writer"),
    ("Written (KST)", "when"),
    ("Views", "num"),
    ("Recommend", "num"),
    ("Comments", "num"),
)


def top_table(table_id: str, posts: Sequence[TopPost]) -> str:
    """The most-commented or most-recommended posts, each title a link to the post."""
    rows = (
        (
            str(rank),
            str(post.post_no),
            _title(post),
            _writer(post),
            _when(post.created_at),
            _number(post.views),
            _number(post.recommend),
            _number(post.comment_count),
        )
        for rank, post in enumerate(posts, 1)
    )
    return _table(table_id, TOP_HEADERS, rows, "No post was written in this period.")


def _writers_caption(writers: Writers) -> str:
    posts = _share(writers.anonymous_posts, writers.posts)
    comments = _share(writers.anonymous_comments, writers.comments)
    return (
        "Posts and comments of the period per writer class (the icon next to the nick); "
        f"anonymous writers, whose IP prefix shows, wrote {posts} of the posts and "
        f"{comments} of the comments; "
        f"the posts came from {writers.members:,} member login(s) and "
        f"{writers.ip_prefixes:,} anonymous IP prefix(es)."
    )


def _deletions_caption(deletions: Deletions) -> str:
    return (
        f"{deletions.deleted:,} of the {deletions.posts:,} stored posts of the period's numbers "
        f"are marked deleted ({_share(deletions.deleted, deletions.posts)}). The site does not "
        "say when a post was deleted: the top chart dates each by the crawl that found it "
        "deleted (its <code>updated_at</code>), the latest the deletion can have happened; "
        f"{deletions.undated:,} were only ever read deleted (by number, or by a refresh) and "
        "have no writing time, so the chart by the day they were written leaves them out."
    )


def _mark(label: str, value: str) -> tuple[str, str]:
    """A coverage row: its label (escaped here) and its value (already escaped)."""
    return (escape(label), value)


def coverage_table(coverage: Coverage) -> str:
    """The coverage facts, one per row."""
    rows: list[tuple[str, str]] = []
    for label, post in (("First post", coverage.first), ("Last post", coverage.last)):
        if post is None:
            rows.append(_mark(label, "—"))
            continue
        title = f'<span lang="ko">{escape(post.title or "(no title)")}</span>'
        deleted = '<span class="badge deleted">deleted</span>' if post.is_deleted else ""
        rows.append(
            _mark(
                label,
                f"No. {post.post_no:,}, {_when(post.created_at)}: {link(post.url, title)}{deleted}",
            )
        )
    span = (
        coverage.last.post_no - coverage.first.post_no + 1
        if coverage.first and coverage.last
        else 0
    )
    rows += [
        _mark("Stored posts", f"{coverage.posts:,} of the {span:,} numbers from first to last"),
        _mark(
            "Numbers not stored",
            f"{coverage.missing:,} in {coverage.gap_runs:,} gap(s) "
            f"({_share(coverage.missing, span)} of the numbers)",
        ),
        _mark("Deleted (marked)", f"{coverage.deleted:,}"),
        _mark("Notices", f"{coverage.notices:,}"),
        _mark(
            "Crawled",
            f"first {_when(coverage.crawled_from)}, last {_when(coverage.crawled_to)} (KST)",
        ),
    ]
    body = "".join(
        f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' for label, value in rows
    )
    return f'<table id="table-coverage"><tbody>{body}</tbody></table>'


GAP_HEADERS = (
    ("After No.", "num"),
    ("Written (KST)", "when"),
    ("Before No.", "num"),
    ("Written (KST)", "when"),
    ("Numbers missing", "num"),
)


def gaps_table(coverage: Coverage) -> str:
    """The largest runs of numbers not stored, with the dates on either side."""
    rows = (
        (
            f"{gap.after:,}",
            _when(gap.after_at),
            f"{gap.before:,}",
            _when(gap.before_at),
            f"{gap.missing:,}",
        )
        for gap in coverage.largest
    )
    return _table("table-gaps", GAP_HEADERS, rows, "No gap: every number is stored.")


FAILURE_HEADERS = (
    ("Kind", "kind"),
    ("Path", "path"),
    ("Post", "num"),
    ("Reason", "reason"),
    ("Attempts", "num"),
    ("Last given up (KST)", "when"),
)


def failures_part(gallery: str, failures: Failures) -> str:
    """The ledger's pages of the gallery: a sentence per kind and the latest rows."""
    if not failures.available:
        return '<p class="caption">This database has no failure ledger (crawl_failures).</p>'
    if failures.pages:
        kinds = ", ".join(f"{kind.pages:,} {escape(kind.page_kind)}" for kind in failures.kinds)
        retry = escape(dccrawl_command(f"retry --gallery {gallery}"))
        sentence = (
            f"{failures.pages:,} page(s) a crawl gave up on and none has read since ({kinds}); "
            f"<code>{retry}</code> fetches them again. The latest {len(failures.rows):,}:"
        )
    else:
        sentence = "The failure ledger holds no page of this gallery: nothing is known lost."
    rows = (
        (
            escape(row.page_kind),
            f"<code>{escape(row.path)}</code>",
            _number(row.post_no),
            escape(row.reason),
            f"{row.attempts:,}",
            _when(row.last_seen_at),
        )
        for row in failures.rows
    )
    table = _table("table-failures", FAILURE_HEADERS, rows, "No page in the ledger.")
    return f'<p class="caption">{sentence}</p>{table}'


def _days(first: date | None, last: date | None) -> str:
    if first is None or last is None:
        return "no post or comment"
    return f"{first.isoformat()} – {last.isoformat()}"


def render(report: Report, charts: Mapping[str, str]) -> str:
    """The whole document. ``charts`` maps each chart's name to its ``<svg>`` text."""
    gallery = escape(report.gallery)
    activity = report.activity
    written = _days(activity.first_day, activity.last_day)
    shown = escape(report.period.describe()) if report.period.bounded else written
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M")
    totals = report.writers
    summary = "".join(
        f"<li><strong>{value}</strong>{escape(label)}</li>"
        for value, label in (
            (f"{totals.posts:,}", "posts"),
            (f"{totals.comments:,}", "comments"),
            (f"{report.coverage.deleted:,}", "deleted posts"),
            (f"{report.coverage.missing:,}", "numbers not stored"),
            (f"{report.failures.pages:,}", "pages in the failure ledger"),
        )
    )
    nav = "".join(f'<a href="#{anchor}">{escape(text)}</a>' for anchor, text in SECTIONS)
    sections = [
        _section(
            "chart-per-day",
            f"Posts and comments per {activity.unit}",
            f"How many posts and comments were written each {activity.unit} (KST), "
            f"{written}; {_unit_note(activity.unit)}",
            charts["per-day"],
        ),
        _section(
            "chart-heatmap",
            "Weekday × hour of the day",
            "When the gallery writes: posts (left) and comments (right) per weekday and "
            "hour of the day in KST, darker for more.",
            charts["heatmap"],
        ),
        _section("chart-writers", "Writer classes", _writers_caption(totals), charts["writers"]),
        _section(
            "most-commented",
            f"The {len(report.most_commented)} most-commented posts",
            "Posts of the period with the most comments as the site counts them; each "
            "title links to the post.",
            top_table("table-most-commented", report.most_commented),
        ),
        _section(
            "most-recommended",
            f"The {len(report.most_recommended)} most-recommended posts",
            "Posts of the period with the most recommendations (추천); each title links "
            "to the post.",
            top_table("table-most-recommended", report.most_recommended),
        ),
        _section(
            "chart-deletions",
            "Deleted posts",
            _deletions_caption(report.deletions),
            charts["deletions"],
        ),
        _section(
            "coverage",
            "The crawl's coverage",
            "Which post numbers the database holds from the first to the last post of the "
            "period. DCInside's post numbers are not consecutive in what a crawl can see "
            "(deleted posts leave holes, and a list crawl never sees them), so a gap is "
            "numbers not stored here, not necessarily posts a crawl missed.",
            coverage_table(report.coverage)
            + "<h3>Largest gaps</h3>"
            + gaps_table(report.coverage)
            + "<h3>Failure ledger</h3>"
            + failures_part(report.gallery, report.failures),
        ),
    ]
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>dccrawl report: {gallery}, {shown}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Gallery <code>{gallery}</code></h1>
<p class="meta">Posts and comments written {shown} · generated {generated} KST ·
database {escape(report.database)}</p>
<ul class="summary">{summary}</ul>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
<footer>Made by <code>python -m dccrawl report</code>. This file is self-contained: its
charts are inline SVG, and it loads nothing from anywhere.</footer>
</body>
</html>
"""


def _unit_note(unit: str) -> str:
    if unit == "day":
        return "days without posts count zero."
    return (
        f"the span is long, so days are summed per {unit} "
        f"(each bar from the {'Monday' if unit == 'week' else 'first day'} of its {unit})."
    )
