"""A scrapyd node through its HTTP API: daemonstatus, listprojects, listjobs, schedule.

Plain ``urllib`` (no dependency beyond the standard library), a timeout on every
call, and HTTP basic auth when the node has credentials: from the URL
(``http://user:password@host:6800``) or, as ``scrapyd-deploy`` does, from
``~/.netrc``. A node's URL is shown and stored without them.

Failures are told apart because dispatching must know whether a job may exist:

* :class:`NodeUnreachable`: no connection was made (refused, unknown host,
  connect timeout); nothing was sent, so nothing was scheduled;
* :class:`NodeRefused`: the node answered with an error (scrapyd's
  ``{"status": "error"}``, a wrong password, an unknown project); nothing was
  scheduled either;
* :class:`NodeNoAnswer`: the request went out but no usable answer came back
  (read timeout, connection dropped): the node may have acted on it.
"""

from __future__ import annotations

import base64
import http.client
import json
import netrc
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

DEFAULT_TIMEOUT = 10.0
JobState = Literal["pending", "running", "finished"]


class NodeError(Exception):
    """A scrapyd call failed; the message names the node and says why."""

    may_have_acted = False


class NodeUnreachable(NodeError):
    """No connection could be made: nothing reached the node."""


class NodeRefused(NodeError):
    """The node answered with an error: it did not do what was asked."""


class NodeNoAnswer(NodeError):
    """The request was sent but no usable answer came back: the node may have acted on it."""

    may_have_acted = True


@dataclass(frozen=True)
class NodeAddress:
    """Where a node is, how to log in, and how many jobs it may run at once.

    ``url`` is normalized (no credentials, no trailing slash: scrapyd-client 2.x
    and ``urljoin`` both mishandle one); ``capacity`` is what dispatching fills
    it up to, normally the node's ``max_proc``.
    """

    url: str
    capacity: int = 1
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def normalize_url(spec: str) -> tuple[str, str | None, str | None]:
    """``spec`` → (URL without credentials or trailing slash, username, password).

    Raises ``ValueError`` with a readable message for anything that is not an
    http(s) URL with a host.
    """
    text = spec.strip()
    if "://" not in text:
        text = "http://" + text  # "host:6800" is what people type
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{spec!r} is not a scrapyd URL such as http://10.0.0.2:6800")
    if parts.query or parts.fragment:
        raise ValueError(f"{spec!r}: a scrapyd URL has no ?query or #fragment")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{spec!r}: the port is not a number") from None
    host = parts.hostname
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    url = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return url, username, password


def netrc_credentials(url: str) -> tuple[str | None, str | None]:
    """The login and password ``~/.netrc`` holds for the URL's host, if any."""
    host = urlsplit(url).hostname or ""
    try:
        found = netrc.netrc().authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None, None
    if not found:
        return None, None
    login, _account, password = found
    return login or None, password or None


def parse_node(spec: str, capacity: int = 1) -> NodeAddress:
    """One ``--nodes`` entry → a :class:`NodeAddress` (credentials from the URL, else ~/.netrc)."""
    if capacity < 1:
        raise ValueError(f"capacity {capacity} for {spec!r}: a node runs at least one job")
    url, username, password = normalize_url(spec)
    if username is None:
        username, password = netrc_credentials(url)
    return NodeAddress(url, capacity, username, password)


def parse_nodes(text: str, capacities: str | None = None) -> list[NodeAddress]:
    """``--nodes URL[,URL...]`` with ``--capacity N`` (every node) or ``N,N,...`` (one per node)."""
    specs = [part for part in (p.strip() for p in text.split(",")) if part]
    if not specs:
        raise ValueError("--nodes names no node; give URLs such as http://10.0.0.2:6800")
    numbers = [c.strip() for c in (capacities or "1").split(",")]
    if not all(n.isdigit() for n in numbers):
        raise ValueError(f"--capacity {capacities!r}: expected N or N,N,... (whole numbers)")
    if len(numbers) == 1:
        numbers *= len(specs)
    if len(numbers) != len(specs):
        raise ValueError(
            f"--capacity gives {len(numbers)} numbers for {len(specs)} nodes: "
            "give one for all nodes or one per node"
        )
    nodes = [parse_node(spec, int(n)) for spec, n in zip(specs, numbers, strict=True)]
    urls = [node.url for node in nodes]
    duplicates = sorted({url for url in urls if urls.count(url) > 1})
    if duplicates:
        raise ValueError(f"--nodes names {', '.join(duplicates)} more than once")
    return nodes


@dataclass(frozen=True)
class DaemonStatus:
    """``daemonstatus.json``: jobs the node runs, has queued and has finished (all projects)."""

    node_name: str
    running: int
    pending: int
    finished: int


@dataclass(frozen=True)
class JobList:
    """``listjobs.json`` of one project: job ids by state."""

    pending: frozenset[str] = frozenset()
    running: frozenset[str] = frozenset()
    finished: frozenset[str] = frozenset()

    def state_of(self, job_id: str) -> JobState | None:
        """Where the node has the job, or None when it has never heard of it (or forgot it)."""
        if job_id in self.running:
            return "running"
        if job_id in self.pending:
            return "pending"
        if job_id in self.finished:
            return "finished"
        return None


def _ids(entries: object) -> frozenset[str]:
    if not isinstance(entries, list):
        return frozenset()
    return frozenset(str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e)


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    return value if isinstance(value, int) else 0


class ScrapydNode:
    """Calls to one scrapyd node; every call raises a :class:`NodeError` subclass on failure."""

    def __init__(self, address: NodeAddress, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.address = address
        self.timeout = timeout

    @property
    def url(self) -> str:
        return self.address.url

    def __repr__(self) -> str:
        return f"ScrapydNode({self.address.url!r})"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "dccrawl-cluster"}
        if self.address.username is not None:
            pair = f"{self.address.username}:{self.address.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers

    def call(
        self,
        endpoint: str,
        params: Iterable[tuple[str, str]] = (),
        *,
        post: bool = False,
    ) -> dict[str, Any]:
        """One API call; the decoded JSON of a ``"status": "ok"`` answer."""
        query = urlencode(list(params))
        url = f"{self.address.url}/{endpoint}"
        data = None
        if post:
            data = query.encode()
        elif query:
            url = f"{url}?{query}"
        request = urllib.request.Request(url, data=data, headers=self._headers())
        where = f"{self.address.url} ({endpoint})"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise NodeRefused(
                    f"{where}: HTTP {error.code}: wrong or missing credentials "
                    "(user:password@ in the URL, or ~/.netrc)"
                ) from None
            raise NodeRefused(f"{where}: HTTP {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise NodeUnreachable(f"{where}: does not answer ({error.reason})") from None
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as error:
            raise NodeNoAnswer(f"{where}: no answer ({type(error).__name__}: {error})") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise NodeRefused(f"{where}: the answer is not scrapyd's JSON") from None
        if not isinstance(answer, dict):
            raise NodeRefused(f"{where}: the answer is not scrapyd's JSON")
        if answer.get("status") != "ok":
            message = str(answer.get("message", answer)).strip()
            raise NodeRefused(f"{where}: {message}")
        return answer

    def daemon_status(self) -> DaemonStatus:
        data = self.call("daemonstatus.json")
        return DaemonStatus(
            node_name=str(data.get("node_name", "")),
            running=_count(data, "running"),
            pending=_count(data, "pending"),
            finished=_count(data, "finished"),
        )

    def list_projects(self) -> list[str]:
        projects = self.call("listprojects.json").get("projects", [])
        return [str(p) for p in projects] if isinstance(projects, list) else []

    def list_jobs(self, project: str) -> JobList:
        """The project's jobs; an empty list when the node does not have the project at all."""
        try:
            data = self.call("listjobs.json", [("project", project)])
        except NodeRefused as error:
            if f"project '{project}' not found" in str(error):
                return JobList()
            raise
        return JobList(
            _ids(data.get("pending")), _ids(data.get("running")), _ids(data.get("finished"))
        )

    def schedule(
        self,
        project: str,
        spider: str,
        job_id: str,
        arguments: Mapping[str, str],
        settings: Mapping[str, str],
    ) -> str:
        """Queue a job (``schedule.json``) under ``job_id``; returns the id scrapyd confirms."""
        params = [("project", project), ("spider", spider), ("jobid", job_id)]
        params += [("setting", f"{name}={value}") for name, value in settings.items()]
        params += [(name, str(value)) for name, value in arguments.items()]
        answer = self.call("schedule.json", params, post=True)
        return str(answer.get("jobid", job_id))
