"""The README's "Querying your data" section, rendered from ``dccrawl/db/queries.py``.

The queries live once, in ``dccrawl.db.queries`` (where code and tests use them);
the README shows them in psql form, with ``:'name'`` variables instead of
psycopg's ``%(name)s``. ``tests/db/test_readme_queries.py`` fails when the two
drift apart; ``python -m tests.readme_queries`` rewrites the README section.
"""

from __future__ import annotations

import re
from pathlib import Path

from dccrawl.db import queries

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- queries:start"
END = "<!-- queries:end -->"
TITLES = {
    "newest_posts": "Newest posts",
    "most_viewed": "Most-viewed posts written in a period",
    "most_commented": "Most-commented posts written in a period",
    "activity_by_hour": "Activity per hour of the day (KST)",
    "top_members": "Top writers: members, by login id",
    "top_anonymous_prefixes": "Top writers: anonymous, by IP prefix",
    "comment_thread": "A post's whole comment thread, replies under their parents",
    "fastest_growing": "Posts whose counts grew fastest (from post_snapshots)",
    "first_day": "How one post's 추천 and views grew over its first day",
    "gained_comments": "Posts written since a day that gained the most comments since",
    "deleted_posts": "Deleted posts (their last known text is kept)",
    "notices": "A gallery's notices (stored once, whatever page showed them)",
    "staff_posts": "Posts by the gallery's managers and the site's operator",
    "top_fixed_nicks": "Top fixed-nick (고정닉) writers of a period, posts and comments",
    "search_posts": "Posts whose title or body contains a word (Korean words of any length)",
}
NUMERIC = ("post_no", "limit")
_PARAM = re.compile(r"%\((\w+)\)s")


def psql_form(query: str) -> str:
    """``%(gallery_id)s`` → ``:'gallery_id'`` (text) or ``:limit`` (numbers), as psql expands."""
    return _PARAM.sub(
        lambda m: f":{m.group(1)}" if m.group(1) in NUMERIC else f":'{m.group(1)}'", query
    ).strip()


def psycopg_form(query: str) -> str:
    """The inverse of :func:`psql_form`, to run a README query with psycopg."""
    return re.sub(r"(?<!:):'?(\w+)'?", lambda m: f"%({m.group(1)})s", query)


def render() -> str:
    """The README section between the markers."""
    parts = []
    for name, query in queries.ALL.items():
        parts.append(f"#### {TITLES[name]}\n\n```sql\n{psql_form(query)};\n```\n")
    return "\n".join(parts)


def readme_section(text: str) -> str:
    """What the README has between the markers now."""
    start = text.index("\n", text.index(START)) + 1
    return text[start : text.index(END)].strip("\n")


def readme_queries(text: str) -> dict[str, str]:
    """Title → SQL of each query block in the README section."""
    found = re.findall(r"#### (.+?)\n\n```sql\n(.*?);\n```", readme_section(text), re.S)
    return dict(found)


if __name__ == "__main__":
    text = README.read_text()
    start = text.index("\n", text.index(START)) + 1
    README.write_text(text[:start] + render() + "\n" + text[text.index(END) :])
    print(f"rewrote the queries section of {README}")
