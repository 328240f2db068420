"""The writer COPYs in binary, and falls back to text where binary cannot send a value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dccrawl.db import writer
from tests.pipeline_harness import fetch, make_comment, make_post, write


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ``binary`` flag of every batch attempt the writer makes."""
    seen: list[bool] = []
    original = writer._write_batch

    async def recording(*args: Any, binary: bool) -> writer.BatchResult:
        seen.append(binary)
        return await original(*args, binary=binary)

    monkeypatch.setattr(writer, "_write_batch", recording)
    return seen


def test_batches_go_in_binary(database_url: str, copies: list[bool]) -> None:
    items = [make_post(1), make_comment(1, 1), make_comment(1, 2)]
    stats = write(database_url, items)
    assert stats["dccrawl/db/posts_written"] == 1
    assert stats["dccrawl/db/comments_written"] == 2
    assert copies == [True]


def test_a_value_only_text_accepts_is_sent_as_text(database_url: str, copies: list[bool]) -> None:
    stats = write(database_url, [make_post(1, views="12")])  # a digit string for an integer
    assert copies == [True, False]
    assert stats["dccrawl/db/posts_written"] == 1
    assert fetch(database_url, "SELECT views FROM posts") == [{"views": 12}]


def test_a_naive_time_is_kst(database_url: str) -> None:
    write(database_url, [make_post(1, created_at=dt.datetime(2026, 1, 1, 12, 0))])
    (row,) = fetch(database_url, "SELECT created_at FROM posts")
    assert row["created_at"] == dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)
