"""Running one follow cycle's crawl to its end: here, or as a job on a scrapyd node.

Both run ``gallery`` with ``-a gallery=ID -a refresh=HORIZON -a cycle=CYCLE_ID`` and the
command's ``-s`` settings, and both leave the outcome to the crawl, which writes it
into its cycle row (``dccrawl/extensions/cycle.py``); a runner only says what it knows
of how the crawl ended (:class:`RunEnd`), for a crawl that could not report.

Stopping (:class:`~dccrawl.follow.stopping.Stop`):

* a local crawl runs in a process group of its own, so a Ctrl-C on the terminal reaches
  only ``follow``, which forwards each signal it gets to the crawl, once: the first makes
  Scrapy shut down gracefully (requests in flight are answered, buffered items written,
  the row reported ``stopped``), a second one forces it, as a second Ctrl-C would;
* a scrapyd job is cancelled (``cancel.json``: scrapyd sends it SIGINT, the same graceful
  shutdown) and waited for until it has ended and reported; a second signal stops the
  waiting and leaves the job to end on its own (its report still lands in the row).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from dccrawl.cluster.dispatch import DispatchReport, node_loads, pick_node
from dccrawl.cluster.nodes import NodeError, ScrapydNode
from dccrawl.db.cycles import Cycle
from dccrawl.follow.stopping import Stop
from dccrawl.project import SETTINGS_MODULE

SPIDER = "gallery"
LOCAL_POLL = 0.2  # seconds between looks at a local crawl and the stop requests
MISSING_CHECKS = 3  # a job the node does not list this many checks in a row has vanished

# A node URL and job id, recorded in the cycle's row before the job is scheduled.
RecordJob = Callable[[str, str], None]
Warn = Callable[[str], None]


@dataclass(frozen=True)
class RunEnd:
    """How a cycle's crawl ended, as far as the runner knows."""

    exit_code: int | None  # the local crawl's exit code (a signal N: 128 + N); None: a job
    reason: str  # the cycle's reason when the crawl did not report one itself


class Runner(Protocol):
    """Runs one cycle's crawl to its end."""

    def describe(self) -> str: ...

    def run(self, cycle: Cycle, stop: Stop, record_job: RecordJob) -> RunEnd: ...


def spider_arguments(cycle: Cycle) -> dict[str, str]:
    """The crawl's ``-a`` arguments: the gallery (and its kind, once a crawl stored it: no
    probe requests), its horizon and the cycle row to fill."""
    arguments = {"gallery": cycle.gallery_id}
    if cycle.kind:
        arguments["kind"] = cycle.kind
    return {**arguments, "refresh": cycle.horizon, "cycle": str(cycle.cycle_id)}


def exit_reason(code: int) -> str:
    """What an exit code says about a crawl that did not record its outcome."""
    if code < 0:
        return f"the crawl was killed by {signal.Signals(-code).name}"
    return f"the crawl exited with code {code} without recording its outcome (its log says why)"


class LocalRunner:
    """Each cycle is ``scrapy crawl gallery`` in a subprocess of this machine."""

    def __init__(self, overrides: Mapping[str, str], log_dir: Path | None = None) -> None:
        self.overrides = dict(overrides)
        self.log_dir = log_dir

    def describe(self) -> str:
        return "crawls here" + (f", their logs in {self.log_dir}" if self.log_dir else "")

    def command(self, cycle: Cycle) -> list[str]:
        """The ``scrapy crawl`` command of a cycle."""
        command = [sys.executable, "-m", "scrapy", "crawl", SPIDER]
        for name, value in spider_arguments(cycle).items():
            command += ["-a", f"{name}={value}"]
        for name, value in self.overrides.items():
            command += ["-s", f"{name}={value}"]
        return command

    def log_path(self, cycle: Cycle) -> Path | None:
        if self.log_dir is None:
            return None
        return self.log_dir / f"follow-{cycle.gallery_id}-{cycle.cycle_no}.log"

    def run(self, cycle: Cycle, stop: Stop, record_job: RecordJob) -> RunEnd:
        if stop.requested:
            return RunEnd(None, "the crawl was not started")
        env = dict(os.environ)
        env.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)  # runs outside the project
        path = self.log_path(cycle)
        log: IO[bytes] | None = path.open("ab") if path else None
        try:
            process = subprocess.Popen(
                self.command(cycle),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
                process_group=0,  # a terminal's Ctrl-C reaches follow only: it forwards one
            )
        finally:
            if log is not None:
                log.close()
        forwarded = 0
        while True:
            try:
                code = process.wait(timeout=LOCAL_POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            if stop.count > forwarded:
                forwarded = stop.count
                with suppress(ProcessLookupError):
                    process.send_signal(stop.signum)
        return RunEnd(128 - code if code < 0 else code, exit_reason(code))


class NodeRunner:
    """Each cycle is a job on the scrapyd node with the most free slots (the least loaded
    one when all are busy: the job then waits in its queue)."""

    def __init__(
        self,
        nodes: Sequence[ScrapydNode],
        *,
        project: str,
        overrides: Mapping[str, str],
        interval: float,
        warn: Warn,
    ) -> None:
        self.nodes = list(nodes)
        self.project = project
        self.overrides = dict(overrides)
        self.interval = interval
        self.warn = warn
        # One gallery at a time reads the nodes' load and schedules: the job it sends is
        # in the node's queue (and its load) before the next gallery looks.
        self._scheduling = threading.Lock()

    def describe(self) -> str:
        return f"scrapyd jobs on {', '.join(node.url for node in self.nodes)}"

    @staticmethod
    def job_id(cycle: Cycle) -> str:
        """The job id of a cycle: readable in scrapyd's web UI and logs, unique."""
        return f"follow-{cycle.gallery_id}-{cycle.cycle_no}-{cycle.cycle_id}"

    def _pick(self) -> tuple[ScrapydNode | None, list[str]]:
        report = DispatchReport()
        loads = node_loads(self.nodes, report)
        if not loads:
            return None, report.problems
        order = {id(load): index for index, load in enumerate(loads)}
        load = pick_node(loads) or min(
            loads, key=lambda load: (load.busy / load.capacity, order[id(load)])
        )
        return load.node, report.problems

    def run(self, cycle: Cycle, stop: Stop, record_job: RecordJob) -> RunEnd:
        if stop.requested:
            return RunEnd(None, "the job was not scheduled")
        job_id = self.job_id(cycle)
        with self._scheduling:
            node, problems = self._pick()
            for problem in problems:
                self.warn(f"follow {cycle.gallery_id}: {problem}")
            if node is None:
                return RunEnd(None, "no scrapyd node answers")
            record_job(node.url, job_id)
            try:
                node.schedule(self.project, SPIDER, job_id, spider_arguments(cycle), self.overrides)
            except NodeError as error:
                if not error.may_have_acted:
                    return RunEnd(None, f"the job was not scheduled: {error}")
                self.warn(f"follow {cycle.gallery_id}: {error}; watching for job {job_id} anyway")
        return self._watch(node, job_id, stop)

    def _watch(self, node: ScrapydNode, job_id: str, stop: Stop) -> RunEnd:
        """Wait until the node lists the job as finished (or cancel it on a stop)."""
        cancelled = False
        missing = 0
        unreachable = False
        where = f"job {job_id} on {node.url}"
        while True:
            if stop.requested and not cancelled:
                cancelled = True
                try:
                    if node.cancel(self.project, job_id) == "pending":
                        return RunEnd(None, f"{where} was cancelled before it started")
                except NodeError as error:
                    self.warn(f"{where} could not be cancelled ({error}); it runs to its end")
            if stop.forced:
                return RunEnd(None, f"follow stopped waiting for {where}")
            try:
                state = node.list_jobs(self.project).state_of(job_id)
                unreachable = False
            except NodeError as error:
                if not unreachable:
                    self.warn(f"cannot check {where} ({error}); trying again")
                unreachable = True
                state = "unknown"
            if state == "finished":
                return RunEnd(
                    None, f"{where} ended without recording its outcome (its log says why)"
                )
            missing = missing + 1 if state is None else 0
            if missing >= MISSING_CHECKS:
                return RunEnd(None, f"{where} vanished from the node")
            stop.wait(self.interval)
