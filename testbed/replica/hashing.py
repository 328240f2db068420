"""Deterministic draws: every generated fact is a pure function of (seed, names...).

Python's ``hash()`` is salted per process and ``random`` has global state, so neither can
make ``serve`` and ``truth`` (two processes) agree. BLAKE2b over a joined key can.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from hashlib import blake2b
from typing import TypeVar

T = TypeVar("T")

_SEP = "\x1f"
_TWO64 = float(2**64)


def digest(*parts: object, size: int = 32) -> bytes:
    """The raw BLAKE2b digest of the parts joined with a separator no name contains."""
    return blake2b(_SEP.join(map(str, parts)).encode(), digest_size=size).digest()


def h64(*parts: object) -> int:
    """A 64-bit unsigned integer drawn from the parts."""
    return int.from_bytes(digest(*parts, size=8), "big")


def unit(*parts: object) -> float:
    """A float in [0, 1) drawn from the parts."""
    return h64(*parts) / _TWO64


def rng(*parts: object) -> random.Random:
    """A private ``random.Random`` seeded from the parts (for longer generated content)."""
    return random.Random(h64(*parts))


def pick(r: random.Random, seq: Sequence[T]) -> T:
    """``r.choice(seq)`` for hot paths: one C call instead of several Python frames.

    Not the same stream as ``choice``; generation only needs determinism, not equality."""
    return seq[int(r.random() * len(seq))]


def hexkey(length: int, *parts: object) -> str:
    """A lowercase hex string of the given length (image keys, tokens)."""
    out = ""
    counter = 0
    while len(out) < length:
        out += digest(*parts, counter, size=64).hex()
        counter += 1
    return out[:length]
