"""Helpers for killing crawls at chosen moments (``tests/crawls/test_kill_matrix.py``).

* :class:`TcpProxy`: a TCP proxy on loopback, served from a thread of the test process,
  that can be *cut* (open connections aborted, new ones refused) and *restored*, and
  pointed at another upstream. In front of PostgreSQL it makes "the database is down" a
  state the test controls; in front of the replica it lets one base URL be served by a
  slow replica for the run that is killed and a fast one for the run that finishes.
* :func:`through_proxy`: a database URL rewritten to go through a proxy.
* :func:`wait_until`: polls a condition with a deadline that fails loudly, naming what
  it waited for and showing the crawl's log tail.
* :class:`AccessLog`: the replica's ``--access-log`` lines written since a moment.
* :class:`PostCounter`, :func:`log_tail`, :func:`ended`.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

import psycopg

Upstream = tuple[str, int] | str  # (host, port), or the path of a Unix socket


class TcpProxy:
    """Forwards every connection to 127.0.0.1:``port`` to ``upstream``, until cut.

    ``cut()`` aborts the open connections (both sides see a reset) and, until
    ``restore()``, aborts each new connection as soon as it is accepted: to a client
    the service is down, while the port stays bound, so the same URL works again
    after ``restore()``. ``retarget(upstream)`` sends new connections elsewhere.
    """

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._cut = False
        self._open: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port: int | None = None
        self.accepted = 0  # connections forwarded
        self.refused = 0  # connections aborted at accept while cut

    # --- life cycle -------------------------------------------------------------------

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

    def start(self) -> int:
        """Bind a free port on 127.0.0.1 and serve; returns the port."""
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(30) or self.port is None:
            raise RuntimeError("the TCP proxy did not start") from self._error
        return self.port

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already stopped
                loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(30)
        self._thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, "127.0.0.1", 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()
            loop.run_forever()
            self._server.close()
            self._cut = True
            for writer in list(self._open):
                writer.transport.abort()  # each forwarding task then ends by itself
            pending = asyncio.all_tasks(loop)
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=5))
            loop.run_until_complete(self._server.wait_closed())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    # --- control (from any thread) ----------------------------------------------------

    @property
    def is_cut(self) -> bool:
        return self._cut

    def cut(self) -> None:
        """Abort every open connection and refuse new ones until :meth:`restore`."""
        self._call(self._do_cut)

    def restore(self) -> None:
        """Forward new connections again."""
        self._call(self._do_restore)

    def retarget(self, upstream: Upstream) -> None:
        """Send new connections to ``upstream`` (open ones stay where they are)."""
        self._upstream = upstream

    def _call(self, function: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("the TCP proxy is not running")
        done = threading.Event()

        def run() -> None:
            try:
                function()
            finally:
                done.set()

        loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise RuntimeError("the TCP proxy did not answer")

    def _do_cut(self) -> None:
        self._cut = True
        for writer in list(self._open):
            writer.transport.abort()

    def _do_restore(self) -> None:
        self._cut = False

    # --- forwarding ---------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            writer.transport.abort()
            return
        upstream = self._upstream
        try:
            if isinstance(upstream, str):
                up_reader, up_writer = await asyncio.open_unix_connection(upstream)
            else:
                up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            writer.transport.abort()
            return
        if self._cut:  # cut while connecting
            up_writer.transport.abort()
            writer.transport.abort()
            return
        self.accepted += 1
        self._open.update((writer, up_writer))
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer, writer),
                self._pipe(up_reader, writer, up_writer),
                return_exceptions=True,
            )
        finally:
            self._open.difference_update((writer, up_writer))
            for side in (writer, up_writer):
                if self._cut:
                    side.transport.abort()
                else:
                    side.close()

    @staticmethod
    async def _pipe(
        source: asyncio.StreamReader,
        target: asyncio.StreamWriter,
        source_writer: asyncio.StreamWriter,
    ) -> None:
        try:
            while data := await source.read(1 << 16):
                target.write(data)
                await target.drain()
            if target.can_write_eof() and not target.is_closing():
                target.write_eof()
        except (OSError, RuntimeError):
            # One side reset: so does the other (a client must see the cut).
            source_writer.transport.abort()
            target.transport.abort()


def through_proxy(database_url: str, proxy: TcpProxy) -> str:
    """``database_url`` (URI or key=value) going through ``proxy`` on 127.0.0.1."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    info["host"] = "127.0.0.1"
    info["port"] = str(proxy.port)
    info.pop("hostaddr", None)
    return psycopg.conninfo.make_conninfo(**info)


def database_upstream(database_url: str) -> Upstream:
    """Where ``database_url``'s server listens: (host, port), or its Unix socket."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    host = str(info.get("hostaddr") or info.get("host") or "/var/run/postgresql")
    port = int(info.get("port") or 5432)
    if host.startswith("/"):
        return f"{host}/.s.PGSQL.{port}"
    return (host, port)


# --- waiting on observable state ---------------------------------------------------------


class MomentMissed(AssertionError):
    """A wait's deadline passed, or the crawl ended before the moment came."""


def log_tail(log: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a crawl's log ("(no log)" if there is none yet)."""
    try:
        text = log.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    condition: Callable[[], bool],
    *,
    what: str,
    scenario: str,
    log: Path,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = 60.0,
    interval: float = 0.02,
) -> float:
    """Poll ``condition`` until true; return the seconds waited.

    Fails (:class:`MomentMissed`, naming the scenario and ``what``, with the crawl's log
    tail) when ``timeout`` passes or when ``process`` exits first."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        if condition():
            return time.monotonic() - started
        if process is not None and process.poll() is not None:
            raise MomentMissed(
                f"[{scenario}] the crawl exited ({process.returncode}) before {what}\n"
                f"--- crawl log tail ---\n{log_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise MomentMissed(
                f"[{scenario}] waited {timeout:.0f} s for {what}, in vain\n"
                f"--- crawl log tail ---\n{log_tail(log)}"
            )
        time.sleep(interval)


class PostCounter:
    """``counter()``: posts in the database now (0 while the table does not exist yet).

    Keeps one connection for all its polls (reconnecting after an error), so polling
    every few milliseconds costs the server no new sessions. Close it (or use ``with``)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._conn: psycopg.Connection | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __call__(self) -> int:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=5)
            row = self._conn.execute("SELECT count(*) FROM posts").fetchone()
        except psycopg.Error:
            self.close()
            return 0
        return int(row[0]) if row else 0

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def ended(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """The process's return code once it ends within ``timeout``; else it is killed and
    None is returned (a hung shutdown is a finding, not a reason to hang the suite)."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


@dataclass(frozen=True)
class AccessLine:
    """One request in the replica's access log."""

    time: float  # time.monotonic() of the replica (the same clock as this process)
    method: str
    path: str
    query: dict[str, list[str]]
    status: int

    @property
    def page(self) -> str:
        """``list``, ``view``, ``comment`` or ``other``."""
        if "/lists" in self.path:
            return "list"
        if "/view" in self.path:
            return "view"
        if self.path.startswith("/board/comment"):
            return "comment"
        return "other"


class AccessLog:
    """The replica's ``--access-log`` file, read incrementally, lines after ``since`` only.

    The replica writes a line once it has produced the answer and flushes at most every
    0.2 s, on a write; a line therefore says the answer was given, never before."""

    def __init__(self, path: Path, since: float) -> None:
        self.path = path
        self.since = since
        self._offset = 0
        self._partial = ""
        self.lines: list[AccessLine] = []

    def read(self) -> list[AccessLine]:
        """All lines since ``since`` read so far (reads what was added to the file)."""
        try:
            with self.path.open(encoding="utf-8") as file:
                file.seek(self._offset)
                chunk = file.read()
                self._offset = file.tell()
        except FileNotFoundError:
            return self.lines
        text = self._partial + chunk
        *complete, self._partial = text.split("\n")
        for raw in complete:
            fields = raw.split("\t")
            if len(fields) < 6 or float(fields[0]) < self.since:
                continue
            target = urlsplit(fields[3])
            self.lines.append(
                AccessLine(
                    float(fields[0]), fields[2], target.path, parse_qs(target.query), int(fields[4])
                )
            )
        return self.lines

    def served(self, kind: str, /, **query: str) -> list[AccessLine]:
        """Lines of ``kind`` pages (``list``, ``view``…) answered 200 whose query has these
        values (``served("list", page="1")``)."""
        return [
            line
            for line in self.read()
            if line.page == kind
            and line.status == 200
            and all(line.query.get(name) == [value] for name, value in query.items())
        ]
