"""The exported tables, their columns, and each column's Arrow type: the one place that
says what an export's files hold.

The columns are written out here, in the tables' own order, rather than read from the
database at export time: a file's schema is then the same for every export of a given
dccrawl version, whatever the database it came from, and a reader can rely on it.
``tests/export/test_schemas.py`` compares these lists with a freshly migrated database,
so a migration that adds a column fails there until the column is added here.

PostgreSQL types map to Arrow types as follows (``ARROW_TYPES``):

* ``text`` → ``string``;
* ``bigint`` → ``int64``, ``integer`` → ``int32``;
* ``boolean`` → ``bool``;
* ``timestamp with time zone`` → ``timestamp[us, tz=Asia/Seoul]``: PostgreSQL keeps
  microseconds; the instant is stored as UTC, and the zone, the site's, makes readers show
  it as the site does;
* ``text[]`` → ``list<string>``.

Columns declared ``NOT NULL`` are non-nullable Arrow fields; every other column keeps its
NULLs as nulls. A Parquet file leaves ``FOLDER_COLUMNS`` out: its folder name holds them
(``partitions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

ZONE = "Asia/Seoul"
"""The time zone of exported timestamps and of the month partitions (KST, no DST)."""

TIMESTAMPTZ = "timestamp with time zone"

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "boolean": pa.bool_(),
    TIMESTAMPTZ: pa.timestamp("us", tz=ZONE),
    "text[]": pa.list_(pa.string()),
}
"""PostgreSQL type (as ``format_type`` spells it) → Arrow type."""

FOLDER_COLUMNS = ("gallery_id",)
"""Columns a Parquet file leaves to its folder name (hive partitioning: one value a folder)."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, PostgreSQL type and whether it may be NULL."""

    name: str
    pg_type: str
    nullable: bool = True

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.pg_type]

    @property
    def field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)


def _columns(spec: str) -> tuple[Column, ...]:
    """Columns from ``name type [not null]`` lines (the table's order)."""
    columns = []
    for line in spec.strip().splitlines():
        name, rest = line.split(None, 1)
        pg_type, not_null, _ = rest.partition(" not null")
        columns.append(Column(name, pg_type.strip(), nullable=not not_null))
    return tuple(columns)


@dataclass(frozen=True)
class Table:
    """An exported table: its columns, the key its rows are ordered by within a file, and
    the time column whose KST month names a row's Parquet partition."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    month_column: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def schema(self) -> pa.Schema:
        """Every column: the rows as read from the database, and as CSV / JSON lines hold them."""
        return pa.schema([column.field for column in self.columns])

    def file_schema(self) -> pa.Schema:
        """The columns of a Parquet file: all but ``FOLDER_COLUMNS`` (a reader of the folder
        gets ``gallery_id`` and ``month`` back from the path)."""
        return pa.schema(
            [column.field for column in self.columns if column.name not in FOLDER_COLUMNS]
        )


POSTS = Table(
    "posts",
    _columns(
        """
        gallery_id text not null
        post_no bigint not null
        gallery_kind text
        title text
        head text
        writer_nick text
        writer_uid text
        writer_ip text
        created_at timestamp with time zone
        views integer
        recommend integer
        downvotes integer
        comment_count integer
        body_text text
        body_html text
        image_urls text[]
        is_deleted boolean not null
        url text
        crawled_at timestamp with time zone not null
        first_seen_at timestamp with time zone not null
        last_seen_at timestamp with time zone not null
        updated_at timestamp with time zone not null
        counts_changed_at timestamp with time zone not null
        is_notice boolean
        is_recommended boolean
        writer_class text
        recommend_fixed integer
        video_urls text[]
        """
    ),
    key=("post_no",),
    month_column="created_at",
)

COMMENTS = Table(
    "comments",
    _columns(
        """
        gallery_id text not null
        post_no bigint not null
        comment_no bigint not null
        parent_no bigint
        writer_nick text
        writer_uid text
        writer_ip text
        created_at timestamp with time zone
        body_text text
        dccon_url text
        is_deleted boolean not null
        crawled_at timestamp with time zone not null
        first_seen_at timestamp with time zone not null
        last_seen_at timestamp with time zone not null
        updated_at timestamp with time zone not null
        writer_class text
        is_voice boolean
        via_app boolean
        """
    ),
    key=("post_no", "comment_no"),
    month_column="created_at",
)

POST_SNAPSHOTS = Table(
    "post_snapshots",
    _columns(
        """
        gallery_id text not null
        post_no bigint not null
        seen_at timestamp with time zone not null
        views integer
        recommend integer
        downvotes integer
        comment_count integer
        """
    ),
    key=("post_no", "seen_at"),
    month_column="seen_at",
)

TABLES: dict[str, Table] = {table.name: table for table in (POSTS, COMMENTS, POST_SNAPSHOTS)}


def exported_tables(*, snapshots: bool) -> tuple[Table, ...]:
    """The tables an export writes, in order: posts, comments (and the snapshots)."""
    return (POSTS, COMMENTS, POST_SNAPSHOTS) if snapshots else (POSTS, COMMENTS)
