"""Writer pools: each gallery has its regular members plus a stream of anonymous visitors.

Members repeat across posts and comments (as regulars do), anonymous writers get fresh
two-octet IP prefixes, and most anonymous nicks are the default ``ㅇㅇ``. The gallery's
staff (a manager, two sub-managers) are drawn apart: the generator gives them a few posts
and comments of their own, so that every writer class appears in every gallery.
"""

from __future__ import annotations

import random
import string

from . import words
from .hashing import pick, rng
from .model import Writer

_UID_CHARS = string.ascii_lowercase + string.digits


def make_uid(r: random.Random) -> str:
    head = pick(r, string.ascii_lowercase)
    return head + "".join(pick(r, _UID_CHARS) for _ in range(r.randint(7, 11)))


def anon_ip(r: random.Random) -> str:
    return f"{pick(r, words.IP_FIRST)}.{r.randint(0, 255)}"


class WriterPool:
    """The members of one gallery and a way to draw a writer for a post or comment."""

    def __init__(self, seed: int, gallery_id: str, size: int = 40) -> None:
        r = rng(seed, gallery_id, "members")
        members: list[Writer] = []
        for i in range(size):
            nick = words.MEMBER_NICKS[
                (i + r.randrange(len(words.MEMBER_NICKS))) % len(words.MEMBER_NICKS)
            ]
            kind = "fixed" if r.random() < 0.75 else "semi"
            members.append(Writer(nick=nick, kind=kind, uid=make_uid(r)))
        self.members = tuple(members)
        manager_nick, manager_uid = pick(r, words.MEMBER_NICKS), make_uid(r)
        # The staff draw from their own streams, so the members above (and every post and
        # comment drawn from them) stay what they were before the staff had variants.
        staff = rng(seed, gallery_id, "staff")
        self.manager = Writer(
            nick=manager_nick, kind="manager", uid=manager_uid, fixed_nick=staff.random() < 0.7
        )
        # Two sub-managers: one on a fixed nick, one on a semi-fixed nick (both icons).
        self.sub_managers = tuple(
            Writer(
                nick=pick(staff, words.MEMBER_NICKS),
                kind="sub_manager",
                uid=make_uid(staff),
                fixed_nick=fixed,
            )
            for fixed in (True, False)
        )

    def draw(self, r: random.Random) -> Writer:
        if r.random() < 0.62:
            return Writer(nick=pick(r, words.ANON_NICKS), kind="anon", ip=anon_ip(r))
        return pick(r, self.members)


OPERATOR = Writer(nick="운영자", kind="operator")
DCTREND = Writer(nick="디시트렌드", kind="brand")
