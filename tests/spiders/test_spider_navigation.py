"""Fast guards for the spider's navigation boundaries: which rows and pages it follows.

Three behaviours were covered only by the slow scrapyd integration test
(``tests/cluster/test_cluster_scrapyd.py``, minutes of real crawls), where a mistake shows up as a
few posts missing from a sharded crawl:

* the ``since_no``/``until_no`` bounds of a list shard — ``(since_no, until_no]``: the row
  numbered ``until_no`` is crawled, the row numbered ``since_no`` is not, and list paging
  stops at the first page that reaches ``since_no`` (an off-by-one loses or duplicates every
  shard's boundary post);
* comment paging — page 1 of a post's comments asks for exactly pages 2..N, and later
  pages ask for nothing more;
* numbered rows whose 말머리 is 뉴스 or 설문 — real posts (many galleries have such heads),
  unlike the site's unnumbered 디시트렌드 news row and survey row, which are skipped.

Here each behaviour runs at the spider level in milliseconds: a ``GallerySpider`` is built
without an engine, its callbacks get replica pages (``testbed/replica``, served from a thread
of this process) for the very requests the spider yielded wherever it yields them, and the
tests look only at what the callbacks yield: requests (URL and form, as the site sees them)
and items. No crawl, no database.
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from dccrawl.items import PageDone
from dccrawl.middlewares import PAGE_META
from dccrawl.site import lists
from spiders.gallery import GallerySpider
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread

# A minor gallery with 말머리 whose labels (derived from the seed and the id) include 뉴스,
# with a survey row and a 디시트렌드 news row on page 1, and one post with 200+ comments.
GALLERY = "news1"
KIND = "minor"
SPEC = f"{GALLERY}:{KIND}:400:heads"
LIST_NUM = 100  # rows per list page the spider asks for (make_spider)
COMMENTS_PER_PAGE = 100  # the comment endpoint's page size (testbed/replica/README.md)


@dataclass(frozen=True)
class Site:
    """The replica for this module and its ground truth for the gallery."""

    base_url: str
    truth: list[dict[str, Any]]

    def listed(self) -> list[int]:
        """Post numbers in list order (newest first): live, not pinned notices."""
        numbers = [
            line["post_no"]
            for line in self.truth
            if line["type"] == "post" and not line["is_deleted"] and not line.get("notice")
        ]
        return sorted(numbers, reverse=True)

    def list_page_numbers(self, page: int) -> list[int]:
        """The post numbers list page ``page`` shows (``LIST_NUM`` rows a page)."""
        return self.listed()[(page - 1) * LIST_NUM : page * LIST_NUM]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    options = ReplicaOptions(galleries=(GallerySpec.parse(SPEC),))
    with ReplicaThread(options) as replica:
        assert replica.base_url is not None
        yield Site(replica.base_url, replica.truth(GALLERY))


# --- driving the spider without an engine -------------------------------------------------


def make_spider(site: Site, **arguments: str) -> GallerySpider:
    """The spider as ``scrapy crawl gallery -a gallery=… -a kind=… -a ARG=…`` builds it.

    ``list_num=100`` is explicit: the tests know which posts a page of 100 rows shows.
    """
    crawler = get_crawler(GallerySpider, settings_dict={"DCCRAWL_BASE_URL": site.base_url})
    spider = GallerySpider.from_crawler(
        crawler, gallery=GALLERY, kind=KIND, list_num=str(LIST_NUM), **arguments
    )
    crawler.spider = spider
    return spider


def start_requests(spider: GallerySpider) -> list[Request]:
    async def collect(requests: AsyncIterator[Any]) -> list[Request]:
        return [request async for request in requests]

    return asyncio.run(collect(spider.start()))


def download(request: Request, body: bytes | None = None) -> Response:
    """``request`` answered by the replica (method, form body and headers as sent).

    ``body`` replaces the answer's body (a page edited for a test).
    """
    headers = {k.decode(): b", ".join(v).decode() for k, v in request.headers.items()}
    http = urllib.request.Request(
        request.url, data=request.body or None, headers=headers, method=request.method
    )
    try:
        with urllib.request.urlopen(http, timeout=30) as answer:
            status, answer_headers, content = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, content = error.code, dict(error.headers), error.read()
    content = content if body is None else body
    cls = responsetypes.from_args(headers=Headers(answer_headers), url=request.url, body=content)
    return cls(request.url, status=status, headers=answer_headers, body=content, request=request)


def requests_in(outputs: Iterable[Any]) -> list[Request]:
    return [output for output in outputs if isinstance(output, Request)]


def items_in(outputs: Iterable[Any]) -> list[Any]:
    return [output for output in outputs if not isinstance(output, Request)]


def query(request: Request) -> dict[str, str]:
    """The request's URL query, one value per name."""
    return {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}


def viewed_posts(outputs: Iterable[Any]) -> set[int]:
    """Post numbers whose view page the outputs request."""
    return {
        int(query(request)["no"])
        for request in requests_in(outputs)
        if "/view" in urlsplit(request.url).path
    }


def list_pages(outputs: Iterable[Any]) -> set[int]:
    """List page numbers the outputs request."""
    return {
        int(query(request).get("page", "1"))
        for request in requests_in(outputs)
        if "/lists" in urlsplit(request.url).path
    }


def comment_pages(outputs: Iterable[Any]) -> list[int]:
    """``comment_page`` of every comment request in the outputs, in order (repeats kept)."""
    pages: list[int] = []
    for request in requests_in(outputs):
        form = parse_qs((request.body or b"").decode())
        if "comment_page" in form:
            pages.append(int(form["comment_page"][0]))
    return pages


def comment_numbers(items: Iterable[Any]) -> set[int]:
    return {int(item["comment_no"]) for item in items if "comment_no" in item}


def list_page_response(spider: GallerySpider, page: int) -> Response:
    """List page ``page``, downloaded for the request the spider itself makes for it."""
    request = start_requests(spider)[0]
    for number in range(1, page):
        followed = [
            r
            for r in requests_in(spider.parse_list(download(request)))
            if "/lists" in urlsplit(r.url).path and query(r).get("page") == str(number + 1)
        ]
        assert followed, f"the spider did not page on from list page {number}"
        request = followed[0]
    assert query(request).get("page", "1") == str(page)
    return download(request)


def page_boundaries(site: Site) -> tuple[int, int]:
    """(since_no, until_no) inside list page 1, each with the number above it on the page.

    Rows with the 말머리 뉴스 (section 3 below) are left out, so that a mistake there
    does not show up here as a boundary error too.
    """
    news = {line["post_no"] for line in site.truth if line.get("head") == "뉴스"}
    shown = set(site.list_page_numbers(1)) - news
    pairs = sorted(n for n in shown if n + 1 in shown)
    assert len(pairs) >= 4, "replica page 1 has too few consecutive post numbers"
    since_no, until_no = pairs[1], pairs[-2]
    assert since_no + 1 < until_no
    return since_no, until_no


# --- 1. until_no / since_no -----------------------------------------------------------------


@pytest.fixture(scope="module")
def shard_views(site: Site) -> tuple[int, int, set[int]]:
    """(since_no, until_no, posts followed) for list page 1 crawled as one shard."""
    since_no, until_no = page_boundaries(site)
    spider = make_spider(site, since_no=str(since_no), until_no=str(until_no))
    response = list_page_response(spider, 1)
    body = response.text
    for number in (since_no, since_no + 1, until_no, until_no + 1):
        assert f'data-no="{number}"' in body, f"post {number} is not on list page 1"
    return since_no, until_no, viewed_posts(spider.parse_list(response))


def test_row_numbered_until_no_is_followed(shard_views: tuple[int, int, set[int]]) -> None:
    """until_no is inclusive: else every list shard loses its newest (boundary) post."""
    _, until_no, views = shard_views
    assert until_no in views


def test_row_above_until_no_is_not_followed(shard_views: tuple[int, int, set[int]]) -> None:
    """until_no + 1 belongs to the next-newer shard: else two shards crawl it."""
    _, until_no, views = shard_views
    assert until_no + 1 not in views


def test_row_numbered_since_no_is_not_followed(shard_views: tuple[int, int, set[int]]) -> None:
    """since_no is exclusive: it is the older shard's until_no (or already crawled)."""
    since_no, _, views = shard_views
    assert since_no not in views


def test_row_above_since_no_is_followed(shard_views: tuple[int, int, set[int]]) -> None:
    """since_no + 1 is this shard's oldest post: else nobody crawls it."""
    since_no, _, views = shard_views
    assert since_no + 1 in views


def test_shard_follows_exactly_the_rows_between_its_bounds(
    site: Site, shard_views: tuple[int, int, set[int]]
) -> None:
    """The shard's rows are (since_no, until_no]; nothing from outside, nothing lost inside."""
    since_no, until_no, views = shard_views
    expected = {n for n in site.list_page_numbers(1) if since_no < n <= until_no}
    assert views == expected


def test_paging_goes_on_while_a_page_stays_above_since_no(site: Site) -> None:
    """A page whose oldest row is above since_no is not the last one: page 2 is requested."""
    since_no = min(site.list_page_numbers(2))
    spider = make_spider(site, since_no=str(since_no))
    assert 2 in list_pages(spider.parse_list(list_page_response(spider, 1)))


def test_paging_stops_at_the_first_page_reaching_since_no(site: Site) -> None:
    """Page 2 shows the row numbered since_no: no page after it is requested."""
    since_no = min(site.list_page_numbers(2))
    assert site.list_page_numbers(3), "the replica gallery has no page 3: nothing to stop"
    spider = make_spider(site, since_no=str(since_no))
    outputs = list(spider.parse_list(list_page_response(spider, 2)))
    assert {page for page in list_pages(outputs) if page > 2} == set()


# --- 2. comment paging ----------------------------------------------------------------------


@dataclass(frozen=True)
class CommentCrawl:
    """What ``parse_comments`` yielded for each comment page of one post."""

    post_no: int
    last_page: int
    truth: set[int]
    outputs: dict[int, list[Any]]  # comment page -> outputs
    page_rows: dict[int, set[int]]  # comment page -> comment numbers in its JSON


@pytest.fixture(scope="module")
def comment_crawl(site: Site) -> CommentCrawl:
    """The post with the most comments (3+ pages): view page, then its comment pages."""
    counts: dict[int, int] = {}
    for line in site.truth:
        if line["type"] == "comment":
            counts[line["post_no"]] = counts.get(line["post_no"], 0) + 1
    listed = set(site.listed())
    post_no = max((n for n in counts if n in listed), key=lambda n: counts[n])
    last_page = -(-counts[post_no] // COMMENTS_PER_PAGE)
    assert last_page >= 3, "the replica gallery has no post with 3+ comment pages"
    truth = {
        line["comment_no"]
        for line in site.truth
        if line["type"] == "comment" and line["post_no"] == post_no
    }

    spider = make_spider(site)
    view_url = f"{site.base_url}/mgallery/board/view/?id={GALLERY}&no={post_no}"
    view = Request(view_url, meta={PAGE_META: "view", "post_no": post_no})
    first = [r for r in requests_in(spider.parse_view(download(view))) if comment_pages([r])]
    assert comment_pages(first) == [1], "the view page did not lead to comment page 1"

    outputs: dict[int, list[Any]] = {}
    page_rows: dict[int, set[int]] = {}
    pending = first
    while pending:
        request = pending.pop(0)
        number = comment_pages([request])[0]
        if number in outputs or number > last_page + 1:
            continue  # asked twice, or far past the end: the tests below say so
        response = download(request)
        assert isinstance(response, TextResponse)
        rows = json.loads(response.text)["comments"] or []
        page_rows[number] = {int(r["no"]) for r in rows if r.get("nicktype") != "COMMENT_BOY"}
        outputs[number] = list(spider.parse_comments(response))
        pending += requests_in(outputs[number])
    return CommentCrawl(post_no, last_page, truth, outputs, page_rows)


def test_first_comment_page_requests_each_later_page_once(comment_crawl: CommentCrawl) -> None:
    """Page 1 of N asks for pages 2..N, each once: else the last page or more are lost."""
    requested = comment_pages(comment_crawl.outputs[1])
    assert requested == list(range(2, comment_crawl.last_page + 1))


def test_first_comment_page_yields_its_own_comments(comment_crawl: CommentCrawl) -> None:
    """Page 1's rows become items (the 댓글돌이 ad row excepted) along with the requests."""
    assert comment_numbers(items_in(comment_crawl.outputs[1])) == comment_crawl.page_rows[1]


def test_later_comment_pages_yield_their_comments(comment_crawl: CommentCrawl) -> None:
    """Pages 2..N are each fetched and each yields the comments of its own JSON."""
    later = range(2, comment_crawl.last_page + 1)
    yielded = {
        page: comment_numbers(items_in(comment_crawl.outputs.get(page, []))) for page in later
    }
    assert yielded == {page: comment_crawl.page_rows.get(page) for page in later}


def test_later_comment_pages_request_nothing_more(comment_crawl: CommentCrawl) -> None:
    """Only page 1 fans out: later pages asking again would fetch pages twice (or forever)."""
    later = {page: comment_pages(out) for page, out in comment_crawl.outputs.items() if page > 1}
    assert later == {page: [] for page in range(2, comment_crawl.last_page + 1)}


def test_all_comment_pages_together_yield_every_comment(comment_crawl: CommentCrawl) -> None:
    """Pages 1..N together are the post's whole thread, as the replica's truth has it."""
    yielded: set[int] = set()
    for outputs in comment_crawl.outputs.values():
        yielded |= comment_numbers(items_in(outputs))
    assert yielded == comment_crawl.truth


# --- 3. numbered rows whose 말머리 is 뉴스 or 설문 ---------------------------------------------

_ROW = re.compile(r'<tr class="ub-content[^"]*" data-no="(\d+)".*?</tr>', re.DOTALL)


def _relabel_numbered_rows(body: str, old: str, new: str) -> str:
    """The page with the 말머리 ``old`` of its numbered rows renamed ``new``.

    The unnumbered 디시트렌드 news row keeps its ``뉴스`` cell: only post rows change, as
    they would in a gallery whose head is called ``new``.
    """
    cell = f'<td class="gall_subject">{old}</td>'

    def relabel(match: re.Match[str]) -> str:
        return match.group(0).replace(cell, f'<td class="gall_subject">{new}</td>')

    return _ROW.sub(relabel, body)


@dataclass(frozen=True)
class HeadPage:
    """List page 1 with a head label on some numbered rows, parsed and crawled."""

    label: str
    headed: set[int]  # numbered rows on the page with that head (from the truth)
    shown: set[int]  # every post number the page lists (from the truth)
    page: lists.ListPage
    views: set[int]


@pytest.fixture(scope="module", params=["뉴스", "설문"], ids=["head-news", "head-survey"])
def head_page(request: pytest.FixtureRequest, site: Site) -> HeadPage:
    label: str = request.param
    shown = set(site.list_page_numbers(1))
    headed = {
        line["post_no"]
        for line in site.truth
        if line["type"] == "post" and line.get("head") == "뉴스" and line["post_no"] in shown
    }
    assert headed, "no numbered 뉴스 row on the replica's list page 1"
    spider = make_spider(site)
    response = list_page_response(spider, 1)
    body = response.text
    assert 'class="ub-content dctrend_ad"' in body, "page 1 lacks the 디시트렌드 news row"
    assert "icon_survey" in body, "page 1 lacks the survey row"
    if label != "뉴스":
        body = _relabel_numbered_rows(body, "뉴스", label)
        response = response.replace(body=body.encode("utf-8"))
    views = viewed_posts(spider.parse_list(response))
    return HeadPage(label, headed, shown, lists.parse_list_page(body), views)


def test_numbered_row_with_head_news_or_survey_parses_as_a_post(head_page: HeadPage) -> None:
    """A numbered row is a post whatever its 말머리 says (SITE.md §2.1: the site's own
    news/survey rows have no number, ``data-no=""``)."""
    parsed = {row.post_no for row in head_page.page.rows if row.head == head_page.label}
    assert parsed == head_page.headed


def test_numbered_row_with_head_news_or_survey_is_followed(head_page: HeadPage) -> None:
    """Skipping them would silently drop every post of a gallery's 뉴스/설문 말머리."""
    assert head_page.headed <= head_page.views


def test_unnumbered_news_and_survey_rows_are_classified_and_skipped(
    head_page: HeadPage,
) -> None:
    """The 디시트렌드 news row and the survey row stay non-posts next to such heads."""
    kinds = head_page.page.row_kinds
    assert (kinds.count("news"), kinds.count("survey")) == (1, 1)


def test_list_page_follows_every_numbered_post_and_nothing_else(
    head_page: HeadPage, site: Site
) -> None:
    """The survey, AD and news rows are not followed; every post row and pinned notice is."""
    notices = {n.post_no for n in head_page.page.notices}
    assert notices == {
        line["post_no"] for line in site.truth if line["type"] == "post" and line.get("is_notice")
    }
    assert head_page.views == head_page.shown | notices


def test_a_list_page_read_clears_its_failure_ledger_row(site: Site) -> None:
    spider = make_spider(site)
    out = list(spider.parse_list(download(spider._list_request(2))))
    done = [item for item in out if isinstance(item, PageDone)]
    assert [(d["page_kind"], d["path"]) for d in done] == [
        ("list", f"/mgallery/board/lists/?id={GALLERY}&page=2&list_num={LIST_NUM}")
    ]


def test_notices_are_followed_once_and_flagged(site: Site) -> None:
    """Every list page repeats the pinned notices: the job asks for each one once,
    flagged as a notice (the view page alone cannot tell)."""
    spider = make_spider(site)
    notices = sorted(
        line["post_no"] for line in site.truth if line["type"] == "post" and line.get("notice")
    )
    assert notices, "the replica gallery should have notices"
    first = requests_in(spider.parse_list(download(spider._list_request(1))))
    second = requests_in(spider.parse_list(download(spider._list_request(2))))
    flagged = sorted(r.meta["post_no"] for r in first if (r.meta.get("list_flags") or (False,))[0])
    assert flagged == notices
    assert not {r.meta.get("post_no") for r in second} & set(notices)


def test_every_post_icon_on_the_replicas_list_is_a_post(site: Site) -> None:
    """Text, picture, video, 개념글 and pinned-issue rows are posts (SITE.md §2.1 icons)."""
    spider = make_spider(site)
    types: set[str] = set()
    for page in range(1, 5):
        parsed = lists.parse_list_page(download(spider._list_request(page)).text)
        types |= {row.data_type or "" for row in parsed.rows}
        assert "unknown" not in parsed.row_kinds
    assert {"icon_txt", "icon_pic", "icon_movie", "icon_issue"} <= types
    assert any(t.startswith("icon_recom") for t in types)
