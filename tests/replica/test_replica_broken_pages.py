"""The replica's pages that stay broken (``--broken-pages RATE``) and ``POST /_replica/heal``.

A share of pages, drawn per page (not per request), answers an empty 200 however often
it is asked, until the replica is healed; ``/_replica/stats`` lists the ones it served
broken, so a test knows exactly which pages a crawl could not get (issue 14's failure
ledger is tested against this). Healing also ends blocks and stops new ones.
"""

from __future__ import annotations

import json
import urllib.request

from testbed.replica.blocks import BlockRule
from testbed.replica.cli import parse
from testbed.replica.client import fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread

NOW = parse_now("2026-06-15T00:05:00+09:00")
VIEWS = [f"/board/view/?id=b&no={n}" for n in range(1, 61)]


def replica(**options: object) -> ReplicaThread:
    return ReplicaThread(
        ReplicaOptions(galleries=(GallerySpec.parse("b:major:60"),), now=NOW, **options)  # type: ignore[arg-type]
    )


def heal(server: ReplicaThread) -> dict[str, int]:
    request = urllib.request.Request(server.url("/_replica/heal"), data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        data: dict[str, int] = json.loads(answer.read())
        return data


def test_a_broken_page_stays_broken_and_is_listed_until_healed() -> None:
    with replica(broken_pages=0.2) as server:
        empty = [path for path in VIEWS if fetch(server.url(path)).body == b""]
        assert 0 < len(empty) < len(VIEWS)
        again = [path for path in VIEWS if fetch(server.url(path)).body == b""]
        assert again == empty  # the same pages, every time
        listed = server.stats()["broken_pages"]
        assert sorted(listed) == sorted(f"view {path}" for path in empty)

        assert heal(server)["broken_pages"] == len(empty)
        assert all(fetch(server.url(path)).body for path in empty)
        assert server.stats()["healed"] is True


def test_comment_pages_are_broken_by_post_and_page() -> None:
    """The same comment page asked with another form (the browser's) is the same page."""
    with replica(broken_pages=1.0) as server:
        fetch(server.url("/board/comment/"), data={"id": "b", "no": "5", "comment_page": "2"})
        fetch(server.url("/board/comment/"), data={"id": "b", "no": "5"})
        assert server.stats()["broken_pages"] == ["comments b 5 1", "comments b 5 2"]


def test_healing_ends_a_block_and_starts_none() -> None:
    with replica(block=BlockRule(2, 60.0, 600.0, "403")) as server:
        statuses = [fetch(server.url(path)).status for path in VIEWS[:4]]
        assert statuses[-1] == 403
        assert heal(server)["blocks_ended"] == 1
        assert 403 not in {
            fetch(server.url(path)).status for path in VIEWS
        }  # (404: a purged number)


def test_the_command_line_sets_the_rate() -> None:
    _, options = parse(["serve", "--port", "0", "--gallery", "b:major:5", "--broken-pages", "0.02"])
    assert options.broken_pages == 0.02
