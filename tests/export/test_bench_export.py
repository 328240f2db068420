"""``bench/exporting.py`` on a small gallery: the fill, the export process, the figures."""

from __future__ import annotations

import psycopg
import pytest

from bench import exporting
from testbed.databases import fresh_database

pytestmark = pytest.mark.integration


def test_the_fill_is_a_gallery_of_posts_and_their_comments(pg_admin_url: str) -> None:
    with fresh_database(pg_admin_url) as url:
        exporting.fill(url, posts=40, comments=400)
        with psycopg.connect(url) as conn:
            posts, threads, comments, shortest = conn.execute(
                "SELECT (SELECT count(*) FROM posts), (SELECT count(DISTINCT post_no)"
                " FROM comments), (SELECT count(*) FROM comments),"
                " (SELECT min(char_length(body_text)) FROM comments)"
            ).fetchone() or (0, 0, 0, 0)
    assert (posts, threads, comments) == (40, 40, 400)
    assert shortest >= 40  # ~40 Korean characters a comment


def test_the_figures_of_a_small_export(pg_admin_url: str) -> None:
    peak, speed = exporting.measure(pg_admin_url, posts=40, comments=400)
    assert peak.name == "export_peak_rss_mb" and peak.target == 300.0
    assert 0 < peak.detail["startup_peak_rss_mb"] <= peak.value
    assert peak.detail["files"] >= 2  # posts and comments, by month
    assert [line.split(":")[1] for line in peak.detail["tables"]] == [" posts", " comments"]
    assert speed.name == "export_rows_per_s" and speed.value > 0
