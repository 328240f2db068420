"""The site replica (``tests/replica``) as a server process for a benchmark, pinned to a core.

``tests.replica.process.ReplicaProcess`` starts the same server for the tests;
this one puts ``taskset`` in front of it and passes the replica's own options
(galleries, ``--now``) through, so every crawl of a figure sees the same pages.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tests.replica.process import LISTENING

ROOT = Path(__file__).resolve().parent.parent
# A fixed clock: the same pages (dates, "today" rows) whatever the day of the run.
NOW = "2026-11-27T00:05:00"


class ReplicaServer:
    """``python -m tests.replica serve`` on a free port, optionally on one core."""

    def __init__(
        self, galleries: Sequence[str], *, prefix: Sequence[str] = (), extra: Sequence[str] = ()
    ) -> None:
        self.command = [*prefix, sys.executable, "-m", "tests.replica", "serve", "--port", "0"]
        for spec in galleries:
            self.command += ["--gallery", spec]
        self.command += ["--now", NOW, *extra]
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 60.0) -> str:
        """Start the server and wait for its ``listening on`` line; the base URL."""
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL
        )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
        line = self.process.stdout.readline().strip() if ready else ""
        if not line.startswith(LISTENING):
            self.stop()
            raise RuntimeError(f"the replica did not start ({' '.join(self.command)}): {line!r}")
        self.base_url = line[len(LISTENING) :]
        return self.base_url

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def stats(self) -> dict[str, Any]:
        """The replica's request counters (``/_replica/stats``; never faulted or logged)."""
        with urllib.request.urlopen(self.base_url + "/_replica/stats", timeout=10) as answer:
            data: dict[str, Any] = json.loads(answer.read())
        return data

    def truth(self, gallery: str) -> list[dict[str, Any]]:
        """What the replica serves for ``gallery``, as the truth's JSON records."""
        url = f"{self.base_url}/_replica/truth?gallery={gallery}"
        with urllib.request.urlopen(url, timeout=300) as answer:
            return [json.loads(line) for line in answer.read().decode().splitlines() if line]
