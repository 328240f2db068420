"""Media building blocks: stored files' names and places (``dccrawl.files``), the attachment
list a ``MediaPost`` carries, and the ``media`` switch."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys

import pytest

from dccrawl.arguments import ArgumentError, parse_arguments, parse_media
from dccrawl.files import content_path, extension_of, filename_from_disposition
from dccrawl.items import MediaPost, Post
from dccrawl.loaders import PostLoader
from tests.crawling import ROOT
from tests.fields.test_loaders import VIEW, VIEW_URL

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ".jpg"),
        (PNG, ".png"),
        (b"GIF89a\x01\x00", ".gif"),
        (b"GIF87a\x01\x00", ".gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ".webp"),
        (b"\x00\x00\x00\x18ftypmp42", ".mp4"),
        (b"%PDF-1.7\n", ".pdf"),
        ("메모 한 줄\n둘째 줄".encode(), ".txt"),
        (b"\x00\x01\x02binary", ""),
        (b"\xc3\x28 not utf-8 at all, well past the start", ""),
    ],
)
def test_the_extension_comes_from_the_bytes(data: bytes, extension: str) -> None:
    assert extension_of(data) == extension


def test_text_cut_inside_a_character_at_the_probe_end_is_still_text() -> None:
    text = ("가" * 2000).encode()  # 3 bytes a character: 4096 falls inside one
    assert extension_of(text) == ".txt"


def test_the_path_is_the_content_sha1_fanned_out_by_two_digits() -> None:
    sha1, path = content_path(PNG)
    assert sha1 == hashlib.sha1(PNG).hexdigest()
    assert path == f"full/{sha1[:2]}/{sha1}.png"
    # Same bytes, same path; other bytes, another path.
    assert content_path(bytes(PNG)) == (sha1, path)
    assert content_path(PNG + b"\x00")[1] != path


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (b"attachment; filename*=UTF-8''%EB%A9%94%EB%AA%A8_1.txt", "메모_1.txt"),
        (
            "attachment; filename=\"fallback.txt\"; filename*=UTF-8''%EC%9B%90%EB%B3%B8.jpg",
            "원본.jpg",
        ),
        (b'inline; filename="abc.png"', "abc.png"),
        ('attachment; filename="원본 사진.jpg"'.encode(), "원본 사진.jpg"),  # raw UTF-8
        (b'attachment; filename="../../etc/passwd"', "passwd"),
        (b'attachment; filename="C:\\Users\\x\\a.gif"', "a.gif"),
        (b"attachment", None),
        (b"", None),
        (None, None),
    ],
)
def test_the_original_name_comes_from_content_disposition(
    header: bytes | str | None, name: str | None
) -> None:
    assert filename_from_disposition(header) == name


@pytest.mark.parametrize(
    ("value", "mode"),
    [("1", "posts"), ("yes", "posts"), ("all", "all"), (" ALL ", "all"), ("0", "off"), ("", "off")],
)
def test_media_modes(value: str, mode: str) -> None:
    assert parse_media(value) == mode
    assert parse_arguments({"gallery": "g", "media": value}).media == mode


def test_media_left_out_leaves_it_to_the_setting() -> None:
    assert parse_arguments({"gallery": "g"}).media is None
    assert parse_media(None, "DCCRAWL_MEDIA") == "off"


def test_a_wrong_media_value_says_what_is_expected() -> None:
    with pytest.raises(ArgumentError, match=r"media='images': expected 1 .*, 0 or all"):
        parse_arguments({"gallery": "g", "media": "images"})
    with pytest.raises(ArgumentError, match=r"^DCCRAWL_MEDIA='2'"):
        parse_media("2", "DCCRAWL_MEDIA")


@pytest.mark.parametrize("flag", [["-a", "media=2"], ["-s", "DCCRAWL_MEDIA=2"]])
def test_a_wrong_media_value_stops_the_crawl_command_with_one_line(flag: list[str]) -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery", "-a", "gallery=g", *flag]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    name = flag[1].split("=")[0]
    expected = f"dccrawl: error: {name}='2': expected 1 (images and attachments), 0 or all"
    assert (done.returncode, done.stderr.strip().splitlines()) == (2, [expected])


def test_a_media_post_carries_the_attachment_list_absolute_and_named() -> None:
    view = dataclasses.replace(
        VIEW,
        attachments=[
            ("https://image.dcinside.com/download.php?id=a&no=1", "  원본 사진.jpg "),
            ("/download.php?id=a&no=2", None),
            ("javascript:void(0)", "skipped"),
        ],
    )
    loader = PostLoader(item=MediaPost(), base_url=VIEW_URL)
    post = loader.add_view(view).add_attachments(view).load_item()
    assert post["attachments"] == [
        {"url": "https://image.dcinside.com/download.php?id=a&no=1", "filename": "원본 사진.jpg"},
        {"url": "https://gall.dcinside.com/download.php?id=a&no=2", "filename": None},
    ]
    assert (
        post["image_urls"] == PostLoader(base_url=VIEW_URL).add_view(view).load_item()["image_urls"]
    )
    # Without media the spider yields plain Posts: one field per posts column.
    assert "attachments" not in Post.fields
