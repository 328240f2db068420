"""``python -m dccrawl deploy [TARGET ...] [-a]``: ``scrapyd-deploy``, with an honest exit code.

``scrapyd-deploy -a`` (scrapyd-client 2.x) prints ``Deploy failed: ...`` for a target it
could not reach, and exits 0 all the same (measured), so a script that deploys a cluster
cannot tell a node left on the old code. This command builds the egg once with
``scrapyd-deploy --build-egg``, uploads it to each target with ``scrapyd-deploy TARGET
--egg``, judges each upload by scrapyd's own answer (``"status": "ok"``), prints one line
per target and exits 1 when any target failed (0 when all took it, 2 for an unknown
target). Targets are the ``[deploy:NAME]`` sections scrapyd-deploy reads (``scrapy.cfg``,
``~/.config/scrapy.cfg``), found with scrapyd-client's own reader.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scrapyd_client.utils import _get_targets

from dccrawl.db.redact import redact

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_ANSWER = re.compile(r"\{.*\}", re.DOTALL)


def scrapyd_deploy() -> str:
    """The ``scrapyd-deploy`` beside this Python (the project's virtual environment)."""
    beside = Path(sys.executable).with_name("scrapyd-deploy")
    return str(beside) if beside.exists() else "scrapyd-deploy"


@contextlib.contextmanager
def egg_build_lock(project: Path | None = None) -> Iterator[None]:
    """One egg build at a time for a project folder (default: this one).

    ``setup.py bdist_egg`` writes ``build/`` and ``dccrawl.egg-info/`` inside the folder,
    and two builds at once (two deploys, or the test suite's two workers each starting
    scrapyd nodes) break each other: one of them exits 1 (seen in CI). A lock file in the
    temporary folder, named after the project's path, serializes them."""
    folder = (project or Path.cwd()).resolve()
    digest = hashlib.sha1(str(folder).encode(), usedforsecurity=False).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"dccrawl-egg-build-{digest}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upload_verdict(returncode: int, output: str) -> tuple[bool, str]:
    """Whether an upload took (scrapyd answered ``"status": "ok"``), and a line saying so."""
    match = _ANSWER.search(output)
    answer: dict[str, object] = {}
    if match:
        try:
            answer = json.loads(match.group(0))
        except ValueError:
            answer = {}
    if returncode == 0 and answer.get("status") == "ok":
        return True, f"ok (version {answer.get('version')}, {answer.get('spiders')} spider(s))"
    failed = next((line for line in output.splitlines() if "failed" in line.lower()), "")
    why = failed or str(answer.get("message") or "") or output.strip()[-300:]
    return False, f"FAILED: {redact(why.strip()) or f'exit code {returncode}'}"


def cmd_deploy(args: argparse.Namespace) -> int:
    targets = _get_targets()
    names = sorted(targets) if args.all else list(args.targets)
    if not names:
        print("dccrawl: name a target or give -a (all targets)", file=sys.stderr)
        return EXIT_USAGE
    unknown = [name for name in names if name not in targets]
    if unknown:
        known = ", ".join(sorted(targets)) or "none"
        print(f"dccrawl: unknown target(s) {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return EXIT_USAGE
    with tempfile.TemporaryDirectory(prefix="dccrawl-deploy-") as folder:
        egg = Path(folder) / f"{args.project}.egg"
        with egg_build_lock():
            built = subprocess.run(
                [scrapyd_deploy(), "--build-egg", str(egg)],
                check=False,
                capture_output=True,
                text=True,
            )
        if built.returncode != 0 or not egg.exists():
            print(f"dccrawl: building the egg failed: {built.stderr.strip()[-500:]}")
            return EXIT_FAILED
        failed = 0
        for name in names:
            upload = subprocess.run(
                [scrapyd_deploy(), name, "-p", args.project, "--egg", str(egg)],
                check=False,
                capture_output=True,
                text=True,
            )
            ok, line = upload_verdict(upload.returncode, upload.stdout + upload.stderr)
            failed += not ok
            url = str(targets[name].get("url", "")).rstrip("/")
            print(f"{name} {url}: {line}", flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "deploy",
        help="build the egg once and upload it to scrapyd targets; exit 1 if any failed",
    )
    p.add_argument("targets", nargs="*", metavar="TARGET", help="[deploy:NAME] targets")
    p.add_argument("-a", dest="all", action="store_true", help="every target")
    p.add_argument("-p", dest="project", default="dccrawl", help="scrapyd project (dccrawl)")
    p.set_defaults(handler=cmd_deploy)
