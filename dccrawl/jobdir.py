"""A Scrapy ``JOBDIR`` that cannot lie: which job it belongs to, and whether it closed cleanly.

Scrapy keeps a paused job in ``JOBDIR``: the pending requests (``requests.queue/``,
whose index ``active.json`` is written only when the scheduler closes), the
fingerprints of every request ever scheduled (``requests.seen``, appended as the
crawl goes) and ``spider.state`` (pickled at close). After a clean stop (one
SIGTERM or Ctrl-C) the three agree and the next run resumes exactly. After a
SIGKILL, a second Ctrl-C or a crash they do not: the queue's index is stale or
empty while ``requests.seen`` already holds list page 1, so a resumed run filters
its own start request, does nothing, and used to say "complete".

So dccrawl writes ``dccrawl-job.json`` beside Scrapy's files:

* ``identity``: the spider, its arguments and the base URL. A JOBDIR made for
  another gallery, base URL or argument set is refused (:class:`JobDirRefused`,
  exit 2) instead of being half-used.
* ``state``: ``running`` from the moment a run starts until its spider has closed
  (after the scheduler persisted its queue), then ``closed``, or ``lost`` when that
  run lost something (pages given up on, items never written because the database
  was down, callbacks that raised): their requests are in ``requests.seen``, so a
  resume would never fetch them again. A run that finds ``running`` (the previous
  one did not close cleanly) or ``lost`` cannot prove which requests were done, so
  it drops Scrapy's queue, seen-set and state and starts the job over. Re-reading
  is safe: list pages are cheap and every stored row is an idempotent upsert.

Why not resume from dccrawl's own ledger in PostgreSQL instead? Measured on the
replica (README, "Reliability"), a start-over after a kill re-fetches what the
killed run had done, at list-crawl speed; resuming from the database would skip
stored posts' view pages but must then prove their comments complete, which needs
the per-post comment ledger that is a separate piece of work. Until then the
start-over is the choice that can never skip a page.

This module knows files only (no Scrapy engine): ``dccrawl/extensions/jobdir.py``
wires it into a crawl, the crawl command checks identities before Scrapy starts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "dccrawl-job.json"
# Scrapy's own JOBDIR contents (scheduler queue, dupefilter, SpiderState extension).
SCRAPY_FILES = ("requests.queue", "requests.seen", "spider.state")

RUNNING, CLOSED, LOST = "running", "closed", "lost"
NEW, RESUMED, RESTARTED = "new", "resumed", "restarted"


class JobDirRefused(ValueError):
    """The JOBDIR belongs to another job (or to no known one); the message says which."""


@dataclass(frozen=True)
class Opened:
    """What :func:`open_jobdir` found: ``new``, ``resumed`` or ``restarted`` (and why)."""

    outcome: str
    reason: str = ""


def identity(spider: str, arguments: Mapping[str, object], base_url: str) -> dict[str, Any]:
    """The job a JOBDIR belongs to: spider name, its arguments as given, and the site."""
    return {
        "spider": spider,
        "arguments": {str(k): str(v) for k, v in sorted(arguments.items()) if v is not None},
        "base_url": base_url.rstrip("/"),
    }


def _manifest(jobdir: Path) -> dict[str, Any] | None:
    path = jobdir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise JobDirRefused(f"JOBDIR {jobdir}: {MANIFEST} is unreadable ({error})") from None
    if not isinstance(data, dict):
        raise JobDirRefused(f"JOBDIR {jobdir}: {MANIFEST} is not a job description")
    return data


def _has_scrapy_state(jobdir: Path) -> bool:
    return any((jobdir / name).exists() for name in SCRAPY_FILES)


def _differences(recorded: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """``["base_url http://a (this run: http://b)", "argument pages=1-5 (this run: none)"]``."""
    found = []
    for key in ("spider", "base_url"):
        if recorded.get(key) != wanted.get(key):
            found.append(f"{key} {recorded.get(key)} (this run: {wanted.get(key)})")
    old, new = recorded.get("arguments") or {}, wanted.get("arguments") or {}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            found.append(
                f"argument {name}={old.get(name, '(none)')} (this run: {new.get(name, 'none')})"
            )
    return found


def check_jobdir(jobdir: str | os.PathLike[str], wanted: Mapping[str, Any]) -> None:
    """Raise :class:`JobDirRefused` when ``jobdir`` belongs to a job other than ``wanted``.

    An empty or missing folder is fine (a new job). Scrapy state without dccrawl's
    manifest is refused: nothing says which job it was."""
    path = Path(jobdir)
    recorded = _manifest(path)
    if recorded is None:
        if _has_scrapy_state(path):
            raise JobDirRefused(
                f"JOBDIR {path} holds a Scrapy job that dccrawl did not record the arguments "
                "of; use an empty folder for a new job"
            )
        return
    differences = _differences(recorded.get("identity") or {}, wanted)
    if differences:
        raise JobDirRefused(
            f"JOBDIR {path} belongs to another job: {'; '.join(differences)}. "
            "Resume it with the same arguments and settings, or use an empty folder"
        )


def _write(jobdir: Path, wanted: Mapping[str, Any], state: str, why: str = "") -> None:
    """Replace the manifest atomically (a kill mid-write leaves the old one or the new)."""
    jobdir.mkdir(parents=True, exist_ok=True)
    temporary = jobdir / f".{MANIFEST}.{os.getpid()}"
    manifest: dict[str, Any] = {"identity": dict(wanted), "state": state}
    if why:
        manifest["why"] = why
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    temporary.replace(jobdir / MANIFEST)


def _discard_scrapy_state(jobdir: Path) -> None:
    for name in SCRAPY_FILES:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def open_jobdir(jobdir: str | os.PathLike[str], wanted: Mapping[str, Any]) -> Opened:
    """Get ``jobdir`` ready for a run of ``wanted`` and mark it running.

    Must run before Scrapy's scheduler and dupefilter open their files there.
    Raises :class:`JobDirRefused` for another job's folder."""
    path = Path(jobdir)
    check_jobdir(path, wanted)
    recorded = _manifest(path)
    if recorded is None:
        opened = Opened(NEW)
    elif recorded.get("state") == CLOSED:
        opened = Opened(RESUMED)
    elif recorded.get("state") == LOST:
        _discard_scrapy_state(path)
        opened = Opened(
            RESTARTED,
            f"the run that used it last lost data ({recorded.get('why') or 'see its log'}); "
            "what it lost is marked seen in its queue",
        )
    else:
        _discard_scrapy_state(path)
        opened = Opened(
            RESTARTED,
            "the run that used it last did not close cleanly (killed, forced to stop, "
            "or crashed), so its queue cannot be trusted",
        )
    _write(path, wanted, RUNNING)
    return opened


def close_jobdir(jobdir: str | os.PathLike[str], wanted: Mapping[str, Any], lost: str = "") -> None:
    """Mark ``jobdir`` closed (Scrapy has persisted its queue, a next run may resume it),
    or, when the run ``lost`` something (a few words saying what), to be started over."""
    _write(Path(jobdir), wanted, LOST if lost else CLOSED, lost)
