"""``python -m bench [--quick] [--only NAME ...]``: measure, and print one JSON line per figure.

Figures (``bench/README.md`` says how each is measured):

1. ``e2e``: crawler vs ceiling posts/s on a replica gallery, into PostgreSQL;
2. ``parse``: ms per list page, view page and comment page through parsers and loaders;
3. ``write``: items/s through the PostgreSQL pipeline vs raw ``COPY``;
4. ``memory``: peak RSS of a long crawl, and RSS along it;
5. ``scaling``: two scrapyd nodes vs one under a per-node politeness limit;
6. ``refresh``: a refresh's requests vs the least it must fetch, and vs a full re-crawl;
7. ``export``: peak RSS and rows/s of ``python -m dccrawl export`` of 1,000,000 comments;
8. ``queries``: the README's queries and the Korean search on ~300,000 posts and ~3,000,000
   comments (ms, against a plain ``ILIKE`` for the search).

``--quick`` runs every figure on small sizes (under two minutes); the default
sizes are the project's (≥ 5,000 posts end to end, ≥ 50,000 for memory).
Progress goes to stderr; stdout has only the JSON lines.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bench import cores as core_choice
from bench import (
    database,
    endtoend,
    exporting,
    machine,
    memory,
    parsecost,
    querytimes,
    refreshing,
    scaling,
    writepath,
)
from bench.figures import Figure, emit

logger = logging.getLogger("bench")


@dataclass(frozen=True)
class Sizes:
    """How big each figure's workload is."""

    e2e_posts: int  # post numbers of the end-to-end gallery (~95% are live posts)
    e2e_repeats: int
    parse_repeats: int
    write_items: int
    write_repeats: int
    memory_posts: int
    scaling_posts: int
    scaling_delay: float
    refresh_posts: int
    refresh_epochs: int
    export_posts: int
    export_comments: int
    query_posts: int  # posts of the big archive (bench/archive.py; ~10 comments each)
    query_repeats: int


FULL = Sizes(
    e2e_posts=5_400,
    e2e_repeats=3,
    parse_repeats=200,
    write_items=60_000,
    write_repeats=3,
    memory_posts=53_000,
    scaling_posts=1_200,
    scaling_delay=0.05,
    refresh_posts=5_000,
    refresh_epochs=5,
    export_posts=50_000,
    export_comments=1_000_000,
    query_posts=301_600,
    query_repeats=5,
)
QUICK = Sizes(
    e2e_posts=700,
    e2e_repeats=1,
    parse_repeats=40,
    write_items=10_000,
    write_repeats=2,
    memory_posts=2_500,
    scaling_posts=160,
    scaling_delay=0.05,
    refresh_posts=500,
    refresh_epochs=2,
    export_posts=2_500,
    export_comments=50_000,
    query_posts=20_000,
    query_repeats=3,
)
FIGURES = ("e2e", "parse", "write", "memory", "scaling", "refresh", "export", "queries")


def _figures(name: str, admin_url: str, sizes: Sizes) -> Iterator[Figure]:
    """The figures of one benchmark."""
    cores = core_choice.choose()
    if name == "e2e":
        return endtoend.measure(admin_url, cores, sizes.e2e_posts, sizes.e2e_repeats)
    if name == "parse":
        return parsecost.measure(cores, sizes.parse_repeats)
    if name == "write":
        return writepath.measure(admin_url, sizes.write_items, sizes.write_repeats)
    if name == "memory":
        return memory.measure(admin_url, cores, sizes.memory_posts)
    if name == "refresh":
        return refreshing.measure(admin_url, sizes.refresh_posts, sizes.refresh_epochs)
    if name == "queries":
        return querytimes.measure(admin_url, sizes.query_posts, 10, sizes.query_repeats)
    if name == "export":
        return exporting.measure(admin_url, sizes.export_posts, sizes.export_comments)
    return scaling.measure(admin_url, sizes.scaling_posts, sizes.scaling_delay)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: under two minutes")
    parser.add_argument(
        "--only", action="append", choices=FIGURES, help="run only this benchmark (repeatable)"
    )
    parser.add_argument("--database-url", help="PostgreSQL server (default: as for the tests)")
    parser.add_argument(
        "--machine", action="store_true", help="print the machine's description and exit"
    )
    args = parser.parse_args(argv)
    if args.machine:
        print(machine.describe())
        return 0
    logging.basicConfig(level=logging.WARNING, format="bench: %(message)s", stream=sys.stderr)
    logging.getLogger("bench").setLevel(logging.INFO)  # progress; the rest only warns
    sizes = QUICK if args.quick else FULL
    failed = []
    started = time.monotonic()
    with database.server(args.database_url) as admin_url:
        for name in args.only or FIGURES:
            logger.info("%s …", name)
            try:
                for figure in _figures(name, admin_url, sizes):
                    emit(figure)
            except Exception:
                logger.exception("benchmark %s failed", name)
                failed.append(name)
    logger.info("done in %.0f s", time.monotonic() - started)
    if failed:
        logger.error("failed: %s", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
