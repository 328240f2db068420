"""The issue's browser test: a crawled gallery's report, opened in Debian's Chromium offline.

A replica gallery (and the ``seed`` gallery, a real captured page) is crawled into a real
database by ``scrapy crawl gallery``; ``python -m dccrawl report`` runs on it as a user
runs it; Chromium opens the file with the network cut: every request but the file's own
is aborted and recorded, so a page that tried to fetch a script, font, image or
stylesheet fails the test. Then every chart section must hold a rendered ``<svg>``, the
tables their rows with links to the posts, and the console no error. A full-page
screenshot of each report is kept under ``DCCRAWL_TEST_ARTIFACTS`` (default:
``test-artifacts/`` at the repository's root), with the HTML beside it.

Nothing waits for a time: the page is read once its ``load`` event has fired (the file
is the only resource it has), and the locators wait for their elements.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import (
    ConsoleMessage,
    Error,
    Locator,
    Request,
    Route,
    sync_playwright,
)

from dccrawl.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from testbed.replica.process import ReplicaProcess
from tests.crawling import ROOT, dccrawl_cli, needs_chromium, run_crawl

pytestmark = [
    pytest.mark.integration,
    needs_chromium,
]

GALLERY = "rep"
SPEC = f"{GALLERY}:major:150"
TOP = 20
CHART_SECTIONS = ("chart-per-day", "chart-heatmap", "chart-writers", "chart-deletions")
POST_TABLES = ("table-most-commented", "table-most-recommended")
# The crawl's launch options, but with images allowed: a report that asked for one must
# be seen asking.
LAUNCH = {
    **PLAYWRIGHT_LAUNCH_OPTIONS,
    "args": [a for a in PLAYWRIGHT_LAUNCH_OPTIONS["args"] if not a.startswith("--blink-settings")],
}


def artifacts() -> Path:
    """Where screenshots are kept: ``DCCRAWL_TEST_ARTIFACTS``, else ``test-artifacts/``."""
    folder = Path(os.environ.get("DCCRAWL_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Chart:
    svgs: int
    width: float  # the first svg's rendered width, in CSS pixels
    heading: str
    caption: str


@dataclass
class Seen:
    """What Chromium did and showed with a report open."""

    fetched: list[str] = field(default_factory=list)  # requests besides the file itself
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    page_errors: list[str] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)  # table id -> one href per row
    rows: dict[str, int] = field(default_factory=dict)  # table id -> body rows

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind in ("error", "assert")]


def _text(locator: Locator) -> str:
    """The first match's text, or "" at once when there is none (no waiting)."""
    return locator.first.inner_text() if locator.count() else ""


def read_chart(section: Locator) -> Chart:
    svgs = section.locator(":scope > svg")
    box = svgs.first.bounding_box() if svgs.count() else None
    return Chart(
        svgs=svgs.count(),
        width=box["width"] if box else 0.0,
        heading=_text(section.locator("h2")),
        caption=_text(section.locator("p.caption")),
    )


def view_offline(report: Path, screenshot: Path) -> Seen:
    """Open ``report`` in Chromium with the network cut, read it, and screenshot it whole."""
    file_url = report.resolve().as_uri()
    seen = Seen()

    def refuse(route: Route) -> None:
        if route.request.url == file_url:
            route.continue_()
        else:
            seen.fetched.append(route.request.url)
            route.abort()

    def requested(request: Request) -> None:
        if request.url != file_url and request.url not in seen.fetched:
            seen.fetched.append(request.url)

    def logged(message: ConsoleMessage) -> None:
        seen.console.append((message.type, message.text))

    def failed(error: Error) -> None:
        seen.page_errors.append(str(error))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**LAUNCH)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
            context.route("**/*", refuse)
            page = context.new_page()
            page.on("request", requested)
            page.on("console", logged)
            page.on("pageerror", failed)
            page.goto(file_url, wait_until="load")
            for name in CHART_SECTIONS:
                seen.charts[name] = read_chart(page.locator(f"section#{name}"))
            for table in (*POST_TABLES, "table-coverage", "table-gaps", "table-failures"):
                rows = page.locator(f"table#{table} tbody tr")
                seen.rows[table] = rows.count()
                seen.links[table] = [
                    rows.nth(i).locator("a").first.get_attribute("href") or ""
                    for i in range(rows.count())
                    if rows.nth(i).locator("a").count()
                ]
            page.screenshot(path=screenshot, full_page=True)
        finally:
            browser.close()
    return seen


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaProcess]:
    """A replica serving ``rep`` (and, as always, ``seed``)."""
    with ReplicaProcess(["--gallery", SPEC]) as server:
        yield server


def make_report(database_url: str, gallery: str, out: Path) -> str:
    """``python -m dccrawl report`` as a user runs it; its one line of output."""
    result = dccrawl_cli(
        "report", "--gallery", gallery, "--out", str(out), "-s", f"DATABASE_URL={database_url}"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr  # no warning (matplotlib's included)
    assert re.match(rf"wrote {re.escape(str(out.resolve()))} \([\d,.]+ kB\) in ", result.stdout)
    shutil.copy(out, artifacts() / out.name)
    return result.stdout


def assert_complete_and_offline(seen: Seen) -> None:
    assert seen.fetched == [], f"the report fetched {seen.fetched}"
    assert seen.page_errors == []
    assert seen.console_errors == [], seen.console
    for name, chart in seen.charts.items():
        assert chart.svgs == 1, f"{name}: {chart.svgs} svg"
        assert chart.width > 300, f"{name} is not drawn: {chart}"
        assert chart.heading and chart.caption, name


def stored_top(database_url: str, order: str) -> list[str]:
    """The URLs of the top posts, read here with SQL of the test's own."""
    columns = {"comments": "comment_count", "recommend": "recommend"}
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            f"SELECT url FROM posts WHERE gallery_id = %s AND created_at IS NOT NULL "  # noqa: S608
            f"ORDER BY {columns[order]} DESC NULLS LAST, post_no DESC LIMIT %s",
            (GALLERY, TOP),
        ).fetchall()
    return [url for (url,) in rows]


def test_a_crawled_gallerys_report_renders_offline_in_chromium(
    replica: ReplicaProcess, database_url: str, tmp_path: Path
) -> None:
    base = replica.base_url or ""
    listed = run_crawl(base, database_url, {"gallery": GALLERY})
    assert listed.returncode == 0, listed
    # Read every number too: the deleted posts are marked, and the missing ones are gaps.
    numbered = run_crawl(base, database_url, {"gallery": GALLERY, "posts": "1-150"})
    assert numbered.returncode == 0, numbered
    out = tmp_path / "report-rep.html"
    make_report(database_url, GALLERY, out)

    seen = view_offline(out, artifacts() / "report-rep.png")

    assert_complete_and_offline(seen)
    assert seen.links["table-most-commented"] == stored_top(database_url, "comments")
    assert seen.links["table-most-recommended"] == stored_top(database_url, "recommend")
    for table in POST_TABLES:
        assert seen.rows[table] == TOP
        assert all(
            link.startswith(f"{base}/board/view/?id={GALLERY}&no=") for link in seen.links[table]
        )
    assert seen.rows["table-coverage"] >= 5
    assert seen.rows["table-gaps"] >= 1 and seen.links["table-gaps"] == []
    assert "marked deleted" in seen.charts["chart-deletions"].caption
    assert (artifacts() / "report-rep.png").stat().st_size > 10_000


def test_the_seed_gallerys_report_renders_offline_in_chromium(
    replica: ReplicaProcess, database_url: str, tmp_path: Path
) -> None:
    crawled = run_crawl(replica.base_url or "", database_url, {"gallery": "seed"})
    assert crawled.returncode == 0, crawled
    out = tmp_path / "report-seed.html"
    printed = make_report(database_url, "seed", out)
    assert "51 posts" in printed

    seen = view_offline(out, artifacts() / "report-seed.png")

    assert_complete_and_offline(seen)
    for table in POST_TABLES:
        assert seen.rows[table] == TOP
        assert len(seen.links[table]) == TOP
    assert (artifacts() / "report-seed.png").stat().st_size > 10_000


def test_the_offline_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    """The check above would catch a report that loads anything: here a page that does."""
    page = tmp_path / "fetching.html"
    page.write_text(
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.invalid/a.css">'
        '</head><body><img src="http://cdn.invalid/b.png"><section id="chart-per-day">'
        "<h2>x</h2><p class='caption'>y</p></section></body></html>",
        encoding="utf-8",
    )
    seen = view_offline(page, tmp_path / "fetching.png")
    assert "https://cdn.invalid/a.css" in seen.fetched
    assert "http://cdn.invalid/b.png" in seen.fetched
    assert seen.console_errors  # Chromium says it could not load them
