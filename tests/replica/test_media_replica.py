"""The replica's image host (``serve --media``): what its pages point at, what it answers,
and that ``truth`` lists exactly the files it serves."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest

from testbed.replica import media
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaProcess, ReplicaThread
from tests.crawling import replica_truth

NOW = "2026-03-15T00:05:00+09:00"
SPEC = "pics:major:50"  # has broken images, text attachments, shared pictures and dccons


def options(*, with_media: bool) -> ReplicaOptions:
    return ReplicaOptions(
        galleries=(GallerySpec.parse(SPEC),), now=parse_now(NOW), media=with_media
    )


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(options(with_media=True)) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaThread) -> list[dict[str, Any]]:
    return replica.truth("pics")


def files(truth: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [m for m in truth if m["type"] == "media" and all(m[k] == v for k, v in match.items())]


def view(replica: ReplicaThread, post_no: int) -> str:
    return replica.url(f"/board/view/?id=pics&no={post_no}")


def test_truth_has_every_kind_of_file_a_crawler_must_handle(truth: list[dict[str, Any]]) -> None:
    assert files(truth, kind="image", status="ok")
    assert files(truth, kind="image", status="missing")
    assert files(truth, kind="attachment", content_type="text/plain; charset=utf-8")
    assert files(truth, kind="dccon", status="ok")
    shared = {}
    for m in files(truth, kind="image", status="ok"):
        shared.setdefault(m["sha1"], set()).add(m["post_no"])
    assert max(len(posts) for posts in shared.values()) > 1, "no picture is in two posts"


def test_pages_and_comment_json_point_at_the_replicas_own_image_host(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    own = f"{replica.base_url}{media.MEDIA_PATH}"
    post = next(p for p in truth if p["type"] == "post" and len(p["image_urls"] or []) > 1)
    page = lxml.html.document_fromstring(fetch(view(replica, post["post_no"])).body)
    body = page.xpath("//div[contains(@class,'write_div')]//img")
    shown = [img.get("data-original") or img.get("src") for img in body]
    assert shown == post["image_urls"]
    assert all(url.startswith(own) for url in shown)
    listed = page.xpath("//ul[@class='appending_file']/li/a")
    expected = files(truth, post_no=post["post_no"], kind="attachment")
    assert [(a.get("href"), a.text) for a in listed] == [
        (m["url"], m["filename"]) for m in expected
    ]

    dccon = files(truth, kind="dccon")[0]
    token = page.xpath("//input[@id='e_s_n_o']")[0].get("value")
    reply = fetch(
        replica.url("/board/comment/"),
        data=comment_form("pics", dccon["post_no"], token, "G"),
        headers=XHR,
    )
    memos = [c["memo"] for c in json.loads(reply.body)["comments"]]
    assert any(f'src="{dccon["url"]}"' in memo for memo in memos)
    comment = next(c for c in truth if c.get("comment_no") == dccon["position"])
    assert comment["dccon_url"] == dccon["url"]


def test_a_file_needs_the_view_page_of_its_post_as_referer(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    image = files(truth, kind="image", status="ok")[0]
    other = next(m for m in files(truth) if m["post_no"] != image["post_no"])
    right = view(replica, image["post_no"])
    elsewhere = right.replace("127.0.0.1", "localhost")
    for referer in (None, view(replica, other["post_no"]), elsewhere, replica.url("/")):
        headers = {"Referer": referer} if referer else {}
        assert fetch(image["url"], headers=headers).status == 403, referer
    assert fetch(image["url"], headers={"Referer": right}).status == 200


def test_every_file_is_served_as_truth_lists_it(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    for m in files(truth):
        reply = fetch(m["url"], headers={"Referer": view(replica, m["post_no"])})
        if m["status"] == "missing":
            assert reply.status == 404, m
            continue
        assert reply.status == 200, m
        assert hashlib.sha1(reply.body).hexdigest() == m["sha1"]
        assert len(reply.body) == m["size"]
        assert reply.headers["Content-Type"] == m["content_type"]
        disposition = reply.headers.get("Content-Disposition")
        if m["filename"] is None:
            assert disposition is None
        elif m["filename"].isascii():
            assert disposition.endswith(f'filename="{m["filename"]}"')
        else:
            assert "filename*=UTF-8''" in disposition


def test_the_files_are_real_pictures_and_utf8_text() -> None:
    kinds = {}
    for index in range(6):
        content_type, _, data = media.picture(index)
        assert media.picture(index)[2] == data  # deterministic
        kinds[content_type] = data
    png, gif, jpeg = kinds["image/png"], kinds["image/gif"], kinds["image/jpeg"]
    # PNG: every chunk's CRC holds and the pixels inflate to 2 rows of 1 + 2x3 bytes.
    at, pixels = 8, b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        tag, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(
            tag + data
        )
        pixels += zlib.decompress(data) if tag == b"IDAT" else b""
        at += 12 + length
    assert len(pixels) == 2 * (1 + 2 * 3)
    assert gif.startswith(b"GIF89a") and gif.endswith(b";")
    assert jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9")
    assert media.text_file(3).decode("utf-8").startswith("dccrawl 복제 사이트")


def test_without_media_pages_keep_the_real_hosts_and_nothing_is_served() -> None:
    with ReplicaThread(options(with_media=False)) as plain:
        truth = plain.truth("pics")
        post = next(p for p in truth if p["type"] == "post" and p["image_urls"])
        assert not [m for m in truth if m["type"] == "media"]
        assert all(urlsplit(u).netloc.endswith(".dcinside.co.kr") for u in post["image_urls"])
        page = fetch(view(plain, post["post_no"])).text.replace("&amp;", "&")
        assert post["image_urls"][0] in page and media.MEDIA_PATH not in page
        served = post["image_urls"][0].replace("https://", f"{plain.base_url}{media.MEDIA_PATH}")
        assert fetch(served, headers={"Referer": view(plain, post["post_no"])}).status == 404


def test_cli_truth_with_the_servers_base_prints_the_servers_truth() -> None:
    args = ["--gallery", "cli:minor:40", "--now", NOW]
    with ReplicaProcess([*args, "--media"]) as server:
        served = server.truth("cli")
        base = server.base_url or ""
    assert replica_truth(*args, "--media-base", base) == served
    assert any(line["type"] == "media" for line in served)
