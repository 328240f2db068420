"""The loaders' compiled processors give exactly what ItemLoader's own machinery gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from itemloaders import ItemLoader

from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.site.comments import RawComment, parse_comment_page
from dccrawl.site.views import parse_view
from tests.paths import SAMPLES
from tests.site.test_site_views import full_page

CRAWLED = datetime(2026, 9, 30, 12, 30, tzinfo=KST)
VIEW_URL = "https://gall.dcinside.com/mgallery/board/view/?id=tree&no=1019123"


class _GeneralComment(CommentLoader):
    """CommentLoader through ItemLoader's general (uncompiled) add_value and load_item."""

    def add_value(self, field_name: Any, value: Any, *processors: Any, **kw: Any) -> Any:
        return ItemLoader.add_value(self, field_name, value, *processors, **kw)

    def load_item(self) -> Any:
        return ItemLoader.load_item(self)


class _GeneralPost(PostLoader):
    def add_value(self, field_name: Any, value: Any, *processors: Any, **kw: Any) -> Any:
        return ItemLoader.add_value(self, field_name, value, *processors, **kw)

    def load_item(self) -> Any:
        return ItemLoader.load_item(self)


def _raw_comments() -> list[RawComment]:
    raws: list[RawComment] = []
    for path in sorted(SAMPLES.glob("comment-api-*.json")):
        raws.extend(parse_comment_page(path.read_bytes()).comments)
    assert raws
    return raws


def _same(compiled: Any, general: Any) -> None:
    """Every value the general path set is the compiled one; the rest are the defaults."""
    for name in compiled.fields:
        if name in general:
            assert compiled[name] == general[name], name
        else:
            assert compiled[name] in (None, [], False), name


@pytest.mark.parametrize("index", range(len(_raw_comments())))
def test_comments_load_the_same(index: int) -> None:
    raw = _raw_comments()[index]
    items = []
    for cls in (CommentLoader, _GeneralComment):
        loader = cls(crawled_at=CRAWLED, base_url=VIEW_URL)
        loader.add_value("gallery_id", "tree")
        loader.add_comment(raw)
        items.append(loader.load_item())
    _same(*items)


def test_load_comments_gives_what_a_loader_per_comment_gives() -> None:
    raws = _raw_comments()
    batch = CommentLoader.load_comments(
        raws, crawled_at=CRAWLED, base_url=VIEW_URL, gallery_id="tree", post_no="1019123"
    )
    singles = []
    for raw in raws:
        loader = _GeneralComment(crawled_at=CRAWLED, base_url=VIEW_URL)
        loader.add_value("gallery_id", "tree")
        loader.add_value("post_no", "1019123")
        singles.append(loader.add_comment(raw).load_item())
    assert len(batch) == len(singles)
    for item, single in zip(batch, singles, strict=True):
        _same(item, single)
        assert item["post_no"] == 1019123  # the shared value comes first, as added first


def test_load_comments_sets_every_field_and_shares_nothing_between_items() -> None:
    first, second = CommentLoader.load_comments(
        _raw_comments()[:2], crawled_at=CRAWLED, base_url=VIEW_URL, gallery_id="tree"
    )
    assert set(first.keys()) == set(first.fields)
    assert first["crawled_at"] == CRAWLED
    assert first["gallery_id"] == second["gallery_id"] == "tree"
    assert first["comment_no"] != second["comment_no"]


def test_posts_load_the_same() -> None:
    view = parse_view(full_page(), url=VIEW_URL)
    items = []
    for cls in (PostLoader, _GeneralPost):
        loader = cls(crawled_at=CRAWLED, base_url=VIEW_URL)
        loader.add_value("gallery_kind", "minor")
        loader.add_value("url", VIEW_URL)
        loader.add_view(view)
        items.append(loader.load_item())
    _same(*items)
    assert items[0]["title"] == "제목 입니다"  # and the view really was loaded


def test_list_values_and_none_go_through_like_map_compose() -> None:
    loader = PostLoader(crawled_at=CRAWLED, base_url=VIEW_URL)
    loader.add_value("image_urls", ["//dcimg1.dcinside.com/a.jpg", None, "/b.png"])
    loader.add_value("title", None)
    loader.add_value("views", "조회 1,234")
    item = loader.load_item()
    assert item["image_urls"] == [
        "https://dcimg1.dcinside.com/a.jpg",
        "https://gall.dcinside.com/b.png",
    ]
    assert item["title"] is None
    assert item["views"] == 1234
