"""``python -m dccrawl retry`` as a user runs it: what it says and how it exits (no crawl)."""

from __future__ import annotations

from tests.crawling import dccrawl_cli
from tests.ledger.test_ledger_rows import LIST_3, VIEW_5, lost
from tests.pipeline_harness import write


def test_a_bad_gallery_id_is_one_line_and_exit_2(database_url: str) -> None:
    result = dccrawl_cli("retry", "--gallery", "no such id", "-s", f"DATABASE_URL={database_url}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dccrawl retry: gallery='no such id': a gallery id is letters, digits and _ only"
    ]


def test_an_empty_ledger_is_done_at_once(database_url: str) -> None:
    result = dccrawl_cli("retry", "--gallery", "programming", "-s", f"DATABASE_URL={database_url}")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "The failure ledger holds no page of programming: nothing to retry.",
    )


def test_a_dry_run_shows_each_losing_crawl_and_exits_3(database_url: str) -> None:
    other = {"gallery": "programming", "pages": "1-5"}
    write(database_url, [lost("view", VIEW_5, 5), lost("list", LIST_3, arguments=other)])
    result = dccrawl_cli(
        "retry", "--gallery", "programming", "--dry-run", "-s", f"DATABASE_URL={database_url}"
    )
    assert result.returncode == 3
    assert result.stdout.splitlines()[1:] == [
        "  gallery=programming: 1 view page(s)",
        "  gallery=programming pages=1-5: 1 list page(s)",
    ]


def test_a_dead_database_is_one_line_and_exit_1() -> None:
    dead = "postgresql://postgres@127.0.0.1:9/none?connect_timeout=2"
    result = dccrawl_cli("retry", "--gallery", "programming", "-s", f"DATABASE_URL={dead}")
    assert result.returncode == 1
    assert result.stderr.startswith("dccrawl retry: the database does not answer")
