"""``python -m testbed.replica serve ...`` / ``truth ...`` (see README.md for the contract)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from . import changes, truth
from .activity import Timeline
from .cli import parse
from .server import run
from .states import GalleryKey, build_states


def main(argv: Sequence[str] | None = None) -> int:
    args, options = parse(argv)
    if args.command == "serve":
        run(options, args.port)
        return 0
    timelines: dict[GalleryKey, Timeline] = {}
    states = build_states(options, timelines=timelines)
    media_base = args.media_base.rstrip("/") if args.media_base else None
    out = sys.stdout
    try:
        if args.changes is not None:
            # The earlier epoch shares the galleries' timelines: each step computed once.
            old = build_states(options, epoch=args.changes, timelines=timelines)
            for spec in options.galleries:
                key = (spec.id, spec.kind)
                change = changes.record(old[key], states[key], args.changes, options.epoch)
                out.write(json.dumps(change, ensure_ascii=False))
                out.write("\n")
            out.flush()
            return 0
        for spec in options.galleries:
            for record in truth.records(states[(spec.id, spec.kind)], media_base):
                out.write(json.dumps(record, ensure_ascii=False))
                out.write("\n")
        out.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit-time flush
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
