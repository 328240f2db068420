"""The report's page and charts from hand-made values: escaping, links, ids, and SVG that
matplotlib draws without a warning (the suite turns warnings into errors) and without Hangul."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from dccrawl.kst import KST
from dccrawl.report import charts, page
from dccrawl.report.data import (
    Activity,
    Bucket,
    ClassCount,
    Coverage,
    DeletionDay,
    Deletions,
    FailureKind,
    FailureRow,
    Failures,
    Gap,
    Heatmap,
    PostMark,
    Report,
    TopPost,
    Writers,
)
from dccrawl.report.period import Period

AT = datetime(2026, 11, 2, 9, 30, tzinfo=KST)
EVIL_TITLE = '<script>alert("x")</script><img src=x onerror=alert(1)> 제목 & "따옴표"'
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
CHART_SECTIONS = ("chart-per-day", "chart-heatmap", "chart-writers", "chart-deletions")
TABLES = ("table-most-commented", "table-most-recommended", "table-coverage", "table-gaps")


def post(no: int, **fields: object) -> TopPost:
    base = TopPost(
        post_no=no,
        title=f"글 {no}",
        writer_nick="ㅇㅇ",
        writer_ip="1.2",
        writer_class="floating",
        created_at=AT,
        views=10,
        recommend=1,
        comment_count=3,
        url=f"https://gall.dcinside.com/board/view/?id=g&no={no}",
        is_deleted=False,
        is_notice=False,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def grid(value: int = 0) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(value * (day + hour) for hour in range(24)) for day in range(7))


def sample(**changes: object) -> Report:
    """A report of every kind of content, with changes."""
    report = Report(
        gallery="g",
        period=Period(),
        generated_at=AT,
        database="postgresql://crawler:***@db/dccrawl",
        activity=Activity(
            "day",
            (Bucket(date(2026, 11, 2), 3, 10), Bucket(date(2026, 11, 3), 0, 4)),
            date(2026, 11, 2),
            date(2026, 11, 3),
        ),
        heatmap=Heatmap(grid(1), grid(2)),
        writers=Writers(
            classes=(ClassCount("floating", 2, 9), ClassCount("fixed", 1, 5)),
            posts=3,
            comments=14,
            anonymous_posts=2,
            anonymous_comments=9,
            members=1,
            ip_prefixes=2,
        ),
        most_commented=(
            post(1, title=EVIL_TITLE, writer_nick="<b>nick</b>", is_deleted=True),
            post(2, url="javascript:alert(1)", writer_class="fixed", writer_ip=None),
            post(3, url="https://gall.dcinside.com/board/view/?id=g&no=3&page=1", is_notice=True),
        ),
        most_recommended=(post(4, title=None, created_at=None, views=None),),
        deletions=Deletions(
            found_unit="day",
            found=(DeletionDay(date(2026, 11, 6), 1, 2),),
            written_unit="day",
            written=(Bucket(date(2026, 11, 4), 1, 0),),
            deleted=3,
            posts=30,
            undated=2,
        ),
        coverage=Coverage(
            posts=30,
            first=PostMark(
                1, AT, "<첫 글>", "https://gall.dcinside.com/board/view/?id=g&no=1", False
            ),
            last=PostMark(40, None, None, None, True),
            missing=10,
            gap_runs=2,
            largest=(Gap(5, 12, AT, AT), Gap(20, 24, AT, None)),
            notices=1,
            deleted=3,
            deleted_undated=2,
            crawled_from=AT,
            crawled_to=AT,
        ),
        failures=Failures(
            available=True,
            kinds=(FailureKind("view", 1, 2, AT),),
            rows=(FailureRow("view", "/board/view/?id=g&no=7&x=<y>", 7, "http <503>", 2, AT),),
        ),
    )
    return replace(report, **changes)  # type: ignore[arg-type]


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text, of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    return collector


def fake_charts() -> dict[str, str]:
    return {name: f'<svg id="svg-{name}"></svg>' for name in charts.CHART_NAMES}


def test_titles_nicks_and_paths_are_text_not_markup() -> None:
    html = page.render(sample(), fake_charts())
    document = parsed(html)
    tags = [tag for tag, _ in document.tags]
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    text = "".join(document.text)
    assert EVIL_TITLE in text  # shown as written
    assert "<b>nick</b>" in text
    assert "/board/view/?id=g&no=7&x=<y>" in text and "http <503>" in text
    assert "<첫 글>" in text


def test_links_only_to_web_addresses() -> None:
    document = parsed(page.render(sample(), fake_charts()))
    hrefs = [attrs["href"] for tag, attrs in document.tags if tag == "a"]
    posts = [href for href in hrefs if href and not href.startswith("#")]
    assert posts == [
        "https://gall.dcinside.com/board/view/?id=g&no=1",
        "https://gall.dcinside.com/board/view/?id=g&no=3&page=1",  # &amp; read back as &
        "https://gall.dcinside.com/board/view/?id=g&no=4",  # most recommended, untitled
        "https://gall.dcinside.com/board/view/?id=g&no=1",  # the coverage's first post
    ]
    assert not any(href and href.startswith("javascript") for href in hrefs)


def test_every_chart_and_table_has_its_id_heading_and_caption() -> None:
    html = page.render(sample(), fake_charts())
    for section in (*CHART_SECTIONS, "most-commented", "most-recommended", "coverage"):
        match = re.search(
            rf'<section id="{section}"><h2>[^<]+</h2><p class="caption">(.+?)</p>', html
        )
        assert match, section
        assert match.group(1).strip()
    for name in CHART_SECTIONS:
        chart = name.removeprefix("chart-")
        assert re.search(rf'<section id="{name}">.*?<svg id="svg-{chart}"></svg></section>', html)
    for table in (*TABLES, "table-failures"):
        assert f'<table id="{table}">' in html


def test_the_page_fetches_nothing() -> None:
    html = page.render(sample(), fake_charts())
    document = parsed(html)
    assert not [tag for tag, _ in document.tags if tag in ("script", "link", "img", "iframe")]
    assert not [attrs for _, attrs in document.tags if "src" in attrs]
    assert "default-src 'none'" in html
    assert "@import" not in html and "url(" not in html


def test_title_names_gallery_range_and_generation_time() -> None:
    html = page.render(sample(), fake_charts())
    assert "<title>dccrawl report: g, 2026-11-02 – 2026-11-03</title>" in html
    assert "generated 2026-11-02 09:30 KST" in html
    bounded = page.render(sample(period=Period(date(2026, 11, 1), None)), fake_charts())
    assert "<title>dccrawl report: g, 2026-11-01 – …</title>" in bounded


def test_empty_tables_keep_their_ids_with_a_row_that_says_so() -> None:
    empty = sample(
        most_commented=(),
        most_recommended=(),
        coverage=replace(sample().coverage, largest=(), first=None, last=None),
        failures=Failures(available=True),
    )
    html = page.render(empty, fake_charts())
    for table in ("table-most-commented", "table-most-recommended", "table-gaps"):
        assert re.search(rf'<table id="{table}">.*?<td class="empty" colspan="\d">', html)
    assert "holds no page of this gallery" in html
    missing = page.render(sample(failures=Failures(available=False)), fake_charts())
    assert "no failure ledger" in missing


def test_failures_name_the_retry_command() -> None:
    html = page.render(sample(), fake_charts())
    assert re.search(r"<code>\S*python\S* -m dccrawl retry --gallery g</code>", html)


# --- charts -------------------------------------------------------------------------


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def check_svg(svg: str, name: str) -> None:
    assert svg.startswith("<svg"), svg[:80]
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert f'id="svg-{name}"' in svg.split(">", 1)[0]
    assert svg_texts(svg), "text is written as <text> (svg.fonttype none)"
    assert not HANGUL.search(svg)
    assert "http" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", svg)  # nothing to fetch


def test_every_chart_of_a_full_report() -> None:
    drawn = charts.draw_all(sample())
    assert set(drawn) == set(charts.CHART_NAMES)
    for name, svg in drawn.items():
        check_svg(svg, name)
    assert "Posts and comments per day (KST)" in svg_texts(drawn["per-day"])
    assert drawn == charts.draw_all(sample()), "the same data draws the same SVG"


def test_empty_data_draws_a_no_data_figure() -> None:
    empty = sample(
        activity=Activity("day", (), None, None),
        heatmap=Heatmap(grid(0), grid(0)),
        writers=Writers((), 0, 0, 0, 0, 0, 0),
        deletions=Deletions("day", (), "day", (), 0, 0, 0),
    )
    for name, svg in charts.draw_all(empty).items():
        check_svg(svg, name)
        assert any(text.startswith("No ") for text in svg_texts(svg)), name


@pytest.mark.parametrize(
    ("unit", "count"), [("day", 1), ("day", 40), ("week", 60), ("month", 97), ("month", 13)]
)
def test_time_series_of_any_length(unit: str, count: int) -> None:
    step = {"day": 1, "week": 7, "month": 31}[unit]
    buckets = tuple(
        Bucket(date(2026, 1, 1) + timedelta(days=step * i), i % 5, 0) for i in range(count)
    )
    activity = Activity(unit, buckets, buckets[0].start, buckets[-1].start)
    check_svg(charts.activity_chart(activity), "per-day")
    deletions = Deletions(
        unit, tuple(DeletionDay(b.start, b.posts, 1) for b in buckets), unit, buckets, 1, 1, 0
    )
    check_svg(charts.deletions_chart(deletions), "deletions")


def test_lopsided_data_draws_without_warning() -> None:
    """Posts but no comments, one writer class, deletions all undated."""
    check_svg(charts.heatmap_chart(Heatmap(grid(1), grid(0))), "heatmap")
    writers = Writers((ClassCount(None, 3, 0),), 3, 0, 0, 0, 0, 0)
    svg = charts.writers_chart(writers)
    check_svg(svg, "writers")
    assert "not shown" in svg_texts(svg)
    deletions = Deletions("day", (DeletionDay(date(2026, 11, 6), 0, 4),), "day", (), 4, 4, 4)
    check_svg(charts.deletions_chart(deletions), "deletions")
