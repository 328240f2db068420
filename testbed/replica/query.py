"""List-page requests: which rows a ``lists/`` URL asks for and which numbers answer it.

The parameters follow SITE.md §1.2: ``page``, ``list_num`` (30/50/100, default 50),
``exception_mode=recommend`` (개념글), ``search_head`` (말머리 id, 0 = all), and a search
(``s_type``, ``s_keyword``, ``search_pos``) that works in windows of post numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .gallery import FilterKey, GalleryState, Search

LIST_NUMS = (30, 50, 100)
DEFAULT_LIST_NUM = 50
S_TYPES = ("search_subject_memo", "search_subject", "search_memo", "search_name", "search_comment")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default  # type: ignore[arg-type]
    except ValueError:
        return default


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    list_num: int = DEFAULT_LIST_NUM
    recommend: bool = False
    head_id: int | None = None
    s_type: str | None = None
    keyword: str | None = None
    search_pos: int | None = None  # the positive window top, from search_pos=-N

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ListQuery:
        list_num = _int(params.get("list_num"), DEFAULT_LIST_NUM)
        head = _int(params.get("search_head"), 0)
        keyword = params.get("s_keyword") or None
        s_type = params.get("s_type") or None
        if keyword is not None and s_type not in S_TYPES:
            s_type = "search_subject_memo"
        pos = _int(params.get("search_pos"), 0)
        return cls(
            page=max(1, _int(params.get("page"), 1)),
            list_num=list_num if list_num in LIST_NUMS else DEFAULT_LIST_NUM,
            recommend=params.get("exception_mode") == "recommend",
            head_id=head or None,
            s_type=s_type if keyword else None,
            keyword=keyword,
            search_pos=abs(pos) if keyword and pos else None,
        )

    @property
    def filter_key(self) -> FilterKey:
        return (self.recommend, self.head_id)

    @property
    def is_search(self) -> bool:
        return self.keyword is not None

    def base_params(self, top: int | None = None) -> list[tuple[str, str]]:
        """Parameters every link of this listing keeps (before ``page``)."""
        params: list[tuple[str, str]] = []
        if self.list_num != DEFAULT_LIST_NUM:
            params.append(("list_num", str(self.list_num)))
        if self.recommend:
            params.append(("exception_mode", "recommend"))
        if self.head_id is not None:
            params.append(("search_head", str(self.head_id)))
        if self.is_search:
            if top is not None:
                params.append(("search_pos", f"-{top}"))
            params += [("s_type", self.s_type or ""), ("s_keyword", self.keyword or "")]
        return params


@dataclass(frozen=True)
class Listing:
    """What a list URL resolves to: the page's numbers and the paging facts."""

    numbers: list[int]
    page: int
    last_page: int
    total: int
    window_top: int | None = None  # search windows only
    has_prev_window: bool = False
    has_next_window: bool = False


def resolve(state: GalleryState, query: ListQuery) -> Listing:
    if query.is_search:
        head = state.head_number()
        top = query.search_pos or head
        matches = state.search(
            Search(query.s_type or "", query.keyword or "", top), query.filter_key
        )
        start = (query.page - 1) * query.list_num
        last = -(-len(matches) // query.list_num)
        return Listing(
            numbers=matches[start : start + query.list_num],
            page=query.page,
            last_page=last,
            total=len(matches),
            window_top=top,
            has_prev_window=top < head,
            has_next_window=top - state.search_window >= 1,
        )
    seq = state.sequence(query.filter_key)
    total = len(seq)
    end = total - (query.page - 1) * query.list_num
    begin = max(0, end - query.list_num)
    numbers = list(reversed(seq[begin:end])) if end > 0 else []
    return Listing(
        numbers=numbers, page=query.page, last_page=-(-total // query.list_num), total=total
    )
