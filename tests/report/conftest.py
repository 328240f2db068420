"""The hand-made gallery of ``content.py`` in a database shared by a module's reading tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.databases import fresh_database
from tests.report import content


@pytest.fixture(scope="module")
def shared(pg_admin_url: str) -> Iterator[str]:
    """The gallery in one database for the tests of a module that only read it."""
    with fresh_database(pg_admin_url) as url:
        content.fill(url)
        yield url
