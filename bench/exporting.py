"""Figure 7: what an export costs: peak memory and rows per second of a large Parquet export.

A fresh database is filled through ``COPY`` with a synthetic gallery shaped like a real
one (``fill``): 50,000 posts over six months (Korean titles and bodies, a cleaned HTML
body, 0–3 image URLs, writers anonymous by IP prefix or members by id, counts) and
1,000,000 comments (~40-character Korean bodies, a reply in five, a dccon in thirty,
written up to three days after their post). Every value is drawn from a seeded generator:
the same rows on every run.

The export then runs as a user runs it, in its own process: ``python -m dccrawl export
--gallery bench --format parquet --out DIR -s DATABASE_URL=…``. Its RSS is read from
``/proc/PID/status`` every 0.1 s; the peak is the kernel's high-water mark ``VmHWM`` of
the process (so a spike between two samples counts; not ``wait4``'s ``ru_maxrss``, which
also counts the instant after fork, when the child shares this process's pages — see
``bench/runs.py``). Rows/s: the rows of both tables over the process's wall time, start-up
included. The same command on a gallery the database does not hold (it connects, finds
nothing and exits 1) gives the start-up's own peak, ``detail.startup_peak_rss_mb``.

Figures: ``export_peak_rss_mb`` (target ≤ 300 MB) and ``export_rows_per_s`` (no target).
"""

from __future__ import annotations

import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.database import scratch
from bench.figures import Figure
from bench.replica import ROOT
from bench.runs import memory_mib
from dccrawl.db.migrate import migrate
from dccrawl.kst import KST

logger = logging.getLogger(__name__)

GALLERY = "bench"
TARGET_PEAK_MB = 300.0
MIB_IN_MB = 1024 * 1024 / 1e6
TABLE_LINE = re.compile(r"^export: [a-z_]+: ")  # a table's summary line
START = datetime(2026, 6, 1, tzinfo=KST)  # the first post; the last ~six months later
SPAN = timedelta(days=183)
CRAWLED = datetime(2026, 12, 7, 12, 0, tzinfo=KST)

WORDS = (
    "오늘", "진짜", "그냥", "이거", "코딩", "파이썬", "자바", "질문", "답변", "ㅋㅋㅋ", "ㅋㅋ",
    "개발자", "회사", "서버", "버그", "배포", "테스트", "왜", "안됨", "됨", "감사합니다",
    "좋네요", "ㄹㅇ", "아니", "근데", "이건", "좀", "너무", "어렵다", "쉽다", "신입", "면접",
    "연봉", "야근", "퇴근", "출근", "주말", "리액트", "스프링", "도커", "쿠버", "리눅스",
    "윈도우", "맥북", "키보드", "모니터", "ㅇㅈ", "ㄴㄴ", "맞음", "틀림", "추천", "비추",
    "개념글", "가즈아", "정보", "공유", "드립니다", "부탁", "해결", "완료", "에러", "로그",
    "확인", "해봐", "해보셈", "ㅠㅠ",
)  # fmt: skip
NICKS = ("ㅇㅇ", "ㅇㅇ", "ㅇㅇ", "개발자", "코린이", "고닉", "자바충", "파이썬맨", "야근왕", "뉴비")
POST_COLUMNS = (
    "gallery_id", "post_no", "gallery_kind", "title", "head", "writer_nick", "writer_uid",
    "writer_ip", "created_at", "views", "recommend", "downvotes", "comment_count", "body_text",
    "body_html", "image_urls", "is_deleted", "url", "crawled_at", "first_seen_at",
    "last_seen_at", "updated_at", "counts_changed_at", "is_notice", "is_recommended",
    "writer_class", "recommend_fixed", "video_urls",
)  # fmt: skip
COMMENT_COLUMNS = (
    "gallery_id", "post_no", "comment_no", "parent_no", "writer_nick", "writer_uid",
    "writer_ip", "created_at", "body_text", "dccon_url", "is_deleted", "crawled_at",
    "first_seen_at", "last_seen_at", "updated_at", "writer_class", "is_voice", "via_app",
)  # fmt: skip


def _text(rng: random.Random, chars: int) -> str:
    """Korean-looking text of ``chars`` characters or a few more."""
    words: list[str] = []
    length = -1  # the words' length with a space between each two
    while length < chars:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def _writer(rng: random.Random) -> tuple[str, str | None, str | None, str]:
    """(nick, uid, ip, writer_class): anonymous by IP prefix, or a member by id."""
    if rng.random() < 0.6:
        return "ㅇㅇ", None, f"{rng.randint(1, 223)}.{rng.randint(0, 255)}", "floating"
    nick = rng.choice(NICKS)
    return nick, f"{nick.encode().hex()[:8]}{rng.randint(1, 999)}", None, "fixed"


def _post_time(number: int, posts: int) -> datetime:
    return START + SPAN * (number / posts)


def _posts(rng: random.Random, posts: int, comments_each: int) -> Iterator[tuple[Any, ...]]:
    for number in range(1, posts + 1):
        nick, uid, ip, writer_class = _writer(rng)
        body = _text(rng, 200)
        images = [
            f"https://dcimg8.dcinside.co.kr/viewimage.php?id={GALLERY}&no={number}_{i}"
            for i in range(rng.choice((0, 0, 1, 2, 3)))
        ]
        recommend = rng.randint(0, 30)
        yield (
            GALLERY, number, "major", _text(rng, 20), rng.choice((None, "일반", "질문")),
            nick, uid, ip, _post_time(number, posts), rng.randint(10, 5000), recommend,
            rng.randint(0, 5), comments_each, body, f"<p>{body}</p>", images,
            rng.random() < 0.01, f"https://gall.dcinside.com/board/view/?id={GALLERY}&no={number}",
            CRAWLED, CRAWLED, CRAWLED, CRAWLED, CRAWLED, False, recommend > 25, writer_class,
            recommend // 3, None if rng.random() < 0.95 else ["https://youtu.be/x"],
        )  # fmt: skip


def _comments(rng: random.Random, posts: int, comments: int) -> Iterator[tuple[Any, ...]]:
    for number in range(1, comments + 1):
        post_no = (number - 1) * posts // comments + 1
        nick, uid, ip, writer_class = _writer(rng)
        dccon = rng.random() < 1 / 30
        reply = number > 1 and rng.random() < 0.2
        written = _post_time(post_no, posts) + timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        yield (
            GALLERY, post_no, number, number - 1 if reply else None, nick, uid, ip, written,
            None if dccon else _text(rng, 40),
            f"https://dcimg5.dcinside.com/dccon.php?no={number}" if dccon else None,
            rng.random() < 0.01, CRAWLED, CRAWLED, CRAWLED, CRAWLED, writer_class, False,
            rng.random() < 0.1,
        )  # fmt: skip


def fill(url: str, posts: int, comments: int, seed: int = 7) -> None:
    """Migrate the database at ``url`` and ``COPY`` the synthetic gallery into it."""
    migrate(url)
    rng = random.Random(seed)
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO galleries (gallery_id, kind, first_seen_at, last_seen_at)"
            " VALUES (%s, 'major', %s, %s)",
            (GALLERY, CRAWLED, CRAWLED),
        )
        for table, columns, rows in (
            ("posts", POST_COLUMNS, _posts(rng, posts, comments // posts)),
            ("comments", COMMENT_COLUMNS, _comments(rng, posts, comments)),
        ):
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE posts, comments")


@dataclass(frozen=True)
class Measured:
    """One export process: its exit code, wall seconds and peak RSS (MB)."""

    returncode: int
    seconds: float
    peak_mb: float
    log: str


def run_export(arguments: list[str], log: Path, *, interval: float = 0.1) -> Measured:
    """``python -m dccrawl export ARGUMENTS`` to its end, its peak RSS sampled along."""
    command = [sys.executable, "-m", "dccrawl", "export", *arguments]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    peak = 0.0  # MiB
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        while True:
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, (memory_mib(process.pid) or (0.0, 0.0))[1])
            time.sleep(interval)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    return Measured(process.returncode, seconds, peak * MIB_IN_MB, log.read_text(encoding="utf-8"))


def _files(folder: Path) -> tuple[int, int]:
    paths = [path for path in folder.rglob("*.parquet") if path.is_file()]
    return len(paths), sum(path.stat().st_size for path in paths)


def measure(admin_url: str, posts: int, comments: int) -> Iterator[Figure]:
    """Fill a database with ``posts`` posts and ``comments`` comments; export it to Parquet."""
    with (
        tempfile.TemporaryDirectory(prefix="dccrawl-bench-export-") as folder,
        scratch(admin_url) as database,
    ):
        work = Path(folder)
        started = time.monotonic()
        fill(database, posts, comments)
        filled = time.monotonic() - started
        logger.info("export: %d posts and %d comments COPYed in %.0f s", posts, comments, filled)
        setting = ["-s", f"DATABASE_URL={database}"]
        startup = run_export(
            ["--gallery", "no_such_gallery", "--format", "parquet", "--out", str(work / "none"),
             *setting],
            work / "startup.log",
        )  # fmt: skip
        if startup.returncode != 1:
            raise RuntimeError(f"an unknown gallery should exit 1:\n{startup.log[-2000:]}")
        out = work / "out"
        run = run_export(
            ["--gallery", GALLERY, "--format", "parquet", "--out", str(out), *setting],
            work / "export.log",
        )
        if run.returncode != 0:
            raise RuntimeError(f"the export failed (exit {run.returncode}):\n{run.log[-3000:]}")
        files, size = _files(out)
    rows = posts + comments
    logger.info(
        "export: %d rows in %.1f s, peak RSS %.0f MB (start-up alone %.0f MB)",
        rows,
        run.seconds,
        run.peak_mb,
        startup.peak_mb,
    )
    detail = {
        "posts": posts,
        "comments": comments,
        "seconds": round(run.seconds, 2),
        "files": files,
        "parquet_mb": round(size / 1e6, 1),
        "startup_peak_rss_mb": round(startup.peak_mb, 1),
        "fill_seconds": round(filled, 1),
        "tables": [line for line in run.log.splitlines() if TABLE_LINE.match(line)],
    }
    yield Figure("export_peak_rss_mb", run.peak_mb, "MB", TARGET_PEAK_MB, "<=", detail=detail)
    yield Figure(
        "export_rows_per_s",
        rows / run.seconds,
        "rows/s",
        detail={"rows": rows, "seconds": round(run.seconds, 2)},
    )
