"""bench/: a figure's JSON line, and a ceiling that fetches exactly what the crawler fetched."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench import endtoend
from bench.cores import Cores
from bench.figures import Figure


def test_a_figure_with_a_target_says_whether_it_meets_it() -> None:
    line = Figure("e2e_ratio", 0.8, "ratio", 0.75, ">=").as_json()
    assert line == {
        "name": "e2e_ratio",
        "value": 0.8,
        "unit": "ratio",
        "target": 0.75,
        "comparison": ">=",
        "meets": True,
    }
    assert Figure("peak", 310.0, "MB", 300.0, "<=").meets is False


def test_a_figure_without_a_target_has_no_verdict() -> None:
    line = Figure("write_copy_items_per_s", 1234.5678, "items/s").as_json()
    assert set(line) == {"name", "value", "unit"}
    with pytest.raises(ValueError, match="target"):
        Figure("x", 1.0, "ratio", 1.0)


def _requests(path: Path) -> Counter[tuple[str, str, str]]:
    """(method, URL without its host, body) of every recorded request, counted."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return Counter(
        (r["method"], urlsplit(r["url"])._replace(scheme="", netloc="").geturl(), r["body"])
        for r in records
    )


@pytest.mark.integration
def test_the_ceiling_replays_the_crawls_requests(pg_admin_url: str, tmp_path: Path) -> None:
    spec = f"{endtoend.GALLERY}:major:120:noheads"
    recorded = tmp_path / "requests.jsonl"
    crawl = endtoend._crawl(tmp_path, pg_admin_url, Cores(None, None), spec, recorded)
    assert crawl.stat("dccrawl/posts") > 100
    ceiling = endtoend._ceiling(tmp_path, recorded, Cores(None, None), spec, tuned=False)
    count = crawl.stat("downloader/request_count")
    assert ceiling.stat("downloader/request_count") == count
    assert ceiling.stat("downloader/response_status_count/200") == count
    original = _requests(recorded)
    assert sum(original.values()) == count
    assert {method for method, _, _ in original} == {"GET", "POST"}  # lists, views, comments
    assert _requests(tmp_path / "replayed.jsonl") == original  # only the port differs
