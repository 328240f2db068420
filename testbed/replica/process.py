"""Running the replica for tests: in a subprocess (the CLI) or in a thread (in-process).

``ReplicaProcess`` is what crawler integration tests use: it starts
``python -m testbed.replica serve --port 0 ...`` and waits for the ``listening on`` line.
``ReplicaThread`` serves the same app from a background thread, for fast replica tests.
Both are context managers exposing ``base_url``.
"""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .options import ReplicaOptions
from .server import build_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LISTENING = "listening on "


class _Base:
    base_url: str | None = None

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

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def url(self, path: str) -> str:
        if self.base_url is None:
            raise RuntimeError("replica not started")
        return self.base_url + path

    def truth(self, gallery: str | None = None) -> list[dict[str, Any]]:
        """The server's current truth (``/_replica/truth``), including fault changes."""
        path = "/_replica/truth" + (f"?gallery={gallery}" if gallery else "")
        with urllib.request.urlopen(self.url(path), timeout=60) as resp:
            return [json.loads(line) for line in resp.read().decode().splitlines() if line]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url("/_replica/stats"), timeout=10) as resp:
            data: dict[str, Any] = json.loads(resp.read())
            return data

    def release(self) -> int:
        """``POST /_replica/release``: answer the held view requests (``--hold-views``,
        ``--hold-views-after``) and hold none from now on; returns how many were waiting."""
        request = urllib.request.Request(self.url("/_replica/release"), data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            return int(json.loads(resp.read())["released"])

    def epoch(self) -> int:
        """``GET /_replica/epoch``: the epoch served now."""
        with urllib.request.urlopen(self.url("/_replica/epoch"), timeout=10) as resp:
            return int(json.loads(resp.read())["epoch"])

    def set_epoch(self, epoch: int) -> int:
        """``POST /_replica/epoch``: serve ``epoch`` from now on (the same port and base URL);
        every page, comment JSON and ``truth()`` then answers for it. Returns the epoch;
        ``ValueError`` (the server's reason) for an earlier epoch than the one served, or
        while the ``new_posts``/``delete_posts`` faults run."""
        body = json.dumps({"epoch": epoch}).encode()
        request = urllib.request.Request(
            self.url("/_replica/epoch"),
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as resp:
                return int(json.loads(resp.read())["epoch"])
        except urllib.error.HTTPError as error:
            raise ValueError(json.loads(error.read()).get("error", str(error))) from None

    def changes(
        self, after: int, upto: int | None = None, gallery: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /_replica/changes``: what changed from epoch ``after`` to ``upto`` (default:
        the epoch served), one record per gallery (``changes.record``)."""
        query = f"?from={after}" + (f"&to={upto}" if upto is not None else "")
        query += f"&gallery={gallery}" if gallery else ""
        with urllib.request.urlopen(self.url("/_replica/changes" + query), timeout=120) as resp:
            return [json.loads(line) for line in resp.read().decode().splitlines() if line]

    def heal(self) -> dict[str, int]:
        """``POST /_replica/heal``: broken pages answer and blocks end, from now on."""
        request = urllib.request.Request(self.url("/_replica/heal"), data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as resp:
            data: dict[str, int] = json.loads(resp.read())
            return data


class ReplicaProcess(_Base):
    """``python -m testbed.replica serve`` in a subprocess on a free port.

    ``args`` are the CLI options after ``serve`` (without ``--port``), e.g.
    ``ReplicaProcess(["--gallery", "prog:major:500", "--fault", "http503=0.1"])``.
    """

    def __init__(
        self,
        args: Sequence[str] = (),
        *,
        python: str = sys.executable,
        startup_timeout: float = 30.0,
        env: dict[str, str] | None = None,
        prefix: Sequence[str] = (),
        quiet: bool = False,
    ) -> None:
        """``prefix`` goes before the command (``taskset -c 0``: the benchmarks pin the
        replica to a core); ``quiet`` discards the server's stderr (its log)."""
        self.args = list(args)
        self.python = python
        self.startup_timeout = startup_timeout
        self.env = env
        self.prefix = list(prefix)
        self.quiet = quiet
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> str:
        cmd = [*self.prefix, self.python, "-m", "testbed.replica", "serve", "--port", "0"]
        self.proc = subprocess.Popen(
            [*cmd, *self.args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if self.quiet else None,
            text=True,
            env={**os.environ, **(self.env or {})},
        )
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(self.startup_timeout):
                self.stop()
                raise RuntimeError(f"replica did not start within {self.startup_timeout}s")
        line = self.proc.stdout.readline().strip()
        if not line.startswith(LISTENING):
            code = self.proc.poll()
            self.stop()
            raise RuntimeError(f"replica failed to start (exit {code}): {line!r}")
        self.base_url = line[len(LISTENING) :]
        return self.base_url

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


class ReplicaThread(_Base):
    """The replica app served from a daemon thread of this process (no subprocess start-up)."""

    def __init__(self, options: ReplicaOptions) -> None:
        self.options = options
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> str:
        self._thread = threading.Thread(target=self._run, name="replica", daemon=True)
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise RuntimeError("replica thread failed") from self._error
        assert self.base_url is not None
        return self.base_url

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # surfaced to start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        runner = web.AppRunner(build_app(self.options), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
