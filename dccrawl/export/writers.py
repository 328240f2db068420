"""Arrow record batches of one table into files: Parquet (partitioned), CSV or JSON lines.

Every writer takes the batches of one table in the order ``queries.select_query`` reads
them and holds at most one file open, so memory stays bounded however large the table.

* **Parquet**: ``<table>/gallery_id=<id>/month=<YYYY-MM>/part-0.parquet`` (``partitions.py``),
  the columns' Arrow types of ``schemas.py`` (``gallery_id`` is in the folder name, not in
  the file, as hive-partitioned data sets have it), zstd-compressed, row groups of up to
  ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES`` bytes. The rows come sorted by month, so
  a partition is finished when the next one starts: its file is closed, the next opened.
* **CSV**: one file ``<table>/<table>.csv``, every column, a header line. Timestamps are ISO
  8601 text in KST with their offset (``2026-11-05T14:03:09.000000+09:00``), arrays JSON
  text (``["https://…","https://…"]``), booleans ``true`` / ``false``. Text is always
  quoted; NULL is an empty unquoted field, so an empty text (``""``) stays distinct.
* **JSON lines**: one file ``<table>/<table>.jsonl``, one JSON object per row with every
  column: timestamps as in CSV, arrays as JSON arrays, NULL as ``null``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from dccrawl.export.partitions import PART_FILE, month_keys, partition_folder, runs
from dccrawl.export.schemas import FOLDER_COLUMNS, Table

FORMATS = ("parquet", "csv", "jsonl")
ROW_GROUP_ROWS = 100_000  # a Parquet row group ends at this many rows,
ROW_GROUP_BYTES = 8_000_000  # or at this many bytes of Arrow data, whichever comes first
PARQUET_COMPRESSION = "zstd"  # read by pyarrow, pandas, polars, DuckDB and Spark alike


class PartitionOrderError(RuntimeError):
    """Rows of a partition came after it was closed: the query's order and the partition
    key disagree, and writing on would replace the partition's file."""


def iso_text(times: pa.Array) -> pa.Array:
    """Timestamps as ISO 8601 text in their type's zone, with the offset (``+09:00``)."""
    text = pc.strftime(times, format="%Y-%m-%dT%H:%M:%S%z")  # %S: seconds and microseconds
    return pc.replace_substring_regex(text, pattern=r"([+-]\d\d)(\d\d)$", replacement=r"\1:\2")


def json_text(lists: pa.Array) -> pa.Array:
    """Each list as JSON text (``NULL`` stays NULL, an empty list is ``[]``)."""
    return pa.array(
        [
            None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            for value in lists.to_pylist()
        ],
        pa.string(),
    )


def _converts(field: pa.Field, *, lists: bool) -> bool:
    return pa.types.is_timestamp(field.type) or (lists and pa.types.is_list(field.type))


def text_schema(schema: pa.Schema, *, lists: bool) -> pa.Schema:
    """``schema`` with its timestamps (and, when ``lists``, its arrays) as strings."""
    return pa.schema([f.with_type(pa.string()) if _converts(f, lists=lists) else f for f in schema])


def _as_text(batch: pa.RecordBatch, *, lists: bool) -> pa.RecordBatch:
    """``batch`` with its timestamps (and, when ``lists``, its arrays) as text."""
    arrays = [
        (iso_text(column) if pa.types.is_timestamp(field.type) else json_text(column))
        if _converts(field, lists=lists)
        else column
        for field, column in zip(batch.schema, batch.columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=text_schema(batch.schema, lists=lists))


class TableWriter(ABC):
    """Writes one table's batches under ``folder`` (the table's own folder)."""

    def __init__(self, table: Table, folder: Path, gallery: str) -> None:
        self.table = table
        self.folder = folder
        self.gallery = gallery
        self.rows = 0
        self.files: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    @abstractmethod
    def write(self, batch: pa.RecordBatch) -> None:
        """Add ``batch`` (every column of the table, in the query's order)."""

    @abstractmethod
    def close(self) -> None:
        """Finish the open file."""

    def bytes_written(self) -> int:
        """Bytes on disk so far (the open file's as far as it has been flushed)."""
        return sum(path.stat().st_size for path in self.files if path.exists())

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ParquetTableWriter(TableWriter):
    """One ``part-0.parquet`` per ``gallery_id=…/month=…`` folder, one open at a time."""

    def __init__(self, table: Table, folder: Path, gallery: str) -> None:
        super().__init__(table, folder, gallery)
        self.schema = table.file_schema()
        self._month: str | None = None
        self._closed_months: set[str] = set()
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def write(self, batch: pa.RecordBatch) -> None:
        keys = month_keys(batch.column(self.table.month_column))
        rows = batch.drop_columns(list(FOLDER_COLUMNS))
        for month, offset, length in runs(keys):
            if month != self._month:
                self._open(month)
            piece = rows.slice(offset, length)
            self._pending.append(piece)
            self._pending_rows += length
            self._pending_bytes += piece.nbytes
            self.rows += length
            if self._pending_rows >= ROW_GROUP_ROWS or self._pending_bytes >= ROW_GROUP_BYTES:
                self._flush()

    def _open(self, month: str) -> None:
        self.close()
        if month in self._closed_months:
            raise PartitionOrderError(
                f"{self.table.name}: rows of month {month} came after its file was closed"
            )
        path = self.folder / partition_folder(self.gallery, month) / PART_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, self.schema, compression=PARQUET_COMPRESSION)
        self._month = month
        self.files.append(path)

    def _flush(self) -> None:
        if self._pending and self._writer is not None:
            table = pa.Table.from_batches(self._pending, schema=self.schema)
            self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self._pending = []
        self._pending_rows = 0
        self._pending_bytes = 0

    def close(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._month is not None:
            self._closed_months.add(self._month)
            self._month = None


class CsvTableWriter(TableWriter):
    """``<table>/<table>.csv`` with a header line (written even when no row follows)."""

    def __init__(self, table: Table, folder: Path, gallery: str) -> None:
        super().__init__(table, folder, gallery)
        path = folder / f"{table.name}.csv"
        self.files.append(path)
        schema = text_schema(table.schema(), lists=True)
        self._writer: pcsv.CSVWriter | None = pcsv.CSVWriter(str(path), schema)

    def write(self, batch: pa.RecordBatch) -> None:
        assert self._writer is not None, "written after close"
        self._writer.write_batch(_as_text(batch, lists=True))
        self.rows += batch.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class JsonLinesTableWriter(TableWriter):
    """``<table>/<table>.jsonl``: one JSON object per line, keys in the table's order."""

    def __init__(self, table: Table, folder: Path, gallery: str) -> None:
        super().__init__(table, folder, gallery)
        path = folder / f"{table.name}.jsonl"
        self.files.append(path)
        self._file: IO[str] | None = path.open("w", encoding="utf-8", newline="\n")

    def write(self, batch: pa.RecordBatch) -> None:
        assert self._file is not None, "written after close"
        rows: list[dict[str, Any]] = _as_text(batch, lists=False).to_pylist()
        self._file.writelines(
            json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows
        )
        self.rows += batch.num_rows

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def bytes_written(self) -> int:
        if self._file is not None:
            self._file.flush()
        return super().bytes_written()


WRITERS: dict[str, type[TableWriter]] = {
    "parquet": ParquetTableWriter,
    "csv": CsvTableWriter,
    "jsonl": JsonLinesTableWriter,
}


def open_writer(file_format: str, table: Table, folder: Path, gallery: str) -> TableWriter:
    """The writer of ``file_format`` for ``table``, its files under ``folder``."""
    return WRITERS[file_format](table, folder, gallery)
