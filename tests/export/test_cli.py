"""``python -m dccrawl export``: arguments, messages and exit codes that need no data."""

from __future__ import annotations

from pathlib import Path

import pytest

from dccrawl.cli import main
from dccrawl.export.cli import unknown_gallery_message
from dccrawl.export.exporter import UnknownGallery

NOWHERE = "DATABASE_URL=postgresql://postgres@127.0.0.1:1/nothing"  # refused at once


def run(*arguments: str) -> int:
    return main(["export", *arguments])


def test_a_bad_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        run("--gallery", "g", "--format", "csv", "--out", str(tmp_path), "--since", "2025-02-30")
    assert stopped.value.code == 2
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        run("--gallery", "g", "--format", "xlsx", "--out", str(tmp_path))
    assert stopped.value.code == 2


def test_until_must_come_after_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        "--gallery", "g", "--format", "csv", "--out", str(tmp_path / "x"),
        "--since", "2025-05-02", "--until", "2025-05-02", "-s", NOWHERE,
    )  # fmt: skip
    assert code == 2
    assert "--until 2025-05-02 is not after --since 2025-05-02" in capsys.readouterr().err


def test_a_malformed_setting_is_a_usage_error(tmp_path: Path) -> None:
    assert run("--gallery", "g", "--format", "csv", "--out", str(tmp_path), "-s", "oops") == 2


def test_a_database_that_does_not_answer_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run("--gallery", "g", "--format", "parquet", "--out", str(out), "-s", NOWHERE) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("dccrawl export: the database does not answer: ")
    assert "port 1" in err[0]
    assert not out.exists()


def test_a_non_empty_out_is_refused_before_any_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert run("--gallery", "g", "--format", "csv", "--out", str(tmp_path), "-s", NOWHERE) == 1
    err = capsys.readouterr().err
    assert "is not empty" in err and "--overwrite" in err
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_an_out_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    args = ("--gallery", "g", "--format", "csv", "--out", str(out), "-s", NOWHERE, "--overwrite")
    assert run(*args) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_the_unknown_gallery_message_lists_what_is_held() -> None:
    message = unknown_gallery_message(UnknownGallery("programing", ["exp", "programming"]))
    assert message == (
        "the database holds no gallery 'programing'. Did you mean 'programming'? "
        "It holds: exp, programming"
    )
    many = unknown_gallery_message(UnknownGallery("zzz", [f"g{n:02}" for n in range(25)]))
    assert many.endswith("g19 and 5 more")
    assert "Did you mean" not in many
    empty = unknown_gallery_message(UnknownGallery("g", []))
    assert "holds no gallery yet" in empty
