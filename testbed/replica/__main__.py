"""``python -m testbed.replica serve ...`` / ``truth ...`` (see README.md for the contract)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from . import truth
from .cli import parse
from .server import run
from .states import build_states


def main(argv: Sequence[str] | None = None) -> int:
    args, options = parse(argv)
    if args.command == "serve":
        run(options, args.port)
        return 0
    states = build_states(options)
    media_base = args.media_base.rstrip("/") if args.media_base else None
    out = sys.stdout
    try:
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
