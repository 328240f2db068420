"""Videos in post bodies: the iframes (the site's movie player page for uploads, YouTube's
embed for the others), the truth's ``video_urls``, and the movie player page
(``/board/movie/movie_view?no=``) with and without ``--media``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from testbed.replica import media
from testbed.replica.client import fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from testbed.replica.states import build_states
from tests.replica.test_replica_parsing import doc, parse_rows, parse_view

NOW = parse_now("2026-03-15T00:05:00+09:00")
SPECS = ("vids:major:600", "vmin:minor:300")
MOVIE = re.compile(r"^https://gall\.dcinside\.com/board/movie/movie_view\?no=[1-9][0-9]{6}$")
YOUTUBE = re.compile(r"^https://www\.youtube\.com/embed/[A-Za-z0-9_-]{11}$")
PLAYER = re.compile(
    r'<video[^>]*poster="([^"]*)"[^>]*>[^<]*<source[^>]*src="([^"]*)"[^>]*type="([^"]*)"[^>]*>'
)


def options(*, with_media: bool) -> ReplicaOptions:
    return ReplicaOptions(
        galleries=tuple(GallerySpec.parse(g) for g in SPECS), now=NOW, media=with_media
    )


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(options(with_media=False)) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaThread) -> list[dict[str, Any]]:
    return [r for r in replica.truth() if r["gallery_id"] != "seed"]


def video_posts(truth: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in truth if r["type"] == "post" and r["video_urls"]]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_few_percent_of_posts_embed_videos_of_both_kinds(truth: list[dict[str, Any]]) -> None:
    live = [r for r in truth if r["type"] == "post" and not r["is_deleted"]]
    with_video = video_posts(truth)
    assert 0.015 * len(live) <= len(with_video) <= 0.08 * len(live)
    urls = [u for r in with_video for u in r["video_urls"]]
    assert all(MOVIE.match(u) or YOUTUBE.match(u) for u in urls)
    assert any(MOVIE.match(u) for u in urls) and any(YOUTUBE.match(u) for u in urls)
    assert any(len(r["video_urls"]) > 1 for r in with_video)
    assert all(r["video_urls"] == [] for r in live if r not in with_video)
    deleted = [r for r in truth if r["type"] == "post" and r["is_deleted"]]
    assert deleted and all(r["video_urls"] is None for r in deleted)


def test_view_pages_embed_the_videos_in_body_order(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    between = 0
    for post in video_posts(truth):
        prefix = "/board" if post["gallery_kind"] == "major" else "/mgallery/board"
        url = f"{prefix}/view/?id={post['gallery_id']}&no={post['post_no']}"
        root = doc(fetch(replica.url(url)).body)
        view = parse_view(root)
        assert view["video_urls"] == post["video_urls"]
        assert view["body_text"] == post["body_text"]  # iframes carry no text
        assert view["image_urls"] == post["image_urls"]
        frames = root.xpath("//div[contains(@class,'write_div')]//iframe")
        assert [f.get("src") for f in frames] == post["video_urls"]
        for frame in frames:
            assert frame.get("width") and frame.get("height") and frame.get("frameborder") == "0"
            if MOVIE.match(frame.get("src")):
                assert frame.get("id") == "movieIcon" + frame.get("src").rsplit("=", 1)[1]
            following = frame.getparent().itersiblings()
            between += any((p.text_content() or "").strip() for p in following)
    assert between  # videos sit among the paragraphs, not only after them


def test_list_rows_show_the_movie_icons(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    posts = {r["post_no"]: r for r in truth if r["type"] == "post" and r["gallery_id"] == "vids"}
    rows = []
    for page in (1, 2, 3, 4, 5, 6):
        rows += parse_rows(
            doc(fetch(replica.url(f"/board/lists/?id=vids&page={page}&list_num=100")).body)
        )
    kinds = {}
    for row in rows:
        if row["data_no"] and row["data_type"] not in ("icon_notice", "icon_issue"):
            kinds[int(row["data_no"])] = row["data_type"]
    movies = {n for n, k in kinds.items() if k in ("icon_movie", "icon_recomovie")}
    assert movies == {n for n in kinds if posts[n]["video_urls"]}
    assert {kinds[n] for n in movies} == {"icon_movie", "icon_recomovie"}
    assert all((kinds[n] == "icon_recomovie") == posts[n]["is_recommended"] for n in movies)


def test_the_movie_page_plays_each_uploaded_video(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    movies = [u for r in video_posts(truth) for u in r["video_urls"] if MOVIE.match(u)]
    assert movies
    for url in movies[:5]:
        reply = fetch(replica.url(path_of(url)))
        assert reply.status == 200 and "text/html" in reply.headers["Content-Type"]
        poster, src, kind = PLAYER.search(reply.text).groups()
        assert kind == "video/mp4"
        assert re.fullmatch(
            r"https://dcm[1-6]\.dcinside\.co\.kr/viewmovie\.php\?code=[0-9a-f]+", src
        )
        assert poster.startswith("https://dcm")
        assert f"<input type = 'hidden' value ='{src}'>" in reply.text
        assert fetch(replica.url(path_of(url))).body == reply.body  # a pure page
    for bad in ("1234567", "abc", ""):
        reply = fetch(replica.url(f"/board/movie/movie_view?no={bad}"))
        assert reply.status == 404
    assert (
        fetch(replica.url(path_of(movies[0]).replace("movie_view?", "movie_view/?"))).status == 200
    )


def test_a_movie_number_is_one_video_wherever_it_is_shown() -> None:
    """The player page and files are a pure function of the number (as a re-posted upload
    is one video): two galleries embedding the same number would show the same files."""
    assert media.movie_files("6123456") == media.movie_files("6123456")
    assert media.movie_files("6123456")[0].url != media.movie_files("6123457")[0].url
    state = build_states(options(with_media=False))["vids"]
    assert state.movies() == {
        v.key
        for n in state.sequence((False, None))
        for v in state.body(n).videos
        if v.kind == "movie"
    }


def test_with_media_the_video_is_served_by_the_replica() -> None:
    with ReplicaThread(options(with_media=True)) as server:
        truth = [r for r in server.truth() if r["type"] == "post" and r["video_urls"]]
        post = next(r for r in truth if any(MOVIE.match(u) for u in r["video_urls"]))
        movie = next(u for u in post["video_urls"] if MOVIE.match(u))
        page_url = server.url(path_of(movie))
        reply = fetch(page_url)
        poster, src, _ = PLAYER.search(reply.text).groups()
        assert src.startswith(server.url("/media/dcm")) and poster.startswith(server.url("/media/"))
        assert fetch(src).status == 403  # no Referer
        video = fetch(src, headers={"Referer": page_url})
        assert video.status == 200 and video.headers["Content-Type"] == "video/mp4"
        assert video.body[4:8] == b"ftyp"
        view = server.url(f"/board/view/?id={post['gallery_id']}&no={post['post_no']}")
        assert fetch(src, headers={"Referer": view}).body == video.body
        image = fetch(poster, headers={"Referer": page_url})
        assert image.status == 200 and image.headers["Content-Type"].startswith("image/")
        other = next(
            r
            for r in server.truth("vids")
            if r["type"] == "post" and not r["is_deleted"] and not r["video_urls"]
        )
        elsewhere = server.url(f"/board/view/?id=vids&no={other['post_no']}")
        assert fetch(src, headers={"Referer": elsewhere}).status == 403
        # video_urls stay the site's own player URLs, as the page shows them
        assert MOVIE.match(movie)
