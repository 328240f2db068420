"""The captured seed page (``tests/samples/seed-gallery-post-page.txt``), read as text.

A real gallery page captured as text on 2025-05-22: the list page's rows, then the post
``19000000`` (its header, its body, the image keys where its pictures stood). Tests of the
replica and of dccrawl's parsers both check what they serve or read against this text,
independently of the replica's own copy of it.
"""

from __future__ import annotations

import re

from tests.paths import SAMPLES

SEED_LINES = (SAMPLES / "seed-gallery-post-page.txt").read_text(encoding="utf-8").splitlines()


def captured_body() -> tuple[list[str], list[str]]:
    """The captured post's body: its text lines (whitespace collapsed, blank lines
    dropped) and its image keys (the lines of hex digits where the images stood).

    The body runs from the line after the header's counts (``조회 202 추천 0 댓글 0``)
    to the vote box (``추천 비추천``)."""
    start = next(i for i, line in enumerate(SEED_LINES) if line.startswith("조회 202")) + 1
    end = SEED_LINES.index("추천 비추천")
    text, keys = [], []
    for line in SEED_LINES[start:end]:
        stripped = " ".join(line.split())
        if re.fullmatch(r"[0-9a-f]{40,}", stripped):
            keys.append(stripped)
        elif stripped:
            text.append(stripped)
    return text, keys
