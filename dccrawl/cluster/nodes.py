"""A scrapyd node through its HTTP API: daemonstatus, listprojects, listjobs, schedule, cancel,
and the job logs it serves.

The calls are scrapyd-client's :class:`scrapyd_client.ScrapydClient` (scrapyd-client
is here anyway for ``scrapyd-deploy``): it knows the endpoints, how ``schedule.json``
takes its parameters and where the job id is in the answer. Own code remains for what
it lacks:

* a timeout. ScrapydClient calls ``requests`` without one, so a node that takes a
  request and never answers would hold dispatching for ever. :class:`_Client`
  overrides ``_get`` and ``_post``, the only two places where it calls ``requests``,
  to pass ``timeout`` (connect and read, ``DEFAULT_TIMEOUT`` unless told).
* telling failures apart. ScrapydClient lets ``requests``' exceptions through as they
  come, reads no HTTP status (a 401 comes out as ``MalformedResponse``) and fails on
  JSON that is not scrapyd's with ``KeyError``, ``TypeError`` or ``RuntimeError``.
  Dispatching must know whether a job may exist, so every failure is one of:

  * :class:`NodeUnreachable`: no connection was made (refused, unknown host,
    connect timeout, TLS refused); nothing was sent, so nothing was scheduled;
  * :class:`NodeRefused`: the node answered with an error (scrapyd's
    ``{"status": "error"}``, an HTTP error status such as a wrong password, an
    answer that is not scrapyd's JSON); nothing was scheduled either;
  * :class:`NodeNoAnswer`: the request went out but no usable answer came back
    (read timeout, connection dropped): the node may have acted on it. urllib3
    reports a TLS handshake that times out, and a reset while the request is being
    sent, like failures after it: they count here, the safe side.

* credentials exactly as the :class:`NodeAddress` has them. ScrapydClient's
  ``get_auth`` looks in ``~/.netrc`` by itself and hands ``requests`` a ``None``
  password for a user without one (``requests`` warns, then sends "None"); here the
  user and password go as UTF-8 HTTP basic auth, and ``requests``' own ``~/.netrc``
  fallback is off. They come from the URL (``http://user:password@host:6800``) or,
  as ``scrapyd-deploy`` does, from ``~/.netrc``, read once by :func:`parse_node`; a
  node's URL is shown and stored without them.
* node addresses (``--nodes`` URLs and ``--capacity``): scrapyd-client has no parser
  for them, its targets come from ``scrapy.cfg``.
* typed answers (:class:`DaemonStatus`, :class:`JobList`), read leniently: a
  ``listjobs.json`` for a project the node does not have is an empty list, not an
  error.
"""

from __future__ import annotations

import json
import netrc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests
from requests import PreparedRequest
from requests.auth import HTTPBasicAuth
from scrapyd_client import ScrapydClient
from urllib3.exceptions import MaxRetryError

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


def job_log_url(node_url: str, project: str, spider: str, job_id: str) -> str:
    """Where a node serves a job's log: ``<node>/logs/<project>/<spider>/<job>.log`` (scrapyd's
    ``logs_dir``, behind the node's basic auth); ``node_url`` is shown without credentials."""
    path = "/".join(quote(part, safe="") for part in (project, spider, f"{job_id}.log"))
    return f"{node_url}/logs/{path}"


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


_HEADERS = {"Accept": "application/json", "User-Agent": "dccrawl-cluster"}


def _auth(address: NodeAddress) -> Callable[[PreparedRequest], PreparedRequest]:
    """The address's credentials as UTF-8 basic auth (``requests`` encodes str as Latin-1).

    Without a user, a no-op: being set, it also keeps ``requests`` from looking in ``~/.netrc``.
    """
    if address.username is None:
        return lambda request: request
    return HTTPBasicAuth(address.username.encode(), (address.password or "").encode())


def _cause(error: BaseException) -> BaseException:
    """The error underneath ``requests``' and urllib3's wrappers: the socket's says it best."""
    for _ in range(8):
        inner = error.__cause__ or next(
            (arg for arg in error.args if isinstance(arg, BaseException)), None
        )
        if inner is None:
            break
        error = inner
    return error


def _failure(where: str, error: requests.RequestException) -> NodeError:
    """``requests``' exception → unreachable (no connection made) or no answer (sent)."""
    if error.args and isinstance(error.args[0], MaxRetryError):
        # urllib3 gives up with MaxRetryError only before the request is sent (connect,
        # name, TLS, proxy): a read failure is re-raised as it is (retries: read=False)
        return NodeUnreachable(f"{where}: does not answer ({_cause(error)})")
    cause = _cause(error)
    return NodeNoAnswer(f"{where}: no answer ({type(cause).__name__}: {cause})")


def _answer(where: str, response: requests.Response) -> dict[str, Any]:
    """The decoded JSON of a ``"status": "ok"`` answer, else :class:`NodeRefused`."""
    code = response.status_code
    if code in (401, 403):
        raise NodeRefused(
            f"{where}: HTTP {code}: wrong or missing credentials "
            "(user:password@ in the URL, or ~/.netrc)"
        )
    if not 200 <= code < 300:
        raise NodeRefused(f"{where}: HTTP {code} {response.reason}")
    try:
        answer = json.loads(response.content)
    except ValueError:
        raise NodeRefused(f"{where}: the answer is not scrapyd's JSON") from None
    if not isinstance(answer, dict):
        raise NodeRefused(f"{where}: the answer is not scrapyd's JSON")
    if answer.get("status") != "ok":
        message = str(answer.get("message", answer)).strip()
        raise NodeRefused(f"{where}: {message}")
    return answer


class _Client(ScrapydClient):
    """ScrapydClient with a timeout on every request and every failure a :class:`NodeError`."""

    def __init__(self, address: NodeAddress, timeout: float) -> None:
        # Not ScrapydClient.__init__: it only sets url and auth, the latter through
        # get_auth, which reads ~/.netrc again and hands requests a None password.
        self.url = address.url
        self.auth = _auth(address)
        self.timeout = timeout

    def _get(self, basename: str, params: Any = None) -> dict[str, Any]:
        return self._request("GET", basename, params=params)

    def _post(self, basename: str, data: Any) -> dict[str, Any]:
        return self._request("POST", basename, data=data)

    def _request(self, method: str, basename: str, **payload: Any) -> dict[str, Any]:
        where = f"{self.url} ({basename}.json)"
        try:
            response = requests.request(
                method,
                f"{self.url}/{basename}.json",
                headers=_HEADERS,
                auth=self.auth,
                timeout=self.timeout,
                **payload,
            )
        except requests.RequestException as error:
            raise _failure(where, error) from None
        return _answer(where, response)


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

    def _client(self) -> _Client:
        return _Client(self.address, self.timeout)

    def daemon_status(self) -> DaemonStatus:
        data = self._client().daemonstatus()
        return DaemonStatus(
            node_name=str(data.get("node_name", "")),
            running=_count(data, "running"),
            pending=_count(data, "pending"),
            finished=_count(data, "finished"),
        )

    def list_projects(self) -> list[str]:
        # not ScrapydClient.projects(): it fails on an answer without a list of names
        projects = self._client()._get("listprojects").get("projects", [])
        return [str(p) for p in projects] if isinstance(projects, list) else []

    def list_jobs(self, project: str) -> JobList:
        """The project's jobs; an empty list when the node does not have the project at all."""
        try:
            data = self._client().jobs(project)
        except NodeRefused as error:
            if f"project '{project}' not found" in str(error):
                return JobList()
            raise
        return JobList(
            _ids(data.get("pending")), _ids(data.get("running")), _ids(data.get("finished"))
        )

    def cancel(self, project: str, job_id: str) -> str | None:
        """Cancel a job (``cancel.json``): a pending one leaves the queue, a running one gets
        scrapyd's default signal (SIGINT), which Scrapy takes as a graceful shutdown. The
        state the job was in; None when the node does not have it (finished, or unknown)."""
        try:
            answer = self._client().cancel(project, job_id)
        except NodeRefused as error:
            if f"project '{project}' not found" in str(error):
                return None
            raise
        state = answer.get("prevstate")
        return str(state) if state else None

    def job_log(self, project: str, spider: str, job_id: str) -> str | None:
        """The job's log as the node serves it now (a running job's so far); None when the
        node has none (a job still queued, a log rotated away, or ``logs_dir`` unset)."""
        url = job_log_url(self.url, project, spider, job_id)
        where = f"{self.url} (log of job {job_id})"
        try:
            response = requests.get(
                url,
                headers={"User-Agent": _HEADERS["User-Agent"]},
                auth=_auth(self.address),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise _failure(where, error) from None
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise NodeRefused(
                f"{where}: HTTP {response.status_code}: wrong or missing credentials "
                "(user:password@ in the URL, or ~/.netrc)"
            )
        if not 200 <= response.status_code < 300:
            raise NodeRefused(f"{where}: HTTP {response.status_code} {response.reason}")
        return response.content.decode("utf-8", errors="replace")

    def schedule(
        self,
        project: str,
        spider: str,
        job_id: str,
        arguments: Mapping[str, str],
        settings: Mapping[str, str],
    ) -> str:
        """Queue a job (``schedule.json``) under ``job_id``; returns the id scrapyd confirms."""
        params = [("jobid", job_id)]
        params += [("setting", f"{name}={value}") for name, value in settings.items()]
        params += [(name, str(value)) for name, value in arguments.items()]
        try:
            return str(self._client().schedule(project, spider, params))
        except KeyError:  # an "ok" answer without "jobid": queued under the one given
            return job_id
