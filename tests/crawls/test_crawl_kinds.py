"""Finding a gallery's kind by probing every prefix, never by guessing.

The replica serves an id under two prefixes (``twin``: a major and a mini gallery), an id
under one (``solo``, a mini gallery: ``/board/`` answers it as unknown, as the site
does for a gallery it does not have), and a minor gallery (``/board/`` redirects it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    assert_equal_to_truth,
    replica_truth,
    run_crawl,
    stat_value,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

SPECS = ["twin:major:40", "twin:mini:30", "solo:mini:30", "mino:minor:30"]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaProcess]:
    with ReplicaProcess([part for spec in SPECS for part in ("--gallery", spec)]) as server:
        yield server


def errors_in(output: str) -> list[str]:
    return [line for line in output.splitlines() if " ERROR: " in line]


def test_an_id_under_two_prefixes_stops_with_exit_2_and_asks_for_the_kind(
    replica: ReplicaProcess, database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "twin"})
    assert result.returncode == 2, result
    first = errors_in(result.output)[0]
    assert "more than one kind" in first and "-a kind=major or -a kind=mini" in first
    assert stat_value(result.output, "dccrawl/kind_probes") == 4
    assert stat_value(result.output, "dccrawl/posts", default=0) == 0


def test_the_kind_given_picks_the_gallery_meant(replica: ReplicaProcess, database_url: str) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "twin", "kind": "mini"})
    assert result.returncode == 0, result
    both = replica_truth("--gallery", "twin:major:40", "--gallery", "twin:mini:30")
    truth = [line for line in both if line["gallery_kind"] == "mini"]
    assert_equal_to_truth(database_url, with_listed_posts(truth), "twin")


@pytest.mark.parametrize(("gallery", "kind"), [("solo", "mini"), ("mino", "minor")])
def test_a_gallery_under_one_prefix_is_found_by_probing(
    replica: ReplicaProcess, database_url: str, gallery: str, kind: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": gallery, "comments": 0})
    assert result.returncode == 0, result
    assert f"Gallery {gallery} is a {kind} gallery" in result.output
    assert stat_value(result.output, "dccrawl/kind_probes") == 4
    # Every probe is named in the log with what it answered.
    probes = next(line for line in result.output.splitlines() if f"Gallery {gallery}: " in line)
    assert probes.count("/board/lists/?id=") == 4 and "is this gallery" in probes


def test_an_id_under_no_prefix_is_one_line_and_exit_1(
    replica: ReplicaProcess, database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "nowhere"})
    assert result.returncode == 1, result
    assert "Gallery 'nowhere' does not exist" in errors_in(result.output)[0]
