"""A JOBDIR that cannot lie (``dccrawl/jobdir.py``): whose job it is, and whether it closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dccrawl.jobdir import (
    MANIFEST,
    NEW,
    RESTARTED,
    RESUMED,
    JobDirRefused,
    check_jobdir,
    close_jobdir,
    identity,
    open_jobdir,
)

JOB = identity("gallery", {"gallery": "prog", "pages": "1-5"}, "http://127.0.0.1:8000/")


def scrapy_state(jobdir: Path) -> None:
    """What Scrapy leaves in a JOBDIR: a queue folder, the seen-set and the spider state."""
    (jobdir / "requests.queue").mkdir(parents=True)
    (jobdir / "requests.queue" / "active.json").write_text("{}")
    (jobdir / "requests.seen").write_text("0123abcd\n")
    (jobdir / "spider.state").write_bytes(b"\x80\x04}\x94.")


def test_a_new_folder_is_a_new_job(tmp_path: Path) -> None:
    assert open_jobdir(tmp_path / "job", JOB).outcome == NEW


def test_a_cleanly_closed_job_is_resumed_with_its_queue(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    scrapy_state(tmp_path)
    close_jobdir(tmp_path, JOB)
    assert open_jobdir(tmp_path, JOB).outcome == RESUMED
    assert (tmp_path / "requests.seen").read_text() == "0123abcd\n"


def test_a_killed_job_is_started_over(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    scrapy_state(tmp_path)  # ...and the run is killed: never closed
    assert open_jobdir(tmp_path, JOB).outcome == RESTARTED


def test_starting_over_drops_the_queue_the_seen_set_and_the_state(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    scrapy_state(tmp_path)
    open_jobdir(tmp_path, JOB)
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST]


def test_a_run_marks_the_folder_running_until_it_closes(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    assert json.loads((tmp_path / MANIFEST).read_text())["state"] == "running"


def test_another_gallery_is_refused(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    other = identity("gallery", {"gallery": "other", "pages": "1-5"}, "http://127.0.0.1:8000")
    with pytest.raises(JobDirRefused, match=r"argument gallery=prog \(this run: other\)"):
        check_jobdir(tmp_path, other)


def test_another_base_url_is_refused(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    other = identity("gallery", {"gallery": "prog", "pages": "1-5"}, "http://127.0.0.1:9000")
    with pytest.raises(JobDirRefused, match="base_url"):
        open_jobdir(tmp_path, other)


def test_another_argument_set_is_refused(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    other = identity("gallery", {"gallery": "prog"}, "http://127.0.0.1:8000")
    with pytest.raises(JobDirRefused, match=r"argument pages=1-5 \(this run: none\)"):
        check_jobdir(tmp_path, other)


def test_a_refused_folder_is_left_as_it_was(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    scrapy_state(tmp_path)
    close_jobdir(tmp_path, JOB)
    other = identity("gallery", {"gallery": "other"}, "http://127.0.0.1:8000")
    with pytest.raises(JobDirRefused):
        open_jobdir(tmp_path, other)
    assert json.loads((tmp_path / MANIFEST).read_text())["state"] == "closed"
    assert (tmp_path / "requests.seen").exists()


def test_scrapy_state_without_a_manifest_is_refused(tmp_path: Path) -> None:
    scrapy_state(tmp_path)
    with pytest.raises(JobDirRefused, match="did not record the arguments"):
        check_jobdir(tmp_path, JOB)


def test_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(JobDirRefused, match="unreadable"):
        check_jobdir(tmp_path, JOB)


def test_the_identity_ignores_a_trailing_slash_and_argument_order() -> None:
    assert identity("gallery", {"b": "2", "a": "1"}, "http://x/") == identity(
        "gallery", {"a": "1", "b": "2"}, "http://x"
    )


def test_a_job_whose_run_lost_data_is_started_over_and_says_why(tmp_path: Path) -> None:
    open_jobdir(tmp_path, JOB)
    scrapy_state(tmp_path)
    close_jobdir(tmp_path, JOB, lost="556 item(s) not written to the database")
    opened = open_jobdir(tmp_path, JOB)
    assert (opened.outcome, "556 item(s) not written" in opened.reason) == (RESTARTED, True)
    assert not (tmp_path / "requests.seen").exists()
