"""Generated Korean text: titles, body blocks and comment memos from a private RNG.

Lengths vary widely (a few words to long posts), and a small share of the text carries
characters that must be HTML-escaped (``&``, ``<``, quotes) or emoji, because those are
what break naive parsers.
"""

from __future__ import annotations

import random

from . import words
from .hashing import hexkey, pick
from .model import Ad, Block, Body, Image, Para, Spacer


def title(r: random.Random) -> str:
    n = pick(r, (1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8))
    parts: list[str] = []
    for _ in range(n):
        u = r.random()
        if u < 0.55:
            parts.append(pick(r, words.NOUNS))
        elif u < 0.75:
            parts.append(pick(r, words.ADJECTIVES))
        else:
            parts.append(pick(r, words.PREDICATES))
    if r.random() < 0.6:
        parts.append(pick(r, words.PREDICATES))
    text = " ".join(parts) + pick(r, words.TAILS)
    if r.random() < 0.03:
        text = text.replace(" ", "  ", 1)  # a double space: truth collapses it
    return text


def sentence(r: random.Random) -> str:
    parts: list[str] = []
    if r.random() < 0.35:
        parts.append(pick(r, words.CONNECTIVES))
    for _ in range(r.randint(2, 9)):
        parts.append(pick(r, words.NOUNS if r.random() < 0.6 else words.ADJECTIVES))
    text = " ".join(parts) + pick(r, words.SENTENCE_ENDINGS)
    if r.random() < 0.04:
        text += pick(r, (" & 기타", " <참고>", ' "인용"', " 😂", " 100% 확실"))
    return text


def image_url(image_id: str, key_parts: tuple[object, ...], r: random.Random) -> tuple[str, str]:
    key = hexkey(pick(r, (46, 92, 136)), *key_parts)
    host = f"https://dcimg{r.randint(1, 9)}.dcinside.co.kr"
    return f"{host}/viewimage.php?id={image_id}&no={key}", key


def body(r: random.Random, has_image: bool, image_id: str, key_parts: tuple[object, ...]) -> Body:
    """Paragraphs, spacers, images and ads in a plausible editor layout."""
    blocks: list[Block] = []
    size = pick(r, (1, 1, 2, 3, 3, 4, 5, 6, 8, 12, 20, 30))
    image_slots = set()
    if has_image:
        count = pick(r, (1, 1, 1, 2, 2, 3, 5))
        image_slots = {r.randrange(size + 1) for _ in range(count)} or {0}
    use_div = r.random() < 0.15
    ad_slot = r.randrange(size + 1) if r.random() < 0.25 else -1
    image_index = 0
    for i in range(size + 1):
        if i in image_slots:
            url, key = image_url(image_id, (*key_parts, image_index), r)
            blocks.append(Image(url, key, lazy=r.random() < 0.8))
            image_index += 1
            if r.random() < 0.5:
                blocks.append(Spacer())
        if i == ad_slot:
            blocks.append(Ad(pick(r, ("adv-groupin", "adsbygoogle", "script", "style"))))
        if i == size:
            break
        if r.random() < 0.1:
            lines = tuple((sentence(r),) for _ in range(r.randint(2, 3)))
        else:
            lines = ((sentence(r),) if r.random() < 0.7 else tuple(sentence(r).split(" ", 2)),)
        blocks.append(
            Para(
                lines,
                styled=r.random() < 0.15,
                tag="div" if use_div else "p",
                nbsp_tail=r.random() < 0.08,
            )
        )
        if r.random() < 0.3:
            blocks.append(Spacer())
    if not any(isinstance(b, Para) for b in blocks):
        blocks.append(Para(((sentence(r),),)))
    return Body(tuple(blocks))


def memo_lines(r: random.Random) -> tuple[tuple[str, ...], bool]:
    """A comment's text lines and whether it was written from the app (~5%): the site
    appends ``  - dc App`` to such memos, which the renderers do from the flag."""
    u = r.random()
    if u < 0.45:
        line = pick(r, words.COMMENT_PHRASES)
    elif u < 0.9:
        line = sentence(r)
    else:
        line = pick(r, words.COMMENT_PHRASES) + "  " + sentence(r) + " "
    via_app = r.random() < 0.05
    if r.random() < 0.015:
        return (line, sentence(r)), via_app
    return (line,), via_app


def dccon(r: random.Random, key_parts: tuple[object, ...]) -> tuple[str, str]:
    key = hexkey(pick(r, (64, 96)), *key_parts)
    return f"https://dcimg5.dcinside.com/dccon.php?no={key}", pick(r, words.DCCON_TITLES)
