"""``redact()``: passwords never reach a log line, in any form libpq accepts."""

from __future__ import annotations

import psycopg
import pytest

from dccrawl.db.connect import DatabaseTarget
from dccrawl.db.redact import redact, same_server, without_password

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


def test_without_password_keeps_everything_else() -> None:
    out = without_password("postgresql://u:secret@h:5433/db?sslmode=require&password=p2")
    assert psycopg.conninfo.conninfo_to_dict(out) == {
        "user": "u", "host": "h", "port": "5433", "dbname": "db", "sslmode": "require",
    }  # fmt: skip
    assert "password" not in without_password("host=h password='a b' dbname=d")


def test_same_server_compares_host_port_database_and_user_only() -> None:
    assert same_server("postgresql://u:x@h/db", "host=h dbname=db user=u password=y")
    assert not same_server("postgresql://u@h/db", "postgresql://u@h/other")
    assert not same_server("postgresql://u@h:5432/db", "postgresql://u@h:5433/db")
