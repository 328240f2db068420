"""Real scrapyd processes for the cluster tests, and ``scrapyd-deploy`` onto them.

Each node runs ``python -m scrapyd`` in a folder of its own (its
``scrapyd.conf``, eggs, logs and SQLite queue and job databases), on a free
loopback port, with basic auth, in a process group of its own so a test can
kill it *with* its running crawl processes (SIGKILL to the group), as a machine
that dies would. Its environment has no ``PYTHONPATH`` and its working folder is
outside the project, so its jobs can only import dccrawl from the deployed egg.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from pathlib import Path
from typing import Any

USERNAME = "dccrawl"
PASSWORD = "s3cret-node"
SCRAPYD_DEPLOY = str(Path(sys.executable).with_name("scrapyd-deploy"))
# The environment a node must not inherit from the test process.
_HIDDEN = ("PYTHONPATH", "DATABASE_URL", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")

# The node configuration the README ships; each test node changes only these.
# The project checkout: scrapyd-deploy runs there, and its deploy/ holds the node config.
ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "deploy" / "scrapyd.conf"


def node_config(root: Path, port: int, max_proc: int, poll_interval: float) -> str:
    """``deploy/scrapyd.conf`` with this node's port, folders, credentials and pace."""
    config = configparser.ConfigParser()
    config.read(SHIPPED_CONFIG)
    config["scrapyd"].update(
        {
            "http_port": str(port),
            "username": USERNAME,
            "password": PASSWORD,
            "max_proc": str(max_proc),
            "poll_interval": str(poll_interval),
            "eggs_dir": str(root / "eggs"),
            "logs_dir": str(root / "logs"),
            "dbs_dir": str(root / "dbs"),
        }
    )
    text = io.StringIO()
    config.write(text)
    return text.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``."""
    members: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


class ScrapydNode:
    """One scrapyd process; ``start`` again after ``kill`` reuses its folder, port and databases."""

    def __init__(self, root: Path, *, max_proc: int = 2, poll_interval: float = 0.5) -> None:
        self.root = root
        self.port = free_port()
        self.max_proc = max_proc
        self.poll_interval = poll_interval
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        (root / "scrapyd.conf").write_text(node_config(root, self.port, max_proc, poll_interval))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def login_url(self) -> str:
        """The URL with credentials, as ``--nodes`` takes it."""
        return f"http://{USERNAME}:{PASSWORD}@127.0.0.1:{self.port}"

    def api(self, endpoint: str) -> dict[str, Any]:
        """GET an endpoint with the node's credentials."""
        request = urllib.request.Request(
            f"{self.url}/{endpoint}",
            headers={
                "Authorization": "Basic " + b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data

    def post(self, endpoint: str, form: list[tuple[str, str]]) -> dict[str, Any]:
        """POST a form to an endpoint (``schedule.json``…) with the node's credentials."""
        request = urllib.request.Request(
            f"{self.url}/{endpoint}",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": "Basic " + b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data

    def start(self, timeout: float = 60) -> None:
        """Launch the node and wait until it answers."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the scrapyd process (see :meth:`wait_ready`)."""
        env = {k: v for k, v in os.environ.items() if k not in _HIDDEN}
        log = (self.root / "scrapyd.out").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scrapyd", "--pidfile="],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes its crawls too
        )
        log.close()

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the node answers ``daemonstatus.json``."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {self.output()[-3000:]}")
            with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
                if self.api("daemonstatus.json").get("status") == "ok":
                    return
            time.sleep(0.2)
        raise RuntimeError(f"scrapyd did not answer within {timeout}s: {self.output()[-3000:]}")

    def output(self) -> str:
        path = self.root / "scrapyd.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def running_pids(self) -> list[int]:
        """Process ids of the crawls the node runs now."""
        return [int(job["pid"]) for job in self.api("listjobs.json")["running"]]

    def kill(self) -> list[int]:
        """SIGKILL scrapyd and every crawl it runs, as a power cut would; returns their pids."""
        assert self.proc is not None
        pgid = self.proc.pid
        members = _group_members(pgid)
        os.killpg(pgid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.proc = None
        deadline = time.monotonic() + 30
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return members

    def stop(self) -> None:
        """SIGTERM the node and its crawls; SIGKILL what is left after a while."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        deadline = time.monotonic() + 20
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
        self.proc = None


def deploy_config(folder: Path, targets: dict[str, ScrapydNode]) -> dict[str, str]:
    """A scrapy.cfg with one ``[deploy:NAME]`` per node, found through ``XDG_CONFIG_HOME``;
    returns the environment that makes ``scrapyd-deploy`` read it."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = [
        f"[deploy:{name}]\nurl = {node.url}\nproject = dccrawl\n"
        f"username = {USERNAME}\npassword = {PASSWORD}\n"
        for name, node in targets.items()
    ]
    (folder / "scrapy.cfg").write_text("\n".join(sections))
    env = {k: v for k, v in os.environ.items() if k not in _HIDDEN}
    env["XDG_CONFIG_HOME"] = str(folder)
    return env


def scrapyd_deploy(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start the real ``scrapyd-deploy`` in the project folder; ``communicate()`` waits."""
    return subprocess.Popen(
        [SCRAPYD_DEPLOY, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
