"""A table's rows out of PostgreSQL as Arrow record batches, a bounded amount at a time.

The rows come through a server-side (named) cursor, so the server keeps the result and
sends it a ``FETCH`` at a time. How many rows a fetch asks for follows the rows' width:
the first fetch takes ``FIRST_BATCH_ROWS``, and each next one as many rows as make about
``BATCH_BYTES`` of Arrow data at the width seen so far (between ``MIN_BATCH_ROWS`` and
``MAX_BATCH_ROWS``). A fixed count would not do: a comment is ~200 bytes, a post with its
HTML body is several kilobytes (tens for a long one), and the Python objects a fetch
returns take several times their Arrow size, so 20,000 posts could hold hundreds of
megabytes where 20,000 comments hold twenty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pyarrow as pa

from dccrawl.export.queries import Selection, select_query
from dccrawl.export.schemas import Table

FIRST_BATCH_ROWS = 1_000
MIN_BATCH_ROWS = 100
MAX_BATCH_ROWS = 50_000
BATCH_BYTES = 2_000_000  # Arrow bytes a fetch aims at (its Python rows: ~5x that)


def next_batch_rows(batch_bytes: int, batch_rows: int) -> int:
    """Rows for the next fetch after one of ``batch_rows`` rows and ``batch_bytes`` bytes."""
    per_row = max(1.0, batch_bytes / max(1, batch_rows))
    return max(MIN_BATCH_ROWS, min(MAX_BATCH_ROWS, int(BATCH_BYTES / per_row)))


def to_record_batch(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    """Rows (tuples in the schema's column order) as one record batch of ``schema``."""
    columns = zip(*rows, strict=True)
    arrays = [
        pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def record_batches(
    conn: psycopg.Connection[Any], table: Table, selection: Selection, *, by_month: bool
) -> Iterator[pa.RecordBatch]:
    """The export's rows of ``table`` as record batches of its schema, in the order of
    ``queries.select_query`` (the connection must be in a transaction: a named cursor
    lives in one)."""
    schema = table.schema()
    with conn.cursor(name=f"dccrawl_export_{table.name}") as cursor:
        cursor.execute(select_query(table, selection, by_month=by_month), selection.params())
        wanted = FIRST_BATCH_ROWS
        while rows := cursor.fetchmany(wanted):
            batch = to_record_batch(rows, schema)
            del rows  # the Python rows go before the next fetch arrives
            wanted = next_batch_rows(batch.nbytes, batch.num_rows)
            yield batch
