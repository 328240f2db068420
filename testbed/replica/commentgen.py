"""Comment threads for one post: replies after their parent, deletions, dccons, voices.

Comment numbers follow creation time (the site numbers comments gallery-wide by time),
while the display order groups each thread: the head, then its replies by time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from . import textgen
from .hashing import pick
from .model import Comment, MemoKind, Writer

THREE_DAYS = 3 * 24 * 3600


def _times(r: random.Random, count: int, start: datetime, end: datetime) -> list[datetime]:
    """Non-decreasing times in [start, end] (seconds precision)."""
    span = max(0, int((end - start).total_seconds()))
    gaps = [r.expovariate(1.0) for _ in range(count)]
    total = sum(gaps) or 1.0
    out: list[datetime] = []
    acc = 0.0
    for gap in gaps:
        acc += gap
        out.append(start + timedelta(seconds=int(span * acc / total * 0.98)))
    return out


def generate(
    r: random.Random,
    *,
    count: int,
    voice: int,
    first_no: int,
    start: datetime,
    now: datetime,
    writer: Callable[[random.Random], Writer],
    key_parts: tuple[object, ...],
    allow_deleted: bool = True,
) -> list[Comment]:
    """``count`` comments (``voice`` of them voice replies) numbered from ``first_no``."""
    if count <= 0:
        return []
    end = min(now, start + timedelta(seconds=THREE_DAYS))
    end = max(end, start)
    times = _times(r, count, start, end)
    voice_set = set(r.sample(range(count), min(voice, count)))
    parents: list[int | None] = []
    tops: list[int] = []
    for i in range(count):
        if tops and r.random() < 0.3:
            parents.append(pick(r, tops[-5:]))
        else:
            parents.append(None)
            tops.append(i)
    replies: dict[int, list[int]] = {t: [] for t in tops}
    for i, parent in enumerate(parents):
        if parent is not None:
            replies[parent].append(i)
    deleted = set()
    if allow_deleted:
        for i in range(count):
            if i in voice_set:
                continue
            chance = 0.25 if parents[i] is None and replies.get(i) else 0.02
            if r.random() < chance:
                deleted.add(i)
    built: dict[int, Comment] = {}
    for i in range(count):
        parent = parents[i]
        thread = parent if parent is not None else i
        kind: MemoKind = "voice" if i in voice_set else ("dccon" if r.random() < 0.08 else "text")
        lines: tuple[str, ...] = ()
        via_app = False
        dccon_url = dccon_title = voice_key = None
        if kind == "text":
            lines, via_app = textgen.memo_lines(r)
        elif kind == "dccon":
            dccon_url, dccon_title = textgen.dccon(r, (*key_parts, "dccon", i))
        else:
            voice_key = f"{r.getrandbits(64):016x}"
        built[i] = Comment(
            no=first_no + i,
            parent_no=None if parent is None else first_no + parent,
            writer=writer(r),
            created=times[i],
            kind=kind,
            lines=lines,
            dccon_url=dccon_url,
            dccon_title=dccon_title,
            voice_key=voice_key,
            deleted=i in deleted,
            rcnt=len(replies[thread]),
            via_app=via_app,
        )
    ordered: list[Comment] = []
    for top in tops:
        ordered.append(built[top])
        ordered.extend(built[j] for j in replies[top])
    return ordered
