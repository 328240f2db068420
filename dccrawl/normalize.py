"""Pure functions that turn DCInside's displayed strings into the database's values.

The site shows the same fact in many spellings — a time as ``15:59``, ``05.22``,
``15.12.17``, ``25/05/19`` or ``2024-07-19 15:59:28``; a writer as data
attributes, as ``ㅇㅇ(118.235)`` or as ``코비갤로그로 이동합니다.``; a count as
``조회 202`` or ``[3/1]``. Every spelling is decoded here, once, so the loaders
(``dccrawl/loaders.py``), the tests and anyone reading the stored rows agree on
one meaning (the field rules of ``dccrawl/items.py``).

Nothing here raises on odd input: a value that cannot be read becomes ``None``
(or an empty result), because one unreadable cell must not lose a whole page.
No function reads the clock unless a relative time is given without a reference.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from dccrawl.kst import KST

# A year-less date may lie at most this far after the reference (clock skew,
# a post made just after the page was rendered); later means "last year".
YEAR_ROLLBACK_SLACK = timedelta(days=1)
# A date-less ``HH:MM`` may lie at most this far after the reference; later
# means "yesterday" (the list was fetched just after midnight).
DAY_ROLLBACK_SLACK = timedelta(minutes=10)

WHITESPACE = re.compile(r"\s+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# -------------------------------------------------------------------- text


def clean_text(value: object) -> str | None:
    """Collapse every whitespace run (incl. NBSP, U+3000, newlines) to one space and strip.

    Titles, nicks and labels are compared and stored as single-line strings; an
    empty result is ``None`` so that "missing" has one spelling.
    """
    if value is None:
        return None
    text = WHITESPACE.sub(" ", CONTROL_CHARACTERS.sub("", str(value))).strip()
    return text or None


def _ascii_digits(text: str) -> str:
    """Fold full-width and other compatibility digits/punctuation to ASCII (NFKC)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# -------------------------------------------------------------------- times


class ParsedTime(NamedTuple):
    """A time read from one site string, with how much of it the string stated.

    ``precision`` counts what was explicit: +1 for the year, +1 for the clock
    time, +1 for the seconds. ``2024-07-19 15:59:28`` is 3, ``15:59`` is 1,
    ``05.22`` is 0; the most precise reading of a field wins (see :func:`best_time`).
    """

    value: datetime
    precision: int


_T = r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_FULL_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?" + _T, re.ASCII)
_SHORT_YEAR = re.compile(r"(\d{2})[./](\d{1,2})[./](\d{1,2})\.?" + _T, re.ASCII)
_MONTH_DAY = re.compile(r"(\d{1,2})[./](\d{1,2})\.?" + _T, re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def as_kst(value: datetime) -> datetime:
    """An aware datetime in KST; a naive one is taken to be KST already (the site's zone)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=KST)
    return value.astimezone(KST)


def _reference(reference: datetime | None) -> datetime:
    return as_kst(reference) if reference is not None else datetime.now(KST)


Clock = tuple[str | None, str | None, str | None]
"""Hours, minutes, seconds as matched (``None`` where the form has none)."""


def _build(y: int, mo: int, d: int, clock: Clock) -> datetime:
    """A KST datetime, or ValueError for an impossible date/time such as 02.30 or 25:00."""
    h, mi, s = clock
    return datetime(y, mo, d, int(h or 0), int(mi or 0), int(s or 0), tzinfo=KST)


def _precision(year: bool, h: str | None, s: str | None) -> int:
    return int(year) + int(h is not None) + int(s is not None)


def parse_time(value: object, reference: datetime | None = None) -> ParsedTime | None:
    """Read any of the site's time spellings as a KST datetime.

    Forms: ``YYYY-MM-DD HH:MM:SS`` / ``YYYY.MM.DD HH:MM[:SS]`` (title attributes,
    view text, comments of earlier years), ``YY.MM.DD [HH:MM:SS]`` and
    ``YY/MM/DD`` (older list rows, 2018 comments, surveys), ``MM.DD [HH:MM[:SS]]``
    (this year's rows and comments), ``HH:MM`` (today's rows). Date-only forms
    map to 00:00:00.

    Year-less forms take the reference's year, or the year before when that
    would put them more than a day after the reference; ``HH:MM`` takes the
    reference's date, or the day before when more than a few minutes after it.
    The reference is when the page was fetched (now when omitted).
    A ``datetime`` passes through (converted to KST).
    """
    if isinstance(value, datetime):
        return ParsedTime(as_kst(value), 3)
    if isinstance(value, date):
        return ParsedTime(datetime(value.year, value.month, value.day, tzinfo=KST), 1)
    text = clean_text(value)
    if text is None or len(text) > 40:
        return None
    text = _ascii_digits(text)
    try:
        if m := _FULL_DATE.fullmatch(text):
            y, mo, d, h, mi, s = m.groups()
            value = _build(int(y), int(mo), int(d), (h, mi, s))
            return ParsedTime(value, _precision(True, h, s))
        if m := _SHORT_YEAR.fullmatch(text):
            yy, mo, d, h, mi, s = m.groups()
            ref = _reference(reference)
            year = 2000 + int(yy)
            if year > ref.year + 1:  # 99.01.01 is 1999, not 2099
                year -= 100
            return ParsedTime(_build(year, int(mo), int(d), (h, mi, s)), _precision(True, h, s))
        if m := _MONTH_DAY.fullmatch(text):
            mo, d, h, mi, s = m.groups()
            return _month_day(int(mo), int(d), (h, mi, s), _reference(reference))
        if m := _CLOCK.fullmatch(text):
            h, mi, s = m.groups()
            ref = _reference(reference)
            result = _build(ref.year, ref.month, ref.day, (h, mi, s))
            if result > ref + DAY_ROLLBACK_SLACK:
                result -= timedelta(days=1)
            return ParsedTime(result, _precision(False, h, s))
    except (ValueError, OverflowError):
        return None
    return None


def _month_day(mo: int, d: int, clock: Clock, ref: datetime) -> ParsedTime | None:
    """``MM.DD``: this year, or last year when that lands after the reference (+slack)."""
    precision = _precision(False, clock[0], clock[2])
    try:
        result = _build(ref.year, mo, d, clock)
    except ValueError:
        # 02.29 in a common year can only be last year's (a leap year).
        try:
            return ParsedTime(_build(ref.year - 1, mo, d, clock), precision)
        except ValueError:
            return None
    if result > ref + YEAR_ROLLBACK_SLACK:
        try:
            result = result.replace(year=ref.year - 1)
        except ValueError:
            return None
    return ParsedTime(result, precision)


def parse_kst(value: object, reference: datetime | None = None) -> datetime | None:
    """:func:`parse_time` without the precision: the datetime or ``None``."""
    parsed = parse_time(value, reference)
    return parsed.value if parsed else None


def best_time(values: Iterable[object], reference: datetime | None = None) -> datetime | None:
    """The most precise reading among several spellings of one time.

    A list row or view header gives both ``title="2024-07-19 15:59:28"`` and the
    visible ``15:59``; the full title wins whatever order they come in, and the
    visible text is the fallback when the title is missing. Ties keep the first.
    """
    best: ParsedTime | None = None
    for value in values:
        parsed = parse_time(value, reference)
        if parsed is not None and (best is None or parsed.precision > best.precision):
            best = parsed
    return best.value if best else None


# -------------------------------------------------------------------- counts

_NUMBER = re.compile(r"\d[\d,]{0,24}", re.ASCII)  # bounded: see parse_int
# Counts are stored as PostgreSQL integer, numbers as bigint. A value beyond
# those is garbage (no post has 2 billion views), and storing it would fail the row.
COUNT_MAX = 2**31 - 1
NUMBER_MAX = 2**63 - 1


_REPLY = re.compile(r"\[?\s*(\d[\d,]{0,24})\s*(?:/\s*(\d[\d,]{0,24})\s*)?\]?", re.ASCII)


def _bounded(value: int, limit: int) -> int | None:
    """``value`` if it fits the column it is stored in, else None (garbage, not a count)."""
    return value if 0 <= value <= limit else None


def parse_int(value: object) -> int | None:
    """A non-negative integer from an int or an all-digit string (post and comment numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _bounded(value, NUMBER_MAX)
    text = clean_text(value)
    if text is None:
        return None
    text = _ascii_digits(text)
    # Bounded length: int() refuses strings over 4,300 digits, and no DC number has 19.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def parse_count(value: object) -> int | None:
    """The first number in a count cell: ``조회 202`` → 202, ``1,234`` → 1234, ``[4]`` → 4.

    ``-`` (and any cell without digits) is ``None``, not 0: the site prints ``-``
    where it withholds the number (survey and news rows), and storing 0 would
    record a fact nobody saw. An absent box is the caller's business (``None``
    for the 비추 box of galleries without one).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _bounded(value, COUNT_MAX)
    text = clean_text(value)
    if text is None:
        return None
    m = _NUMBER.search(_ascii_digits(text))
    return _bounded(int(m.group().replace(",", "")), COUNT_MAX) if m else None


def parse_reply_counts(value: object) -> tuple[int, int] | None:
    """``[N]`` / ``[N/M]`` → (comments, voice replies); no reply box at all → (0, 0).

    The list shows the box only when a post has comments, so its absence means
    zero. Text without the pattern is ``None`` (unreadable, not zero).
    """
    text = clean_text(value)
    if text is None:
        return (0, 0)
    m = _REPLY.fullmatch(_ascii_digits(text))
    if m is None:
        return None
    comments = _bounded(int(m.group(1).replace(",", "")), COUNT_MAX)
    voice = _bounded(int(m.group(2).replace(",", "")), COUNT_MAX) if m.group(2) else 0
    return None if comments is None or voice is None else (comments, voice)


def parse_bool(value: object) -> bool | None:
    """``True``/``"Y"``/``"1"``/``"true"`` and their opposites; anything else is ``None``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = (clean_text(value) or "").lower()
    if text in {"y", "yes", "1", "true", "t"}:
        return True
    if text in {"n", "no", "0", "false", "f"}:
        return False
    return None


# -------------------------------------------------------------------- head, title


def clean_head(value: object) -> str | None:
    """말머리 without brackets: ``[일반]`` → ``일반``; blank or ``[]`` → ``None``."""
    text = clean_text(value)
    if text is None:
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text or None


# -------------------------------------------------------------------- writers


class Writer(NamedTuple):
    """A post or comment writer as the database stores it.

    ``uid`` is the login id of members (fixed or semi-fixed nicks), ``ip`` the
    two-octet prefix of anonymous writers; at most one of them is set. Writers
    read from visible text alone can be members whose uid the text never shows:
    then ``member`` is true and ``uid`` is ``None``.
    """

    nick: str | None
    uid: str | None
    ip: str | None
    member: bool = False


# Searched only near the end of the text (``pos=``), with bounded/possessive runs:
# an unbounded ``\S*`` before a ``$`` anchor is quadratic on a hostile 20 KB "nick".
_GALLOG_NOISE = re.compile(r"\s*+갤로그로\s*+이동합니다\.?\s*+$")
_MASKED_UID = re.compile(r"\s*+\S{0,40}\*+\s*+:\s*+$")
_IP_BLOCKED = re.compile(r"\s*\(\s*IP\s*차단\s*\)\s*", re.IGNORECASE)
_IP_SUFFIX = re.compile(
    r"\s*+\(\s*+(\d{1,3}\.\d{1,3})(?:\.(?:\d{1,3}|\*{1,3})){0,2}\s*+\)\s*+$", re.ASCII
)
_TAIL = 64  # the noise and IP suffixes are short: look at the end of the text only
_IP = re.compile(r"\(?\s*(\d{1,3})\.(\d{1,3})(?:\.(?:\d{1,3}|\*+)){0,2}\s*\)?", re.ASCII)


def normalize_ip(value: object) -> str | None:
    """The two-octet IP prefix: ``118.235``, ``(1.214)``, masked ``220.127.*.*`` → ``220.127``."""
    text = clean_text(value)
    if text is None:
        return None
    m = _IP.fullmatch(_ascii_digits(text))
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def clean_uid(value: object) -> str | None:
    """A member's login id; the empty ``data-uid=""`` of anonymous writers is ``None``."""
    text = clean_text(value)
    if text is None or " " in text:
        return None
    return text


def clean_nick(value: object) -> str | None:
    """A nickname without IP, ``(IP차단)`` or gallog noise (``…갤로그로 이동합니다.``)."""
    return split_writer_text(value).nick


def split_writer_text(value: object) -> Writer:
    """Read a writer from its visible text, as the seed page and naive extraction show it.

    Strings are answered from a cache: a crawl reads the same few thousand nicks
    (``ㅇㅇ(110.8)``…) hundreds of thousands of times, three regex passes each.

    ``ㅇㅇ(110.8)`` → nick ㅇㅇ, ip 110.8; ``코비갤로그로 이동합니다.`` → member nick
    코비 (the gallog icon's alt text is noise; the uid is not in the text);
    ``우주방어(IP차단)`` → 우주방어. ``(IP차단)`` marks a blocked writer, never a nick.
    """
    if isinstance(value, str) and len(value) <= _CACHED_NICK_CHARS:
        return _split_writer_string(value)
    return _split_writer(value)


_CACHED_NICK_CHARS = 100  # real nick texts are far shorter; a hostile one is not kept


@lru_cache(maxsize=8192)
def _split_writer_string(value: str) -> Writer:
    return _split_writer(value)


def _split_writer(value: object) -> Writer:
    text = clean_text(value)
    if text is None:
        return Writer(None, None, None)
    text = _IP_BLOCKED.sub(" ", text).strip()
    member = False
    noise = _GALLOG_NOISE.search(text, max(0, len(text) - _TAIL))
    if noise:
        member = True
        text = text[: noise.start()]
        masked = _MASKED_UID.search(text, max(0, len(text) - _TAIL))  # "301rs3xp0c** :"
        if masked:
            text = text[: masked.start()]
    ip = None
    m = None if member else _IP_SUFFIX.search(text, max(0, len(text) - _TAIL))
    if m:
        ip = normalize_ip(m.group(1))
        text = text[: m.start()]
    return Writer(clean_text(text), None, ip, member)


def resolve_writer(
    nick: object = None, uid: object = None, ip: object = None, text: object = None
) -> Writer:
    """One writer from the ``data-nick``/``data-uid``/``data-ip`` attributes and the visible text.

    The attributes are authoritative where present (they carry the uid and
    never the gallog noise); the text fills in only what the attributes lack —
    the nick when ``data-nick`` is missing, the IP only when neither ``data-uid``
    nor ``data-ip`` exists at all (a page without data attributes).
    """
    from_text = split_writer_text(text)
    writer_nick = clean_nick(nick) or from_text.nick
    writer_uid = clean_uid(uid)
    writer_ip = None if writer_uid else normalize_ip(ip)
    if uid is None and ip is None and writer_ip is None:
        writer_ip = from_text.ip
    member = writer_uid is not None or (uid is None and from_text.member)
    return Writer(writer_nick, writer_uid, writer_ip, member)
