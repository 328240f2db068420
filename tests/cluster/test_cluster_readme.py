"""Every ``python -m dccrawl`` command of the README's "Running on several machines", run in
the README's order, on two real scrapyd nodes with basic auth (the ``nodes`` fixture).

The commands are read from the README itself, so a command added there runs here. What
differs from a real cluster is substituted token by token (``SUBSTITUTIONS``): the gallery
is a small replica one, its range and shard size small, ``$NODES`` the test nodes and
``$CRAWL`` the crawl the commands are about; ``schedule`` also gets the replica's address and
no politeness delay (``-s``, recorded with the shards). The cancel commands need a crawl that
is still running: before the first of them the test schedules a second crawl whose jobs the
replica holds (``--hold-views``), and after the last one it lets them finish.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import PASSWORD, ScrapydNode, deploy_config
from tests.crawling import (
    BACKFILL_POST_FIELDS,
    FAST,
    POST_KEY,
    ROOT,
    differences,
    stored,
    truth_of,
    wait_until,
)

pytestmark = pytest.mark.integration

README = ROOT / "README.md"
GALLERY, HELD = "readme", "readmeheld"
POSTS = 90
SUBSTITUTIONS = {
    "programming": GALLERY,
    "--posts 1-2870000": f"--posts 1-{POSTS}",
    "--shard-size 5000": "--shard-size 30",
}
EXPECTED = [
    "deploy", "nodes", "schedule", "watch", "status", "logs", "logs", "resume", "watch",
    "cancel", "cancel", "resume",
]  # fmt: skip


def readme_commands() -> list[str]:
    """The section's ``.venv/bin/python -m dccrawl ...`` lines, comments dropped."""
    text = README.read_text()
    section = text[text.index("## Running on several machines") : text.index("## Performance")]
    lines = [
        line for line in section.splitlines() if line.startswith(".venv/bin/python -m dccrawl")
    ]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in lines]


def test_the_readme_commands_are_these() -> None:
    """A new command in the section must be placed in this test's story (``EXPECTED``)."""
    assert [shlex.split(line)[3] for line in readme_commands()] == EXPECTED


def _run(line: str, env: dict[str, str], extra: list[str]) -> tuple[int, str]:
    """A README line as a user runs it (``.venv/bin/python``: this test's interpreter)."""
    argv = shlex.split(line)
    argv = [sys.executable if argv[0] == ".venv/bin/python" else argv[0], *argv[1:]]
    done = subprocess.run(
        [*argv, *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_the_readme_walkthrough_runs(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, tmp_path: Path
) -> None:
    first, second = nodes
    env = deploy_config(tmp_path / "config", {"node1": first, "node2": second})
    env["DATABASE_URL"] = database_url
    env["NODES"] = f"{first.login_url},{second.login_url}"
    with (
        ReplicaProcess(["--gallery", f"{GALLERY}:major:{POSTS}"], quiet=True) as replica,
        ReplicaProcess(
            ["--gallery", f"{HELD}:major:{POSTS}", "--hold-views", "20"], quiet=True
        ) as held,
    ):
        settings = {**FAST, "DCCRAWL_BASE_URL": replica.base_url or ""}
        schedule_extra = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
        outputs: list[str] = []
        crawl = ""
        for number, written in enumerate(readme_commands()):
            command = shlex.split(written)[3]
            if command == "cancel" and crawl.startswith(GALLERY + "-"):
                crawl = _schedule_held(env, held)
            line = written
            for old, new in SUBSTITUTIONS.items():
                line = line.replace(old, new)
            line = line.replace("$NODES", env["NODES"]).replace("$CRAWL", crawl)
            code, output = _run(line, env, schedule_extra if command == "schedule" else [])
            outputs.append(f"$ {line}\n{output}")
            assert code == 0, "\n".join(outputs[-3:])
            assert PASSWORD not in output
            if command == "schedule":
                crawl = output.split()[1].rstrip(":")
            if number == len(EXPECTED) - 1:
                held.release()
        assert "cancelled (was" in "\n".join(outputs)
        # status shows the run report the shards' jobs stored (dccrawl/runreport.py).
        (status,) = [o for o in outputs if o.split()[4] == "status"]
        assert "every field covered; invalid items kept out 0; no drift" in status, status
        assert "(3 of 3 shards reported)" in status, status
        # The held crawl, resumed with its cancelled shards, runs to its end.
        code, output = _run(
            f".venv/bin/python -m dccrawl watch --crawl {crawl} --nodes {env['NODES']} "
            "--capacity 1 --interval 0.5",
            env,
            [],
        )
        assert code == 0, output + _ledger_errors(database_url)
        truths = {GALLERY: replica.truth(GALLERY), HELD: held.truth(HELD)}
    for gallery, truth in truths.items():
        expected = truth_of(truth, "post", BACKFILL_POST_FIELDS)
        assert differences(expected, stored(database_url, "posts", gallery), POST_KEY) == []


def _schedule_held(env: dict[str, str], held: ReplicaProcess) -> str:
    """A second crawl whose jobs run until the replica releases their held views."""
    settings = {**FAST, "DCCRAWL_BASE_URL": held.base_url or ""}
    extra = [a for k, v in settings.items() for a in ("-s", f"{k}={v}")]
    code, output = _run(
        f".venv/bin/python -m dccrawl schedule --gallery {HELD} --posts 1-{POSTS} "
        f"--shard-size 30 --nodes {env['NODES']} --capacity 1",
        env,
        extra,
    )
    assert code == 0, output
    wait_until(lambda: held.stats()["held"] > 0, "the held crawl's jobs run")
    return output.split()[1].rstrip(":")


def _ledger_errors(database_url: str) -> str:
    """The ledger's rows that are not done, for a failure's message."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT shard_no, state, job_id, attempts, error FROM crawl_shards "
            "WHERE state <> 'done' ORDER BY shard_id"
        ).fetchall()
    return "\n".join(map(str, rows))
