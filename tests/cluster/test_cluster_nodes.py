"""The scrapyd client: node URLs and credentials, and how every kind of failure is told apart.

The answers come from a small local HTTP server that replies as scrapyd does
(JSON with ``status``, 401 without the right Basic credentials), or does not
reply at all; the client against real scrapyd nodes is covered by
``test_cluster_scrapyd.py``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from base64 import b64encode
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dccrawl.cluster.nodes import (
    JobList,
    NodeAddress,
    NodeNoAnswer,
    NodeRefused,
    NodeUnreachable,
    ScrapydNode,
    normalize_url,
    parse_node,
    parse_nodes,
)
from testbed.scrapyd_nodes import free_port

Reply = Callable[[str, dict[str, list[str]]], tuple[int, Any]]


class FakeScrapyd:
    """Answers with ``reply(path, params)`` → (HTTP status, JSON body); records every request."""

    def __init__(self, reply: Reply, *, auth: tuple[str, str] | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]], str | None]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, params: dict[str, list[str]]) -> None:
                path = urlsplit(self.path).path
                header = self.headers.get("Authorization")
                fake.requests.append((self.command, path, params, header))
                if auth is not None:
                    expected = "Basic " + b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                    if header != expected:
                        self.send_response(401)
                        self.end_headers()
                        return
                status, body = reply(path, params)
                data = json.dumps(body).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer(parse_qs(urlsplit(self.path).query))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self._answer(parse_qs(self.rfile.read(length).decode()))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeScrapyd:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok(**fields: Any) -> tuple[int, Any]:
    return 200, {"status": "ok", "node_name": "fake", **fields}


@pytest.fixture
def no_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder without ~/.netrc (tests that want one write it)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    return tmp_path


# --- addresses ------------------------------------------------------------------------------------


def test_urls_lose_their_credentials_and_trailing_slash() -> None:
    assert normalize_url("http://u%40x:p%3Aw@10.0.0.2:6800/") == (
        "http://10.0.0.2:6800",
        "u@x",
        "p:w",
    )
    assert normalize_url("10.0.0.2:6800") == ("http://10.0.0.2:6800", None, None)
    assert normalize_url("https://node.example/scrapyd/") == (
        "https://node.example/scrapyd",
        None,
        None,
    )


@pytest.mark.parametrize(
    "spec", ["ftp://host:21", "http://", "http://h:port", "http://h:6800/?x=1"]
)
def test_bad_urls_are_refused_with_the_spec_in_the_message(spec: str) -> None:
    with pytest.raises(ValueError, match=r"scrapyd URL|port|query"):
        normalize_url(spec)


def test_capacity_for_every_node_or_one_each(no_netrc: Path) -> None:
    nodes = parse_nodes("http://a:6800, http://b:6800", "3")
    assert [(n.url, n.capacity) for n in nodes] == [("http://a:6800", 3), ("http://b:6800", 3)]
    nodes = parse_nodes("http://a:6800,http://b:6800", "2,5")
    assert [n.capacity for n in nodes] == [2, 5]
    with pytest.raises(ValueError, match="2 numbers for 3 nodes"):
        parse_nodes("a:1,b:1,c:1", "1,2")
    with pytest.raises(ValueError, match="more than once"):
        parse_nodes("http://a:6800,http://a:6800/", "1")
    with pytest.raises(ValueError, match="at least one job"):
        parse_nodes("http://a:6800", "0")
    with pytest.raises(ValueError, match="whole numbers"):
        parse_nodes("http://a:6800", "two")


def test_credentials_come_from_netrc_when_the_url_has_none(no_netrc: Path) -> None:
    netrc = no_netrc / ".netrc"
    netrc.write_text("machine 10.0.0.9 login alice password wonder\n")
    netrc.chmod(0o600)
    node = parse_node("http://10.0.0.9:6800")
    assert (node.username, node.password) == ("alice", "wonder")
    assert "wonder" not in repr(node)
    assert parse_node("http://bob:pw@10.0.0.9:6800").username == "bob"


# --- calls ----------------------------------------------------------------------------------------


def test_calls_send_basic_auth_and_read_scrapyd_json() -> None:
    def reply(path: str, params: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/daemonstatus.json":
            return ok(running=1, pending=2, finished=7)
        return ok(
            pending=[{"id": "j3"}],
            running=[{"id": "j2", "pid": 1}],
            finished=[{"id": "j1"}],
        )

    with FakeScrapyd(reply, auth=("u", "p")) as server:
        node = ScrapydNode(NodeAddress(server.url, 2, "u", "p"))
        status = node.daemon_status()
        jobs = node.list_jobs("dccrawl")
        wrong = ScrapydNode(NodeAddress(server.url, 2, "u", "nope"))
        with pytest.raises(NodeRefused, match="401: wrong or missing credentials"):
            wrong.daemon_status()
    assert (status.node_name, status.running, status.pending, status.finished) == ("fake", 1, 2, 7)
    assert [jobs.state_of(j) for j in ("j1", "j2", "j3", "j4")] == [
        "finished",
        "running",
        "pending",
        None,
    ]
    assert server.requests[1][2] == {"project": ["dccrawl"]}


def test_schedule_posts_settings_arguments_and_the_job_id() -> None:
    with FakeScrapyd(lambda path, params: ok(jobid=params["jobid"][0])) as server:
        node = ScrapydNode(NodeAddress(server.url))
        job = node.schedule(
            "dccrawl",
            "gallery",
            "crawl-001-1",
            {"gallery": "g", "posts": "1-10", "shard": "7"},
            {"DATABASE_URL": "postgresql://x/y?a=b", "DOWNLOAD_DELAY": "0"},
        )
    method, path, params, _auth = server.requests[0]
    assert (job, method, path) == ("crawl-001-1", "POST", "/schedule.json")
    assert params == {
        "project": ["dccrawl"],
        "spider": ["gallery"],
        "jobid": ["crawl-001-1"],
        "setting": ["DATABASE_URL=postgresql://x/y?a=b", "DOWNLOAD_DELAY=0"],
        "gallery": ["g"],
        "posts": ["1-10"],
        "shard": ["7"],
    }


def test_an_error_status_is_a_refusal_and_an_unknown_project_has_no_jobs() -> None:
    def reply(path: str, params: dict[str, list[str]]) -> tuple[int, Any]:
        if path == "/listjobs.json":
            return 200, {"status": "error", "message": "project 'dccrawl' not found"}
        return 200, {"status": "error", "message": "spider 'gallery' not found"}

    with FakeScrapyd(reply) as server:
        node = ScrapydNode(NodeAddress(server.url))
        assert node.list_jobs("dccrawl") == JobList()
        with pytest.raises(NodeRefused, match="spider 'gallery' not found") as refused:
            node.schedule("dccrawl", "gallery", "j", {}, {})
    assert not refused.value.may_have_acted


def test_a_closed_port_is_unreachable_and_nothing_was_sent() -> None:
    node = ScrapydNode(NodeAddress(f"http://127.0.0.1:{free_port()}"), timeout=2)
    with pytest.raises(NodeUnreachable, match="does not answer") as failure:
        node.daemon_status()
    assert not failure.value.may_have_acted


def test_a_node_that_takes_the_request_but_never_answers_may_have_acted() -> None:
    def slow(path: str, params: dict[str, list[str]]) -> tuple[int, Any]:
        time.sleep(1.5)
        return ok(jobid="late")

    with FakeScrapyd(slow) as server:
        node = ScrapydNode(NodeAddress(server.url), timeout=0.3)
        started = time.monotonic()
        with pytest.raises(NodeNoAnswer, match="no answer") as failure:
            node.schedule("dccrawl", "gallery", "j", {}, {})
        assert time.monotonic() - started < 1.4
    assert failure.value.may_have_acted


def test_an_answer_that_is_not_json_is_refused() -> None:
    with (
        FakeScrapyd(lambda path, params: (200, "not a dict")) as server,
        pytest.raises(NodeRefused, match="not scrapyd's JSON"),
    ):
        ScrapydNode(NodeAddress(server.url)).daemon_status()


def test_credentials_are_the_address_alone_sent_as_utf8(no_netrc: Path) -> None:
    """requests' own ~/.netrc fallback stays off: parse_node has already read it."""
    netrc = no_netrc / ".netrc"
    netrc.write_text("default login alice password wonder\n")
    netrc.chmod(0o600)
    with FakeScrapyd(lambda path, params: ok()) as server:
        ScrapydNode(NodeAddress(server.url)).daemon_status()
        ScrapydNode(NodeAddress(server.url, 1, "zoë", None)).daemon_status()
    assert [header for *_, header in server.requests] == [
        None,
        "Basic " + b64encode("zoë:".encode()).decode(),
    ]


def test_an_http_error_status_is_a_refusal_and_a_missing_job_id_is_the_one_given() -> None:
    with FakeScrapyd(lambda path, params: (500, {"status": "ok", "jobid": "other"})) as server:
        node = ScrapydNode(NodeAddress(server.url))
        with pytest.raises(NodeRefused, match="HTTP 500 Internal Server Error") as refused:
            node.schedule("dccrawl", "gallery", "j", {}, {})
    assert not refused.value.may_have_acted
    with FakeScrapyd(lambda path, params: ok()) as server:
        job = ScrapydNode(NodeAddress(server.url)).schedule("dccrawl", "gallery", "j", {}, {})
    assert job == "j"
