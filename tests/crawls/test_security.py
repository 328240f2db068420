"""Nobody let in, nothing leaked: the project's security promises, checked on a real crawl.

(Bound parameters with hostile text: tests/pipelines/test_pipeline_postgres.py; scripts and
event handlers cleaned from body_html: tests/fields/test_normalize.py and test_loaders.py;
the embedded database on a socket only: tests/db/test_db_connect.py.)
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from scrapy.utils.project import get_project_settings

from testbed.replica.process import ReplicaProcess
from tests.crawling import run_crawl

PASSWORD = "s3cr3t-Pa55-0f-the-crawler"


def test_code_executing_consoles_are_off() -> None:
    settings = get_project_settings()
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getdict("EXTENSIONS").get("scrapy.extensions.telnet.TelnetConsole", 0) is None


@pytest.fixture
def url_with_password(database_url: str) -> str:
    """The test database's URL with a user that has a password (whatever the server's auth)."""
    role = "dccrawl_pw_user"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(PASSWORD)
            )
        )
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    info.update(user=role, password=PASSWORD)
    yield psycopg.conninfo.make_conninfo(**info)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.integration
def test_the_database_password_never_appears_in_logs_or_stats(url_with_password: str) -> None:
    with ReplicaProcess(["--gallery", "secure:mini:30"]) as replica:
        result = run_crawl(replica.base_url or "", url_with_password, {"gallery": "secure"},
                           {"LOG_LEVEL": "DEBUG"})  # fmt: skip
    assert result.returncode == 0, result
    assert "secure" in result.output
    assert PASSWORD not in result.output


@pytest.mark.integration
def test_a_refused_database_is_reported_without_its_password(database_url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    info.update(dbname="dccrawl_no_such_db", password=PASSWORD)
    with ReplicaProcess(["--gallery", "secure:mini:30"]) as replica:
        result = run_crawl(replica.base_url or "", psycopg.conninfo.make_conninfo(**info),
                           {"gallery": "secure"}, {"DCCRAWL_DB_RETRY_SECONDS": 1})  # fmt: skip
    assert result.returncode == 1, result
    assert "dccrawl_no_such_db" in result.output
    assert PASSWORD not in result.output
