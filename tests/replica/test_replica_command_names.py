"""``python -m tests.replica serve|truth`` keeps working: a contract other tools rely on.

The replica moved to ``testbed/replica`` (so the demo and benchmarks need not reach
into ``tests/``); its first name forwards there and must answer exactly as before.
"""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT

SPEC = ["--gallery", "names:minor:12", "--now", "2026-12-01T00:05:00"]


def run(module: str, *args: str) -> str:
    command = [sys.executable, "-m", module, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_truth_under_the_first_name_equals_truth_under_the_new_one() -> None:
    old = run("tests.replica", "truth", *SPEC)
    assert old.count("\n") > 12
    assert old == run("testbed.replica", "truth", *SPEC)


def test_serve_under_the_first_name_announces_its_address_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "tests.replica", "serve", "--port", "0", *SPEC]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
        server.terminate()
        assert server.wait(timeout=30) == 0
    assert line.startswith("listening on http://127.0.0.1:")


def test_the_bench_command_keeps_its_first_name_too() -> None:
    assert "base_url" in run("tests.replica.bench", "--help")
