"""Korean substring search (migration 0009, ``dccrawl.db.queries.SEARCH_POSTS``).

The bigram indexes may only narrow: every word must find exactly the rows a sequential scan
of ``ILIKE`` finds, for Hangul words of 1, 2, 3 and 5 syllables, mixed Hangul/Latin/digits,
upper and lower case, spaces, and the characters ILIKE and tsquery treat specially. Words of
two syllables or more must be served by the indexes, on the PostgreSQL server the suite uses
and on the embedded default (pgserver).
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from scrapy.settings import Settings

from dccrawl.db.connect import resolve_database
from dccrawl.db.migrate import migrate
from dccrawl.db.queries import SEARCH_POSTS
from dccrawl.db.search import search_posts
from testbed.databases import fresh_database
from tests.crawling import ROOT, crawl_environment

GALLERY = "searchable"
SYLLABLES = "가나다라마바사아자카타파하오늘저녁맛집후기질문답변"  # none of the searched words
# (title, body) rows that hold the words searched for, among random filler rows.
PLANTED = [
    ("오늘 치킨 생각", "배고프다"),
    ("치킨", None),
    ("다이어트 3일차", "오늘도 치킨 생각이 난다"),
    ("Python 3.12 질문", "파이썬 PYTHON python"),
    ("50% 할인 치킨", "a_b c\\d 'quote' 끝"),
    ("줄바꿈", "첫 줄\n둘째 줄"),
    ("두  칸", "공백  두 칸"),
    ("ㅋㅋㅋㅋ", "ㅎㅎ"),
    ("치", "킨"),
]
WORDS = [
    "치",  # one syllable: by bigram prefix, exact by ILIKE
    "킨",  # the last character of a title
    "치킨",  # two syllables, the common case
    "다이어",  # three
    "다이어트 3",  # Hangul, a space, a digit
    "치킨 생각",  # five characters with a space
    "python",  # Latin, case-blind
    "PyThOn 3.1",  # mixed case, digits, a dot
    "50%",  # ILIKE's wildcard, taken literally
    "a_b",  # ILIKE's one-character wildcard, taken literally
    "c\\d",  # a backslash
    "'quote'",  # tsquery's quote
    "두  칸",  # two spaces
    "첫 줄\n둘",  # a newline
    "ㅋㅋ",  # jamo
    "없는말",  # nowhere
    "가",  # in most posts: found among the newest numbers, without the indexes
    "가나",  # two syllables, common enough for the same
]


def _fill(url: str) -> None:
    migrate(url)
    rows: list[tuple[Any, ...]] = []
    chance = random.Random(18)
    for n in range(1, 4001):
        if n <= len(PLANTED):
            title, body = PLANTED[n - 1]
        else:
            title = "".join(chance.choice(SYLLABLES) for _ in range(chance.randint(4, 14)))
            body = " ".join(
                "".join(chance.choice(SYLLABLES) for _ in range(chance.randint(1, 5)))
                for _ in range(chance.randint(5, 40))
            )
        rows.append((GALLERY, n, title, body))
    rows.append(("other", 1, "치킨 생각", "치킨"))  # another gallery's post is never found
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(
            "COPY posts (gallery_id, post_no, title, body_text, is_deleted, crawled_at, "
            "first_seen_at, last_seen_at, updated_at, counts_changed_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row, False, *(["2026-12-01T00:00:00+09:00"] * 5)))
        conn.execute("ANALYZE posts")


@pytest.fixture(scope="module")
def server_url(pg_admin_url: str) -> Iterator[str]:
    with fresh_database(pg_admin_url) as url:
        _fill(url)
        yield url


@pytest.fixture(scope="module")
def embedded_url(embedded_dir: Path) -> Iterator[str]:
    """A database of its own on dccrawl's embedded server (the default without DATABASE_URL)."""
    admin = resolve_database(Settings({"DCCRAWL_EMBEDDED_DIR": str(embedded_dir)})).url
    with fresh_database(admin) as url:
        _fill(url)
        yield url


def sequential(url: str, word: str) -> list[int]:
    """What ILIKE alone finds, every index turned off."""
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_indexscan = off")
        conn.execute("SET enable_bitmapscan = off")
        rows = conn.execute(
            "SELECT post_no FROM posts WHERE gallery_id = %s AND (title ILIKE dc_like_pattern(%s)"
            " OR body_text ILIKE dc_like_pattern(%s)) ORDER BY post_no DESC",
            (GALLERY, word, word),
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize("word", WORDS)
def test_the_search_finds_exactly_what_a_sequential_scan_finds(server_url: str, word: str) -> None:
    with psycopg.connect(server_url) as conn:
        found = [m.post_no for m in search_posts(conn, GALLERY, word, limit=10_000)]
    assert found == sequential(server_url, word)


@pytest.mark.parametrize("word", WORDS)
def test_the_newest_matches_are_the_first_a_sequential_scan_finds(
    server_url: str, word: str
) -> None:
    """With a limit, as the command runs it: a common word is answered from the newest post
    numbers, a rare one from the indexes; either way the newest matches of all."""
    with psycopg.connect(server_url) as conn:
        found = [m.post_no for m in search_posts(conn, GALLERY, word, limit=50)]
    assert found == sequential(server_url, word)[:50]


def test_the_planted_rows_are_found_where_they_are() -> None:
    """The reference itself: the words are where PLANTED puts them (not all nowhere)."""
    haystack = [f"{t}\n{b or ''}".lower() for t, b in PLANTED]
    for word in WORDS[: WORDS.index("없는말")]:
        assert any(word.lower() in text for text in haystack), word
    assert not any("없는말" in text for text in haystack)


def test_the_search_says_where_it_matched(server_url: str) -> None:
    with psycopg.connect(server_url) as conn:
        matches = {m.post_no: m for m in search_posts(conn, GALLERY, "치킨 생각", limit=50)}
    assert matches[1].in_title and not matches[3].in_title  # title, then body only
    assert "[title] 오늘 치킨 생각" in matches[1].line()


def _indexes_run(url: str, word: str) -> set[str]:
    """The indexes the search's plan ran (not only planned: one of its two ways runs)."""
    with psycopg.connect(url) as conn:
        (plan,) = conn.execute(  # type: ignore[misc]
            "EXPLAIN (ANALYZE, FORMAT JSON) " + SEARCH_POSTS,
            {"gallery_id": GALLERY, "word": word, "limit": 50},
        ).fetchone()
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("Index Name") and node.get("Actual Loops", 0) > 0:
            found.add(node["Index Name"])
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan[0]["Plan"])
    return found


BIGRAMS = {"posts_title_bigrams_idx", "posts_body_bigrams_idx"}


@pytest.mark.parametrize("word", ["치킨", "다이어", "치킨 생각", "다이어트 3", "python"])
def test_words_of_two_syllables_or_more_use_the_indexes_on_the_server(
    server_url: str, word: str
) -> None:
    assert _indexes_run(server_url, word) >= BIGRAMS


@pytest.mark.parametrize("word", ["치킨", "치킨 생각", "다이어트 3"])
def test_words_use_the_indexes_on_the_embedded_default(embedded_url: str, word: str) -> None:
    assert _indexes_run(embedded_url, word) >= BIGRAMS
    with psycopg.connect(embedded_url) as conn:
        found = [m.post_no for m in search_posts(conn, GALLERY, word, limit=10_000)]
    assert found == sequential(embedded_url, word)


def test_a_common_word_is_found_among_the_newest_posts_alone(server_url: str) -> None:
    assert not _indexes_run(server_url, "가") & BIGRAMS


def test_the_command_prints_one_line_per_post(server_url: str) -> None:
    done = dccrawl_cli_with(server_url, "search", "--gallery", GALLERY, "치킨 생각")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["3", "1"]
    assert "2 post(s) of searchable with '치킨 생각'" in done.stderr


def test_the_command_refuses_an_empty_word(server_url: str) -> None:
    done = dccrawl_cli_with(server_url, "search", "--gallery", GALLERY, " ")
    assert done.returncode == 2 and "the word is empty" in done.stderr


def dccrawl_cli_with(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dccrawl ARGS`` as a user runs it, ``DATABASE_URL`` naming the database."""
    return subprocess.run(
        [sys.executable, "-m", "dccrawl", *args],
        cwd=ROOT,
        env=crawl_environment({"DATABASE_URL": url}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
