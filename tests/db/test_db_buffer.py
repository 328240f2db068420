"""``BufferedWriter`` on its own: plain callbacks, no crawler, no stats, no engine.

What the pipelines make of its reports (stats, logs, closing the spider) is tested in
test_pipeline_postgres.py and test_media_db.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from itemadapter import ItemAdapter

from dccrawl.db.buffer import BufferedWriter, BufferLimits
from dccrawl.db.connection import ReconnectingConnection
from dccrawl.db.rows import to_row
from dccrawl.db.writer import BatchResult, Entry, prepare_connection, write_entries
from tests.pipeline_harness import fetch, make_post


class Heard:
    """A writer whose every report is recorded here."""

    def __init__(self, write: Any, limits: BufferLimits) -> None:
        self.written: list[Any] = []
        self.rejected: list[tuple[Any, str]] = []
        self.retries = 0
        self.gave_up = 0
        self.writer: BufferedWriter[Entry, Any] = BufferedWriter(
            write,
            limits,
            written=self.written.append,
            rejected=lambda entry, reason: self.rejected.append((entry, reason)),
            retried=self._retried,
            gave_up=self._gave_up,
        )

    def _retried(self) -> None:
        self.retries += 1

    def _gave_up(self) -> None:
        self.gave_up += 1


def entries(numbers: range, **fields: Any) -> list[Entry]:
    made: list[Entry] = []
    for n in numbers:
        key, row = to_row(ItemAdapter(make_post(n, **fields)), "post")
        made.append(("post", key, row))
    return made


def connection(url: str) -> ReconnectingConnection:
    return ReconnectingConnection(url, application_name="dccrawl", prepare=prepare_connection)


def test_batches_are_written_and_a_bad_entry_is_isolated(database_url: str) -> None:
    heard = Heard(write_entries, BufferLimits(batch_size=8, batch_seconds=60))
    bad = entries(range(100, 101), views="many")

    async def run() -> int:
        await heard.writer.open(connection(database_url))
        for e in [*entries(range(1, 10)), *bad, *entries(range(10, 20))]:
            await heard.writer.add(e)
        return await heard.writer.close()

    assert asyncio.run(run()) == 0
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 19}]
    assert all(isinstance(result, BatchResult) for result in heard.written)
    assert sum(result.posts_written for result in heard.written) == 19
    ((entry, reason),) = heard.rejected
    assert entry == bad[0]
    assert 'invalid input syntax for type integer: "many"' in reason
    assert (heard.retries, heard.gave_up) == (0, 0)


def test_an_outage_past_the_budget_gives_up_and_keeps_the_entries(database_url: str) -> None:
    async def conflicting(conn: psycopg.AsyncConnection, batch: list[Entry]) -> None:
        raise psycopg.errors.SerializationFailure("could not serialize access")

    heard = Heard(conflicting, BufferLimits(batch_size=5, batch_seconds=60, retry_seconds=0.5))

    async def run() -> int:
        await heard.writer.open(connection(database_url))
        for e in entries(range(5)):
            await heard.writer.add(e)  # a full batch: the flusher takes it
        while not heard.gave_up:
            await asyncio.sleep(0.02)
        assert heard.writer.buffered == 5  # back in the buffer, not dropped
        return await heard.writer.close()

    assert asyncio.run(run()) == 5
    assert heard.gave_up == 1
    assert heard.retries >= 1
    assert heard.written == heard.rejected == []
