"""Items → rows: the column lists match the item contract and text is made storable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from dccrawl.db.rows import (
    COMMENT_COLUMNS,
    POST_COLUMNS,
    BadKey,
    clean_value,
    item_key,
    item_kind,
    storable_text,
    to_row,
)
from dccrawl.items import Comment, Post
from tests.pipeline_harness import make_comment, make_post


def test_columns_are_exactly_the_item_fields() -> None:
    assert set(POST_COLUMNS) == set(Post.fields)
    assert set(COMMENT_COLUMNS) == set(Comment.fields)
    assert len(set(POST_COLUMNS)) == len(POST_COLUMNS)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain", "plain"),
        ("a\x00b\x00", "ab"),
        ("lone \ud83d high", "lone \ufffd high"),
        ("lone \ude00 low", "lone \ufffd low"),
        ("pair \ud83d\ude00 joined", "pair 😀 joined"),
        ("emoji 😀👍🏽 and 한국어", "emoji 😀👍🏽 and 한국어"),
        ("RTL עברית العربية", "RTL עברית العربية"),
        ("\x00\ud800\x00", "\ufffd"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert storable_text(raw) == clean


@given(st.text())
def test_clean_text_always_gives_storable_utf8(text: str) -> None:
    out = storable_text(text)
    assert "\x00" not in out
    out.encode("utf-8")  # no lone surrogates left
    if "\x00" not in text:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            assert out == text  # valid text is never touched


def test_clean_value_cleans_inside_lists_and_leaves_other_types() -> None:
    assert clean_value(["a\x00", "b\ud800"]) == ["a", "b\ufffd"]
    assert clean_value(5) == 5
    assert clean_value(None) is None


def test_item_kind_and_key() -> None:
    post, comment = ItemAdapter(make_post(7)), ItemAdapter(make_comment(7, 70))
    assert item_kind(post) == "post"
    assert item_kind(comment) == "comment"
    assert item_kind(ItemAdapter({"url": "x"})) is None
    assert item_kind(ItemAdapter(Post())) == "post"  # declared fields decide, not set ones
    assert item_key(post, "post") == ("programming", 7)
    assert item_key(comment, "comment") == ("programming", 7, 70)
    assert item_key(ItemAdapter(make_post("8")), "post") == ("programming", 8)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"gallery_id": None},
        {"gallery_id": ""},
        {"post_no": None},
        {"post_no": "8a"},
        {"post_no": True},
    ],
)
def test_bad_keys_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(BadKey):
        item = make_post(1)
        item.update(fields)
        item_key(ItemAdapter(item), "post")


def test_to_row_follows_the_column_order() -> None:
    item = make_post(3, title="t\x00")
    key, row = to_row(ItemAdapter(item), "post")
    assert key == ("programming", 3)
    assert row == tuple("t" if name == "title" else item.get(name) for name in POST_COLUMNS)
