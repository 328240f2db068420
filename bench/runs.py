"""Running a measured crawl process: the dccrawl crawler or the ceiling spider.

Both are separate processes, started the way a user starts them, pinned to the
crawler's core, with :mod:`bench.probe` added so that both are timed alike
(``spider_opened`` → ``spider_closed``) and the crawler's requests can be
replayed by the ceiling. While a process runs, its RSS can be sampled together
with a progress count. Its peak RSS is the kernel's high-water mark of the
process's memory (``VmHWM``), read at every sample and by the probe at
``spider_closed``, so a spike between two samples is not missed. (Not
``wait4``'s ``ru_maxrss``: it also counts the instant between fork and exec, when
the new process still shares this process's pages.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.replica import ROOT
from dccrawl import settings as project

PROBE = "bench.probe.RequestProbe"

# How every measured crawl fetches: no politeness delay against the local
# replica, the same concurrency for the crawler and the ceiling, INFO logs.
TRANSPORT: dict[str, str] = {
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "USER_AGENT": project.USER_AGENT,
}
# Scrapy engine settings the project tunes for speed (dccrawl/settings.py): the
# "tuned" ceiling gets them too, so it measures only what our own code adds.
ENGINE_TUNING = (
    "CONCURRENT_ITEMS",
    "LOG_FORMATTER",
    "STATS_CLASS",
    "SPIDER_MIDDLEWARES",
    "WARN_ON_GENERATOR_RETURN_VALUE",
)


class RunFailed(RuntimeError):
    """A measured process exited non-zero or wrote no summary: the figure would be a lie."""


@dataclass
class Sample:
    """One look at a running crawl: seconds since start, RSS in MiB, progress count."""

    seconds: float
    rss_mib: float
    progress: int


@dataclass
class Run:
    """What a measured process did (from its probe summary and the kernel)."""

    seconds: float  # spider_opened → spider_closed
    cpu_seconds: float  # the process's CPU in that window
    wall_seconds: float  # the whole process, start-up and shut-down included
    peak_rss_mib: float
    stats: dict[str, Any]
    samples: list[Sample] = field(default_factory=list)

    def stat(self, name: str) -> int:
        value = self.stats.get(name, 0)
        return int(value) if isinstance(value, int | float) else 0


def crawl_command(
    base_url: str,
    gallery: str,
    database_url: str,
    summary: Path,
    *,
    requests: Path | None = None,
    settings: Mapping[str, str] | None = None,
    arguments: Mapping[str, str] | None = None,
) -> list[str]:
    """``python -m scrapy crawl gallery`` against the replica, with the probe added."""
    extensions = {**project.EXTENSIONS, PROBE: 900}
    merged = {
        **TRANSPORT,
        "DCCRAWL_PROGRESS_INTERVAL": "0",
        "DCCRAWL_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "EXTENSIONS": json.dumps(extensions),
        "BENCH_PROBE_SUMMARY": str(summary),
        **(settings or {}),
    }
    if requests is not None:
        merged["BENCH_PROBE_REQUESTS"] = str(requests)
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery", "-a", f"gallery={gallery}"]
    for name, value in (arguments or {}).items():
        command += ["-a", f"{name}={value}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


def ceiling_command(requests: Path, summary: Path, *, tuned: bool) -> list[str]:
    """``python -m bench.ceiling`` replaying ``requests`` (tuned: with the engine tuning)."""
    settings = dict(TRANSPORT)
    if tuned:
        settings.update({name: _setting(getattr(project, name)) for name in ENGINE_TUNING})
    command = [sys.executable, "-m", "bench.ceiling", str(requests), str(summary)]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def _setting(value: object) -> str:
    """A settings value as ``-s NAME=VALUE`` text (dicts and numbers as JSON)."""
    return value if isinstance(value, str) else json.dumps(value)


def memory_mib(pid: int) -> tuple[float, float] | None:
    """(RSS, peak RSS) of a running process in MiB, from ``/proc/PID/status``."""
    found: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    if len(found) < 2:
        return None
    return found["VmRSS"], found["VmHWM"]


def run(
    command: Sequence[str],
    summary: Path,
    log: Path,
    *,
    prefix: Sequence[str] = (),
    progress: Callable[[], int] | None = None,
    interval: float = 1.0,
    timeout: float = 3600.0,
) -> Run:
    """Run ``command`` (on the core of ``prefix``) and read what its probe wrote.

    With ``progress``, the process's RSS is sampled every ``interval`` seconds
    together with ``progress()`` (e.g. view pages the replica has served).
    """
    summary.unlink(missing_ok=True)
    samples: list[Sample] = []
    peak = 0.0
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [*prefix, *command], cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
        while True:
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                process.kill()
                raise RunFailed(f"{command[2:5]} ran longer than {timeout:.0f} s; see {log}")
            if progress is not None:
                memory = memory_mib(process.pid)
                if memory is not None:
                    samples.append(Sample(elapsed, memory[0], progress()))
                    peak = max(peak, memory[1])
            time.sleep(interval if progress is not None else 0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0 or not summary.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RunFailed(f"exit {process.returncode}: {' '.join(command[:6])} …\n{tail}")
    data = json.loads(summary.read_text(encoding="utf-8"))
    return Run(
        seconds=float(data["seconds"]),
        cpu_seconds=float(data["cpu_seconds"]),
        wall_seconds=wall,
        peak_rss_mib=max(peak, (data.get("peak_rss_kib") or 0) / 1024),
        stats=data["stats"],
        samples=samples,
    )
