"""``redact()``: passwords never reach a log line, in any form libpq accepts."""

from __future__ import annotations

import pytest

from dccrawl.db.connect import DatabaseTarget
from dccrawl.db.redact import redact

SECRET = "s3cr3t"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://crawler:s3cr3t@db.example:5432/dccrawl",
            "postgresql://crawler:***@db.example:5432/dccrawl",
        ),
        ("postgres://:s3cr3t@db/x", "postgres://:***@db/x"),
        # an unescaped "@" or ":" inside the password
        ("postgresql://u:s3c@r:3t@h/db", "postgresql://u:***@h/db"),
        # percent-encoded password, several hosts
        ("postgresql://u:s3%40cr3t@h1:5432,h2:5433/db", "postgresql://u:***@h1:5432,h2:5433/db"),
        (
            "postgresql://u@h/db?sslmode=require&password=s3cr3t&application_name=x",
            "postgresql://u@h/db?sslmode=require&password=***&application_name=x",
        ),
        ("postgresql:///db?password=s3cr3t", "postgresql:///db?password=***"),
        ("host=h user=u password=s3cr3t dbname=d", "host=h user=u password=*** dbname=d"),
        ("host=h password = 's3 cr\\'3t' dbname=d", "host=h password = *** dbname=d"),
        ("PASSWORD=s3cr3t host=h", "PASSWORD=*** host=h"),
        ("host=h sslpassword=s3cr3t", "host=h sslpassword=***"),
        # nothing to hide: unchanged
        ("postgresql://u@h:5432/db", "postgresql://u@h:5432/db"),
        (
            "postgresql://postgres:@/dccrawl?host=/tmp/x",
            "postgresql://postgres:@/dccrawl?host=/tmp/x",
        ),
        ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ("host=/run/postgresql dbname=dccrawl", "host=/run/postgresql dbname=dccrawl"),
    ],
)
def test_redact_hides_the_password_and_keeps_the_rest(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_works_inside_longer_text() -> None:
    message = (
        'connection to "postgresql://u:s3cr3t@h/db" failed; retry with '
        "host=h password=s3cr3t then postgresql://v:s3cr3t@k/e"
    )
    out = redact(message)
    assert SECRET not in out
    assert out.count("***") == 3


def test_database_target_never_shows_the_password() -> None:
    target = DatabaseTarget("postgresql://u:s3cr3t@h/db", embedded=False)
    assert SECRET not in target.redacted
    assert SECRET not in target.describe()
    assert SECRET not in repr(target)
    assert SECRET not in str(target)
