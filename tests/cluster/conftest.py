"""Fixtures of the cluster tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from dccrawl.cluster import ledger
from dccrawl.db.migrate import migrate


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A ledger connection to a fresh, migrated database."""
    migrate(database_url)
    with ledger.connect(database_url) as connection:
        yield connection
