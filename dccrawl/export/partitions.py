"""Which folder a Parquet row goes to: ``gallery_id=<id>/month=<YYYY-MM>`` (hive style).

The month is the row's month in KST (the site's clock) of its table's month column
(``created_at`` of posts and of comments, ``seen_at`` of snapshots); a row without one goes
to ``month=unknown``. pyarrow, pandas, polars, DuckDB and Spark read the folder names back
as the columns ``gallery_id`` and ``month``, and skip the folders a filter on them excludes,
so a reader of one month of a large gallery opens that month's files only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from dccrawl.export.schemas import ZONE

UNKNOWN_MONTH = "unknown"
PART_FILE = "part-0.parquet"  # a partition is written in one go: one file each


def month_keys(times: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``YYYY-MM`` of each time in KST, ``unknown`` where the time is NULL."""
    local = pc.strftime(times.cast(pa.timestamp("us", tz=ZONE)), format="%Y-%m")
    keys = pc.fill_null(local, UNKNOWN_MONTH)
    return keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys


def runs(keys: pa.Array) -> Iterator[tuple[str, int, int]]:
    """``(key, offset, length)`` of each run of equal consecutive keys, in order."""
    if len(keys) == 0:
        return
    encoded = pc.run_end_encode(keys)
    start = 0
    for end, key in zip(encoded.run_ends.to_pylist(), encoded.values.to_pylist(), strict=True):
        yield key, start, end - start
        start = end


def partition_folder(gallery: str, month: str) -> PurePosixPath:
    """``gallery_id=<id>/month=<month>``; the id percent-encoded as hive readers decode it
    (a DCInside id is letters, digits and ``_``, which stay as they are)."""
    return PurePosixPath(f"gallery_id={quote(gallery, safe='')}") / f"month={month}"
