"""The query figure (``bench/querytimes.py``) on a small archive: it times every README query
and each search word, and the search returns what a plain ILIKE returns on random text."""

from __future__ import annotations

import pytest

from bench import querytimes
from dccrawl.db import queries

pytestmark = pytest.mark.integration


def test_every_query_and_search_word_gets_a_figure(pg_admin_url: str) -> None:
    figures = {f.name: f for f in querytimes.measure(pg_admin_url, 2_000, 3, repeats=1)}
    assert {f"readme_query_ms/{name}" for name in queries.ALL} <= figures.keys()
    searched = [f for name, f in figures.items() if name.startswith("search_ms/")]
    assert len(searched) == len(querytimes.SEARCH_WORDS)
    assert all(f.detail["same_rows"] for f in searched), [f.as_json() for f in searched]
    assert figures["readme_query_ms/top_members"].detail["rows"] == 20
    assert figures["readme_query_ms_slowest"].value == max(
        figures[f"readme_query_ms/{name}"].value for name in queries.ALL
    )
