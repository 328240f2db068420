"""The exported columns and their Arrow types: every column of the tables, each mapped."""

from __future__ import annotations

import psycopg
import pyarrow as pa
import pytest

from dccrawl.db.migrate import migrate
from dccrawl.export.schemas import (
    ARROW_TYPES,
    COMMENTS,
    POST_SNAPSHOTS,
    POSTS,
    TABLES,
    exported_tables,
)

KST_MICROSECONDS = pa.timestamp("us", tz="Asia/Seoul")


def test_each_postgresql_type_has_its_arrow_type() -> None:
    assert {
        "text": pa.string(),
        "bigint": pa.int64(),
        "integer": pa.int32(),
        "boolean": pa.bool_(),
        "timestamp with time zone": KST_MICROSECONDS,
        "text[]": pa.list_(pa.string()),
    } == ARROW_TYPES


def test_the_posts_schema_types_and_nulls() -> None:
    schema = POSTS.schema()
    assert schema.field("post_no").type == pa.int64()
    assert schema.field("views").type == pa.int32()
    assert schema.field("created_at").type == KST_MICROSECONDS
    assert schema.field("image_urls").type == pa.list_(pa.string())
    assert schema.field("video_urls").type == pa.list_(pa.string())
    assert schema.field("is_deleted").type == pa.bool_()
    assert schema.field("body_text").type == pa.string()
    # NOT NULL columns are required fields; the rest keep their NULLs
    assert not schema.field("post_no").nullable
    assert not schema.field("crawled_at").nullable
    assert schema.field("created_at").nullable
    assert schema.field("is_notice").nullable


def test_a_parquet_file_leaves_the_gallery_to_its_folder_name() -> None:
    assert "gallery_id" in COMMENTS.schema().names
    assert "gallery_id" not in COMMENTS.file_schema().names
    assert COMMENTS.file_schema().names == list(COMMENTS.column_names[1:])


def test_snapshots_are_exported_only_when_asked() -> None:
    assert exported_tables(snapshots=False) == (POSTS, COMMENTS)
    assert exported_tables(snapshots=True) == (POSTS, COMMENTS, POST_SNAPSHOTS)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_columns_are_the_migrated_tables_columns(database_url: str, name: str) -> None:
    """A migration that adds, drops or retypes a column fails here until schemas.py follows."""
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        columns = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), NOT attnotnull"
            " FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped ORDER BY attnum",
            (name,),
        ).fetchall()
    declared = [(c.name, c.pg_type, c.nullable) for c in TABLES[name].columns]
    assert declared == [tuple(column) for column in columns]
