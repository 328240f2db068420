"""``ReconnectingConnection``: one autocommit connection to a database, reopened when lost.

A crawl keeps its connections for hours, through server restarts and terminated
sessions. Whoever holds one asks it for the connection before each use
(:meth:`~ReconnectingConnection.get`): the open one, or a new one when there is none
or the last one broke. Session setup (time zone, staging tables) runs on each new
connection before it is handed out (``prepare``); a connection whose setup fails is
closed, never handed out half-prepared.

The ``application_name`` names the connection's job in ``pg_stat_activity``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import psycopg

CONNECT_TIMEOUT = 10  # seconds to wait for the server to answer a new connection

Prepare = Callable[[psycopg.AsyncConnection], Awaitable[None]]


class ReconnectingConnection:
    """An autocommit connection to ``url``, opened on first use and again after a loss."""

    def __init__(self, url: str, *, application_name: str, prepare: Prepare | None = None) -> None:
        self.url = url
        self.application_name = application_name
        self.prepare = prepare
        self._conn: psycopg.AsyncConnection | None = None

    @property
    def usable(self) -> bool:
        """Whether the current connection is open and not broken (no round trip)."""
        conn = self._conn
        return conn is not None and not conn.closed and not conn.broken

    async def get(self) -> psycopg.AsyncConnection:
        """The open connection, (re)connecting when there is none."""
        if self.usable:
            assert self._conn is not None
            return self._conn
        await self.close()
        conn = await psycopg.AsyncConnection.connect(
            self.url,
            autocommit=True,
            application_name=self.application_name,
            connect_timeout=CONNECT_TIMEOUT,
        )
        if self.prepare is not None:
            try:
                await self.prepare(conn)
            except BaseException:
                await conn.close()
                raise
        self._conn = conn
        return conn

    async def close(self) -> None:
        """Close the current connection, if any (a broken one's errors are ignored)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
