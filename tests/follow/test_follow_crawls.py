"""``follow`` running real refresh crawls against the replica, into PostgreSQL.

* five cycles of two galleries, the replica moving on an epoch (three busy hours:
  new posts, comments, votes, deletions) between cycles: every cycle has its line and
  its ``ok`` row, with the counts of what changed, and the database ends equal to the
  truth in everything a refresh keeps current;
* SIGTERM in the middle of a cycle: follow forwards it, the crawl shuts down
  gracefully, the cycle is ``stopped``, follow exits 0, and the next follow completes
  what was left;
* a second follow of a gallery skips its cycle while the lock is held, and the next
  follow marks a cycle left running by a killed follow ``abandoned``;
* a crawl given a cycle id its database does not know fails (exit 1), as a wrong shard
  id does.

The first runs follow in this process (its crawls are subprocesses as always), with the
``before_cycle`` hook: a barrier that moves the replica on once both galleries have
finished a cycle, so each cycle sees exactly one epoch more than the one before. The
others run ``python -m dccrawl follow`` as a user does.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from dccrawl.cli import build_parser
from dccrawl.db import cycles
from dccrawl.db.migrate import migrate
from dccrawl.follow import cli as follow_cli
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    ROOT,
    assert_equal_to_truth,
    dccrawl_cli,
    run_crawl,
    wait_until,
    with_listed_posts,
)
from tests.follow.following import (
    cycle_lines,
    cycle_rows,
    follow_process,
    refresh_differences,
    settings,
)

pytestmark = pytest.mark.integration

CYCLES = 5
GALLERIES = {"fa": "fa:major:60", "fb": "fb:major:90"}
HORIZON = "1"  # post 1 and newer: each refresh reads the whole (small) gallery


def test_five_cycles_of_two_galleries_follow_a_changing_site(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    specs = [arg for spec in GALLERIES.values() for arg in ("--gallery", spec)]
    with ReplicaProcess(specs, quiet=True) as replica:
        epochs: list[int] = []  # the epoch each round of cycles saw
        changes: dict[str, list[dict[str, Any]]] = {gallery: [] for gallery in GALLERIES}
        first: dict[str, list[dict[str, Any]]] = {}  # the truth the first cycles saw

        def next_epoch() -> None:
            if epochs:
                epoch = replica.set_epoch(epochs[-1] + 1)
                for gallery in GALLERIES:
                    changes[gallery] += replica.changes(epoch - 1, epoch, gallery)
            else:
                first.update({gallery: replica.truth(gallery) for gallery in GALLERIES})
            epochs.append(replica.epoch())

        # Both galleries' threads meet before each cycle; the last to arrive moves the
        # replica on (not before the first cycle).
        barrier = threading.Barrier(len(GALLERIES), action=next_epoch, timeout=300)
        args = build_parser().parse_args(
            ["follow", "--gallery", ",".join(GALLERIES), "--every", "0s", "--horizon", HORIZON,
             "--cycles", str(CYCLES), "--log-dir", str(tmp_path),
             *settings(replica.base_url or "", database_url)]
        )  # fmt: skip
        code = follow_cli.cmd_follow(args, before_cycle=lambda gallery, round_: barrier.wait())
        truths = {gallery: replica.truth(gallery) for gallery in GALLERIES}
    output = capsys.readouterr()
    assert code == 0, output.err
    assert epochs == list(range(CYCLES))

    lines = cycle_lines(output.out)
    assert len(lines) == CYCLES * len(GALLERIES), output.out
    for gallery in GALLERIES:
        mine = [line for line in lines if line["gallery"] == gallery]
        assert [line["no"] for line in mine] == [str(n) for n in range(1, CYCLES + 1)]
        assert all(line["outcome"] == "ok" for line in mine)
        rows = cycle_rows(database_url, gallery)
        assert [(r["cycle_no"], r["outcome"], r["exit_code"]) for r in rows] == [
            (n, "ok", 0) for n in range(1, CYCLES + 1)
        ]
        assert all(r["horizon"] == HORIZON and r["node"] is None for r in rows)
        assert all(r["close_reason"] == "finished" and r["requests"] > 0 for r in rows)
        # What the lines say is what the rows hold.
        assert [(line["new"], line["deleted"], line["requests"]) for line in mine] == [
            (str(r["new_posts"]), str(r["deleted_posts"]), str(r["requests"])) for r in rows
        ]
        # The refresh's counts (they depend on the refresh spider): the first cycle finds
        # every listed post new, each later one what the epoch's step added and deleted.
        listed = [line for line in with_listed_posts(first[gallery]) if line["type"] == "post"]
        assert rows[0]["new_posts"] == len(listed)
        step_new = [len(change["new_posts"]) for change in changes[gallery]]
        step_deleted = [len(change["deleted_posts"]) for change in changes[gallery]]
        assert [r["new_posts"] for r in rows[1:]] == step_new
        assert [r["deleted_posts"] for r in rows[1:]] == step_deleted
        assert sum(step_deleted) > 0 and all(r["changed_posts"] > 0 for r in rows[1:])
        # The database equals the last epoch's truth in what a refresh keeps current.
        problems = refresh_differences(database_url, truths[gallery], gallery)
        assert problems == [], f"{gallery}: {len(problems)} differences: {problems[:5]}"


def test_sigterm_mid_cycle_stops_the_crawl_gracefully_and_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    gallery = "stop"
    # Every 10th post's view page is held until the test releases it: the crawl cannot
    # end before the signal, however fast the machine.
    spec = ["--gallery", f"{gallery}:major:120", "--hold-views", "10"]
    crawl_log = tmp_path / f"follow-{gallery}-1.log"
    with ReplicaProcess(spec, quiet=True) as replica:
        options = ["--gallery", gallery, "--every", "0s", "--horizon", HORIZON,
                   *settings(replica.base_url or "", database_url)]  # fmt: skip
        follow = follow_process(*options, "--log-dir", str(tmp_path), log=tmp_path / "err")
        try:
            wait_until(lambda: replica.stats()["held"] > 0, "the crawl waits for held views")
            follow.send_signal(signal.SIGTERM)
            # Forwarded to the crawl (once: a second signal would force it).
            wait_until(
                lambda: "Received SIGTERM, shutting down gracefully" in crawl_log.read_text(),
                "the crawl got the signal",
            )
            replica.release()
            out, _ = follow.communicate(timeout=120)
        finally:
            if follow.poll() is None:
                follow.kill()
                follow.communicate()
        errors = (tmp_path / "err").read_text()
        assert follow.returncode == 0, errors
        log = crawl_log.read_text()
        assert log.count("Received SIG") == 1, "the signal was forwarded once"
        (line,) = cycle_lines(out)
        assert (line["no"], line["outcome"]) == ("1", "stopped"), out
        (row,) = cycle_rows(database_url, gallery)
        assert (row["outcome"], row["close_reason"], row["exit_code"]) == (
            "stopped", "shutdown", 1,
        )  # fmt: skip
        assert "stopped" in errors

        # The next follow completes what the stopped cycle left.
        again = dccrawl_cli("follow", *options, "--cycles", "1", timeout=180)
        truth = replica.truth(gallery)
    assert again.returncode == 0, again.stderr[-3000:]
    (line,) = cycle_lines(again.stdout)
    assert (line["no"], line["outcome"]) == ("2", "ok")
    assert [r["outcome"] for r in cycle_rows(database_url, gallery)] == ["stopped", "ok"]
    # Exact: the site did not change, so every page was read at the same epoch (this
    # depends on the refresh spider fetching what the stopped crawl left unstored).
    assert_equal_to_truth(database_url, with_listed_posts(truth), gallery)


def test_a_held_lock_skips_the_cycle_and_a_dead_follows_cycle_is_abandoned(
    database_url: str,
) -> None:
    gallery = "lk"
    with ReplicaProcess(["--gallery", f"{gallery}:major:60"], quiet=True) as replica:
        options = ["--gallery", gallery, "--every", "0s", "--horizon", HORIZON, "--cycles", "1",
                   *settings(replica.base_url or "", database_url)]  # fmt: skip
        migrate(database_url)
        with cycles.connect(database_url) as conn:  # a follow's cycle: running, elsewhere
            cycles.start_cycle(conn, gallery, HORIZON, "elsewhere:42")
        with cycles.gallery_lock(database_url, gallery) as held:  # ... and that follow lives
            assert held is not None
            skipped = dccrawl_cli("follow", *options)
        assert skipped.returncode == 0, skipped.stderr
        assert skipped.stdout == ""
        assert "follow lk: skipped: another follow holds the lock of lk (elsewhere:42 runs " \
            "cycle #1)" in skipped.stderr  # fmt: skip
        assert [r["outcome"] for r in cycle_rows(database_url, gallery)] == ["running"]

        # That follow is gone (its lock with it): its cycle is abandoned, the numbers go on.
        after = dccrawl_cli("follow", *options, timeout=180)
        truth = replica.truth(gallery)
    assert after.returncode == 0, after.stderr[-3000:]
    assert "cycle #1 was left running by a follow that is gone: marked abandoned" in after.stderr
    (line,) = cycle_lines(after.stdout)
    assert (line["no"], line["outcome"]) == ("2", "ok")
    assert [r["outcome"] for r in cycle_rows(database_url, gallery)] == ["abandoned", "ok"]
    assert_equal_to_truth(database_url, with_listed_posts(truth), gallery)


def test_a_crawl_with_a_cycle_id_this_database_does_not_know_fails(database_url: str) -> None:
    migrate(database_url)
    with ReplicaProcess(["--gallery", "nocycle:major:60"], quiet=True) as replica:
        result = run_crawl(
            replica.base_url or "", database_url,
            {"gallery": "nocycle", "refresh": HORIZON, "cycle": "999"},
        )  # fmt: skip
    assert result.returncode == 1, result
    assert "cycle 999 is not in the follow_cycles table of this database" in result.output
    assert cycle_rows(database_url) == []
