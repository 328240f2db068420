"""One export: a gallery's tables, read in one database snapshot, written under ``--out``.

Every table is read through a server-side cursor a few megabytes at a time
(``reading.py``), each batch handed to the format's writer (``writers.py``), so memory
holds one batch and one open file, never the table.

All tables are read in one ``REPEATABLE READ`` read-only transaction: the counts and the
rows of posts, comments and snapshots are the same moment's, even while a crawl writes.

The files are written into a hidden staging folder inside ``--out`` and moved to
``--out/<table>/`` only when every table is complete: an export that fails half-way (the
database goes away, the disk fills) leaves ``--out`` as it was, and with ``--overwrite``
the previous export is replaced only by a whole new one. ``--out/export.json`` records
what the export holds (gallery, period, format, each table's rows and files).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from dccrawl.db.reading import held_galleries, holds_gallery, snapshot
from dccrawl.export.progress import Progress, summary_line
from dccrawl.export.queries import Selection, count_query
from dccrawl.export.reading import record_batches
from dccrawl.export.schemas import TABLES, Table, exported_tables
from dccrawl.export.writers import open_writer
from dccrawl.kst import KST

MANIFEST = "export.json"


class ExportError(Exception):
    """An export that cannot be made; the message says why, in words."""


class UnknownGallery(ExportError):
    """The database holds nothing of the gallery (most likely a typo)."""

    def __init__(self, gallery: str, held: list[str]) -> None:
        self.gallery = gallery
        self.held = held
        super().__init__(f"the database holds no gallery {gallery!r}")


class OutputNotEmpty(ExportError):
    """``--out`` holds files already, and ``--overwrite`` was not given."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export, in which format, and where."""

    selection: Selection
    file_format: str
    out: Path
    snapshots: bool = False
    overwrite: bool = False


@dataclass(frozen=True)
class TableResult:
    """What an export wrote of one table (paths relative to ``--out``)."""

    table: str
    rows: int
    files: tuple[str, ...]
    size: int
    seconds: float


def check_output(out: Path, *, overwrite: bool) -> None:
    """Refuse an ``--out`` that is a file, or a folder with something in it (unless
    ``overwrite``): an export never mixes its files with others by accident."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputNotEmpty(
            f"--out {out} is not empty: choose an empty or new folder, or add --overwrite "
            f"(it replaces the folders {', '.join(TABLES)} and {MANIFEST} there)"
        )


def _export_table(
    conn: psycopg.Connection[Any],
    table: Table,
    *,
    request: ExportRequest,
    staging: Path,
    total: int,
    say: Callable[[str], None],
    progress_every: float,
) -> TableResult:
    started = time.monotonic()
    progress = Progress(table.name, total, say, every=progress_every)
    by_month = request.file_format == "parquet"
    folder = staging / table.name
    with open_writer(request.file_format, table, folder, request.selection.gallery) as writer:
        for batch in record_batches(conn, table, request.selection, by_month=by_month):
            writer.write(batch)
            progress.update(writer.rows, writer.bytes_written)
    size = writer.bytes_written()
    files = tuple(path.relative_to(staging).as_posix() for path in writer.files)
    result = TableResult(table.name, writer.rows, files, size, time.monotonic() - started)
    say(summary_line(table.name, result.rows, len(files), size, result.seconds))
    return result


def _move_into_place(staging: Path, out: Path, tables: tuple[Table, ...]) -> None:
    """Replace ``out``'s table folders (every table's: a former ``--snapshots`` export's
    snapshots go too) with the staged ones."""
    for name in TABLES:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / MANIFEST).unlink(missing_ok=True)
    for table in tables:
        (staging / table.name).rename(out / table.name)


def _manifest(request: ExportRequest, results: list[TableResult]) -> dict[str, Any]:
    def day(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    selection = request.selection
    return {
        "gallery": selection.gallery,
        "since": day(selection.since),
        "until": day(selection.until),
        "format": request.file_format,
        "exported_at": datetime.now(KST).isoformat(timespec="seconds"),
        "tables": {
            result.table: {"rows": result.rows, "bytes": result.size, "files": list(result.files)}
            for result in results
        },
    }


def export(
    url: str,
    request: ExportRequest,
    *,
    say: Callable[[str], None],
    progress_every: float = 5.0,
) -> list[TableResult]:
    """Export ``request``'s gallery from the database at ``url``; one result per table.

    Raises ``ExportError`` (``UnknownGallery``, ``OutputNotEmpty``) before writing
    anything, ``psycopg.Error`` when the database fails and ``OSError`` when a file cannot
    be written; either way ``request.out`` is left as it was."""
    check_output(request.out, overwrite=request.overwrite)
    tables = exported_tables(snapshots=request.snapshots)
    selection = request.selection
    with snapshot(url) as conn:
        if not holds_gallery(conn, selection.gallery):
            raise UnknownGallery(selection.gallery, held_galleries(conn))
        totals: dict[str, int] = {}
        for table in tables:
            row = conn.execute(count_query(table, selection), selection.params()).fetchone()
            totals[table.name] = int(row[0]) if row else 0
        counted = ", ".join(f"{name} {total:,}" for name, total in totals.items())
        say(f"export: {selection.gallery} as {request.file_format} into {request.out}: {counted}")
        created = not request.out.exists()
        request.out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", suffix=".partial", dir=request.out))
        try:
            results = [
                _export_table(
                    conn,
                    table,
                    request=request,
                    staging=staging,
                    total=totals[table.name],
                    say=say,
                    progress_every=progress_every,
                )
                for table in tables
            ]
            _move_into_place(staging, request.out, tables)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if created and not any(request.out.iterdir()):
                request.out.rmdir()  # a failed export leaves no empty folder of its own
    (request.out / MANIFEST).write_text(
        json.dumps(_manifest(request, results), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return results
