"""``python -m dccrawl report`` in this process: the file, the line it prints, its exit codes."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest

from dccrawl.cli import main
from tests.report import content

WROTE = re.compile(r"^wrote (?P<path>\S+) \((?P<size>[\d,.]+) (?P<unit>kB|bytes)\) in [\d.]+ s: ")


def report(url: str, *args: str) -> int:
    return main(["report", "--gallery", content.GALLERY, *args, "-s", f"DATABASE_URL={url}"])


def test_writes_the_file_and_says_where_and_how_big(
    shared: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert report(shared, "--out", str(out)) == 0
    printed = capsys.readouterr()
    match = WROTE.match(printed.out)
    assert match, printed.out
    assert Path(match["path"]) == out.resolve()
    assert match["unit"] == "kB"
    assert float(match["size"].replace(",", "")) == pytest.approx(out.stat().st_size / 1000, 0.01)
    assert "2026-11-02 – 2026-11-05, 5 posts, 3 comments" in printed.out
    assert printed.err == ""
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 4
    assert escape(content.url_of(12)) in html


def test_the_default_file_is_named_after_the_gallery(
    shared: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert report(shared) == 0
    assert (tmp_path / "report-g.html").is_file()
    assert str(tmp_path / "report-g.html") in capsys.readouterr().out


def test_a_period_and_top(shared: str, tmp_path: Path) -> None:
    out = tmp_path / "day.html"
    assert report(shared, "--out", str(out), "--since", "2026-11-03", "--until", "2026-11-04") == 0
    html = out.read_text(encoding="utf-8")
    assert "<title>dccrawl report: g, 2026-11-03 – 2026-11-03</title>" in html
    assert escape(content.url_of(12)) in html and escape(content.url_of(11)) not in html
    assert report(shared, "--out", str(out), "--top", "1") == 0
    table = re.search(r'<table id="table-most-commented">.*?</table>', out.read_text("utf-8"))
    assert table and table.group(0).count("<tr>") == 2  # the header and one post


def test_an_unknown_gallery_names_those_the_database_holds(
    shared: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nope.html"
    code = main(["report", "--gallery", "nope", "--out", str(out), "-s", f"DATABASE_URL={shared}"])
    assert code == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.count("\n") == 1
    assert "'nope'" in printed.err and printed.err.rstrip().endswith("holds: g, other")
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--top", "0"], "--top 0"),
        (["--since", "2026-11-05", "--until", "2026-11-01"], "not after --since"),
        (["--since", "2026-11-05", "--until", "2026-11-05"], "not after --since"),
        (["-s", "DATABASE_URL"], "expected NAME=VALUE"),
    ],
)
def test_wrong_arguments_exit_2(
    shared: str, args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(shared, *args) == 2
    assert says in capsys.readouterr().err


def test_a_bad_date_or_gallery_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", "--gallery", "g", "--since", "2026-02-30"])
    assert exited.value.code == 2
    assert "'2026-02-30' is not a date YYYY-MM-DD" in capsys.readouterr().err
    assert main(["report", "--gallery", "../etc"]) == 2
    assert "letters, digits and _" in capsys.readouterr().err


def test_a_database_without_dccrawl_tables(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--gallery", "g", "-s", f"DATABASE_URL={database_url}"]) == 1
    assert "has no dccrawl tables" in capsys.readouterr().err
