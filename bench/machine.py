"""The machine a run measured: what ``nproc``, ``lscpu`` and ``free -h`` say.

``bench/RESULTS.md`` records this next to the figures (``python -m bench
--machine`` prints it), because every figure here is a property of a crawl on a
particular machine: the same code is faster or slower elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess

_LSCPU_KEYS = ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor", "L2 cache")


def _run(command: list[str]) -> str:
    if shutil.which(command[0]) is None:
        return f"({command[0]} not installed)"
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=10)
    return completed.stdout.rstrip()  # (keep the leading blanks that align `free`'s header)


def describe() -> str:
    """``nproc``, the useful lines of ``lscpu`` and ``free -h``, as Markdown."""
    lscpu = [
        line.strip()
        for line in _run(["lscpu"]).splitlines()
        if line.split(":", 1)[0].strip() in _LSCPU_KEYS
    ]
    return "\n".join(
        [
            f"* `nproc`: {_run(['nproc']).strip()}",
            "* `lscpu`: " + "; ".join(" ".join(line.split()) for line in lscpu),
            "* `free -h`:",
            "",
            "```",
            _run(["free", "-h"]),
            "```",
        ]
    )
