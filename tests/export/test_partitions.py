"""Parquet partitions: a row's KST month, runs of one month, and the folder names."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from dccrawl.export.partitions import UNKNOWN_MONTH, month_keys, partition_folder, runs

UTC_MICROSECONDS = pa.timestamp("us", tz="UTC")


def test_the_month_is_the_kst_month() -> None:
    times = pa.array(
        [
            datetime(2025, 4, 30, 14, 59, 59, 999999, tzinfo=UTC),  # 23:59:59 on 30 April KST
            datetime(2025, 4, 30, 15, 0, tzinfo=UTC),  # midnight, 1 May KST
            datetime(2025, 12, 31, 15, 0, tzinfo=UTC),  # 1 January 2026 KST
            None,
        ],
        UTC_MICROSECONDS,
    )
    assert month_keys(times).to_pylist() == ["2025-04", "2025-05", "2026-01", UNKNOWN_MONTH]


def test_a_chunked_column_gives_one_array() -> None:
    times = pa.chunked_array([[datetime(2025, 1, 1, tzinfo=UTC)], [None]], UTC_MICROSECONDS)
    assert month_keys(times).to_pylist() == ["2025-01", "unknown"]


def test_runs_of_equal_months() -> None:
    keys = pa.array(["2025-04", "2025-04", "2025-05", "unknown", "unknown", "unknown"])
    assert list(runs(keys)) == [("2025-04", 0, 2), ("2025-05", 2, 1), ("unknown", 3, 3)]
    assert list(runs(pa.array([], pa.string()))) == []


def test_partition_folders_are_hive_style() -> None:
    assert str(partition_folder("programming", "2025-05")) == "gallery_id=programming/month=2025-05"
    assert str(partition_folder("a/b c", "unknown")) == "gallery_id=a%2Fb%20c/month=unknown"
