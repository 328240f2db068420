"""The writers on hand-made batches: text forms, partitions, row groups, order checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from dccrawl.export import writers
from dccrawl.export.progress import Progress, summary_line
from dccrawl.export.schemas import COMMENTS, POST_SNAPSHOTS
from dccrawl.export.writers import PartitionOrderError, iso_text, json_text, open_writer

KST_MICROSECONDS = pa.timestamp("us", tz="Asia/Seoul")
SEEN = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_timestamps_become_iso_8601_text_in_kst_with_the_offset() -> None:
    times = pa.array([datetime(2025, 5, 1, 0, 30, 5, 120, tzinfo=UTC), None], KST_MICROSECONDS)
    assert iso_text(times).to_pylist() == ["2025-05-01T09:30:05.000120+09:00", None]
    assert datetime.fromisoformat(iso_text(times)[0].as_py()) == times[0].as_py()


def test_lists_become_json_text() -> None:
    lists = pa.array([["https://a/1", "한글"], [], None], pa.list_(pa.string()))
    assert json_text(lists).to_pylist() == ['["https://a/1","한글"]', "[]", None]


def comment(post_no: int, comment_no: int, created_at: datetime | None, **fields: Any) -> dict:
    row = dict.fromkeys(COMMENTS.column_names)
    row.update(
        gallery_id="g",
        post_no=post_no,
        comment_no=comment_no,
        created_at=created_at,
        is_deleted=False,
        crawled_at=SEEN,
        first_seen_at=SEEN,
        last_seen_at=SEEN,
        updated_at=SEEN,
    )
    row.update(fields)
    return row


def batch_of(rows: list[dict]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(rows, schema=COMMENTS.schema())


MAY = datetime(2025, 5, 10, tzinfo=UTC)
JUNE = datetime(2025, 6, 10, tzinfo=UTC)


def test_parquet_rows_go_to_their_month_one_file_each(tmp_path: Path) -> None:
    rows = [comment(1, 1, MAY), comment(1, 2, JUNE), comment(2, 3, JUNE), comment(3, 4, None)]
    with open_writer("parquet", COMMENTS, tmp_path, "g") as writer:
        writer.write(batch_of(rows[:2]))
        writer.write(batch_of(rows[2:]))
    names = [path.relative_to(tmp_path).as_posix() for path in writer.files]
    assert names == [
        "gallery_id=g/month=2025-05/part-0.parquet",
        "gallery_id=g/month=2025-06/part-0.parquet",
        "gallery_id=g/month=unknown/part-0.parquet",
    ]
    june = pq.read_table(writer.files[1])
    assert june.schema == COMMENTS.file_schema()
    assert june.column("comment_no").to_pylist() == [2, 3]
    assert writer.rows == 4
    assert writer.bytes_written() == sum(path.stat().st_size for path in writer.files)


def test_a_partition_that_comes_back_is_refused(tmp_path: Path) -> None:
    """The query orders rows by month; a writer that reopened a month would replace its file."""
    writer = open_writer("parquet", COMMENTS, tmp_path, "g")
    writer.write(batch_of([comment(1, 1, MAY), comment(1, 2, JUNE)]))
    with pytest.raises(PartitionOrderError, match="2025-05"):
        writer.write(batch_of([comment(1, 3, MAY)]))
    writer.close()


def test_a_large_partition_is_written_in_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "ROW_GROUP_ROWS", 3)
    rows = [comment(1, number, MAY) for number in range(1, 9)]
    with open_writer("parquet", COMMENTS, tmp_path, "g") as writer:
        for start in range(0, 8, 2):
            writer.write(batch_of(rows[start : start + 2]))
    (path,) = writer.files
    metadata = pq.ParquetFile(path).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sum(sizes) == 8
    assert len(sizes) > 1
    assert max(sizes) <= 3
    assert pq.read_table(path).column("comment_no").to_pylist() == list(range(1, 9))


TRICKY = [
    comment(1, 1, MAY, body_text="", writer_nick='따옴표 " 와, 쉼표', writer_ip=None),
    comment(1, 2, None, body_text="두 줄\n둘째 줄", dccon_url=None, via_app=True),
    comment(1, 3, JUNE, body_text=None, dccon_url="https://dcimg5/x", is_voice=False),
]


def test_csv_keeps_nulls_empty_texts_and_line_breaks_apart(tmp_path: Path) -> None:
    with open_writer("csv", COMMENTS, tmp_path, "g") as writer:
        writer.write(batch_of(TRICKY))
    (path,) = writer.files
    assert path == tmp_path / "comments.csv"
    types = {
        field.name: pa.string() if pa.types.is_timestamp(field.type) else field.type
        for field in COMMENTS.schema()
    }
    table = pcsv.read_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    rows = table.to_pylist()
    assert [row["body_text"] for row in rows] == ["", "두 줄\n둘째 줄", None]
    assert rows[0]["writer_nick"] == '따옴표 " 와, 쉼표'
    assert rows[0]["created_at"] == "2025-05-10T09:00:00.000000+09:00"
    assert rows[1]["created_at"] is None
    assert [row["via_app"] for row in rows] == [None, True, None]


def test_an_empty_csv_still_has_its_header(tmp_path: Path) -> None:
    with open_writer("csv", POST_SNAPSHOTS, tmp_path, "g") as writer:
        pass
    assert (
        writer.files[0].read_text()
        == ",".join(f'"{n}"' for n in POST_SNAPSHOTS.column_names) + "\n"
    )


def test_json_lines_one_object_per_row(tmp_path: Path) -> None:
    with open_writer("jsonl", COMMENTS, tmp_path, "g") as writer:
        writer.write(batch_of(TRICKY))
    lines = (tmp_path / "comments.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 3
    assert list(rows[0]) == list(COMMENTS.column_names)
    assert rows[1]["body_text"] == "두 줄\n둘째 줄"
    assert rows[0]["created_at"] == "2025-05-10T09:00:00.000000+09:00"
    assert rows[2]["body_text"] is None
    assert "한" in "".join(lines) or "줄" in "".join(lines)  # UTF-8, not \\u escapes


def test_progress_speaks_only_when_its_interval_has_passed() -> None:
    said: list[str] = []
    now = [0.0]
    progress = Progress("comments", 1_000_000, said.append, every=5.0, clock=lambda: now[0])
    progress.update(1000, lambda: 1_000_000)
    now[0] = 5.0
    progress.update(420_000, lambda: 12_300_000)
    now[0] = 6.0
    progress.update(430_000, lambda: 12_400_000)
    assert said == ["export: comments 420,000/1,000,000 rows, 12.3 MB written"]
    assert summary_line("posts", 50_000, 7, 48_200_000, 3.14) == (
        "export: posts: 50,000 rows, 7 files, 48.2 MB in 3.1 s"
    )
    assert "1 file," in summary_line("post_snapshots", 3, 1, 10, 0.0)
