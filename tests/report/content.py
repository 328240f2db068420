"""A small hand-made gallery for the report's tests: every number the report shows is known.

Gallery ``g`` (and a neighbour ``other`` whose rows must never leak into ``g``'s report):

| post | written (KST)        | class    | comments | recommend | note                            |
|------|----------------------|----------|----------|-----------|---------------------------------|
| 10   | Mon 2026-11-02 09:30 | floating | 5        | 1         | title with ``<script>``, IP 1.2 |
| 11   | Mon 2026-11-02 23:59 | fixed    | 9        | 0         | Monday's last minute in KST     |
| 12   | Tue 2026-11-03 00:00 | manager  | 9        | 7         | Tuesday's first minute in KST   |
| 15   | Wed 2026-11-04 10:00 | floating | 0        | 0         | deleted, found so 11-06 12:00   |
| 20   | (unknown)            | -        | -        | -         | deleted, only ever read deleted |
| 21   | Thu 2026-11-05 08:00 | operator | 2        | 3         | a notice                        |

Comments of ``g``: on post 10 at Mon 10:00 (floating, IP) and Tue 01:00 (fixed); on post 12
at Tue 02:00 (no class shown). Post 11 at 23:59 and post 12 at 00:00 KST are the same UTC
day: a report that grouped by UTC day would put them together.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from dccrawl.db.migrate import migrate
from dccrawl.kst import KST

GALLERY = "g"
CRAWLED = datetime(2026, 11, 6, 9, 0, tzinfo=KST)
FOUND_DELETED = datetime(2026, 11, 6, 12, 0, tzinfo=KST)
READ_DELETED = datetime(2026, 11, 6, 13, 0, tzinfo=KST)
SCRIPT_TITLE = '<script>alert("x")</script> 제목 & more'


def _kst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=KST)


# post_no, title, nick, uid, ip, created_at, class, comments, recommend, deleted, notice,
# first_seen_at, updated_at
POSTS = [
    (10, SCRIPT_TITLE, "<b>ㅇㅇ</b>", None, "1.2", _kst(2, 9, 30), "floating", 5, 1, False, False),
    (11, "월요일 마지막", "고정", "u1", None, _kst(2, 23, 59), "fixed", 9, 0, False, False),
    (12, "화요일 처음", "매니저", "m1", None, _kst(3, 0, 0), "manager", 9, 7, False, False),
    (15, "지워진 글", "ㅇㅇ", None, "3.4", _kst(4, 10), "floating", 0, 0, True, False),
    (20, None, None, None, None, None, None, None, None, True, None),
    (21, "공지", "운영자", None, None, _kst(5, 8), "operator", 2, 3, False, True),
]
COMMENTS = [
    (10, 1, "ㅇㅇ", None, "5.6", _kst(2, 10), "floating"),
    (10, 2, "고정", "u1", None, _kst(3, 1), "fixed"),
    (12, 3, "누구", None, None, _kst(3, 2), None),
]
FAILURES = [
    ("list", "/board/lists/?id=g&page=3", None, "http 503 after 8 retries", 2, _kst(6, 10)),
    ("view", "/board/view/?id=g&no=30", 30, "timeout", 1, _kst(6, 11)),
]


def url_of(post_no: int) -> str:
    return f"https://gall.dcinside.com/board/view/?id={GALLERY}&no={post_no}"


def fill(database_url: str) -> None:
    """Migrate the empty database and write the gallery above (and ``other``)."""
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        for no, title, nick, uid, ip, at, cls, comments, rec, deleted, notice in POSTS:
            first_seen = READ_DELETED if no == 20 else CRAWLED
            updated = {15: FOUND_DELETED, 20: READ_DELETED}.get(no, CRAWLED)
            conn.execute(
                """
                INSERT INTO posts (gallery_id, post_no, title, writer_nick, writer_uid, writer_ip,
                                   created_at, writer_class, comment_count, recommend, views,
                                   is_deleted, is_notice, url, crawled_at, first_seen_at,
                                   last_seen_at, updated_at, counts_changed_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                        %s)
                """,
                (
                    GALLERY, no, title, nick, uid, ip, at, cls, comments, rec,
                    None if rec is None else 100 + no, deleted, notice, url_of(no), updated,
                    first_seen, updated, updated, updated,
                ),
            )  # fmt: skip
        conn.execute(
            """
            INSERT INTO posts (gallery_id, post_no, title, created_at, comment_count, recommend,
                               writer_class, writer_ip, url, crawled_at, first_seen_at,
                               last_seen_at, updated_at, counts_changed_at)
            VALUES ('other', 13, 'elsewhere', %(at)s, 99, 99, 'floating', '9.9', 'https://x/13',
                    %(c)s, %(c)s, %(c)s, %(c)s, %(c)s)
            """,
            {"at": _kst(2, 12), "c": CRAWLED},
        )
        for post_no, comment_no, nick, uid, ip, at, cls in [*COMMENTS]:
            conn.execute(
                """
                INSERT INTO comments (gallery_id, post_no, comment_no, writer_nick, writer_uid,
                                      writer_ip, created_at, writer_class, crawled_at,
                                      first_seen_at, last_seen_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (GALLERY, post_no, comment_no, nick, uid, ip, at, cls, *[CRAWLED] * 4),
            )
        conn.execute(
            """
            INSERT INTO comments (gallery_id, post_no, comment_no, created_at, writer_class,
                                  crawled_at, first_seen_at, last_seen_at, updated_at)
            VALUES ('other', 13, 1, %(at)s, 'fixed', %(c)s, %(c)s, %(c)s, %(c)s)
            """,
            {"at": _kst(2, 12), "c": CRAWLED},
        )
        for gallery in (GALLERY, "other"):
            conn.execute(
                "INSERT INTO galleries (gallery_id, kind, first_seen_at, last_seen_at) "
                "VALUES (%s, 'major', %s, %s)",
                (gallery, CRAWLED, READ_DELETED),
            )
        for kind, path, post_no, reason, attempts, at in [
            *FAILURES,
            ("view", "/board/view/?id=other&no=5", 5, "x", 1, _kst(6, 9)),
        ]:
            gallery = "other" if "id=other" in path else GALLERY
            conn.execute(
                """
                INSERT INTO crawl_failures (gallery_id, page_kind, path, post_no, reason,
                                            arguments, attempts, first_seen_at, last_seen_at)
                VALUES (%s, %s, %s, %s, %s, '{}'::jsonb, %s, %s, %s)
                """,
                (gallery, kind, path, post_no, reason, attempts, at, at),
            )
