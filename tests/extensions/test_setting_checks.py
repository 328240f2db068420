"""Settings a crawl cannot use end it before it starts: one line, exit 2.

The rules live in ``dccrawl/setting_checks.py``; the crawl command applies them.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from scrapy.settings import Settings

from dccrawl.setting_checks import SettingError, check_settings
from tests.crawling import ROOT, crawl_environment


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DCCRAWL_DB_BATCH_SIZE", "abc", "expected a whole number at least 1"),
        ("DCCRAWL_DB_BATCH_SIZE", "0", "expected a whole number at least 1"),
        ("DCCRAWL_DB_BATCH_SECONDS", "0", "expected a number above 0"),
        ("DCCRAWL_DB_RETRY_SECONDS", "-1", "expected a number at least 0"),
        ("DCCRAWL_DB_MAX_BUFFER", "1.5", "expected a whole number"),
        ("DOWNLOAD_DELAY", "nan", "expected a number at least 0"),
        ("CONCURRENT_REQUESTS", "many", "expected a whole number at least 1"),
        ("DCCRAWL_LIST_RECHECK", "maybe", "expected True/False"),
        ("DCCRAWL_GC_THRESHOLDS", "1,2", "expected three whole numbers"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_with_its_name(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingError) as error:
        check_settings(Settings({name: value}))
    assert str(error.value).startswith(f"{name}={value!r}: {message}")


def test_the_defaults_pass() -> None:
    check_settings(Settings({}))


@pytest.mark.parametrize("value", ["", "50000,20,10", [700, 10, 10]])
def test_gc_thresholds_in_either_form_or_empty_pass(value: object) -> None:
    check_settings(Settings({"DCCRAWL_GC_THRESHOLDS": value}))


def test_the_crawl_command_says_one_line_and_exits_2() -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery", "-a", "gallery=g",
               "-s", "DCCRAWL_DB_BATCH_SIZE=abc"]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=crawl_environment(), capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr.splitlines()) == (
        2,
        "",
        ["dccrawl: error: DCCRAWL_DB_BATCH_SIZE='abc': expected a whole number at least 1"],
    )
