"""``python -m dccrawl``: see ``dccrawl.cli``."""

from dccrawl.cli import main

raise SystemExit(main())
