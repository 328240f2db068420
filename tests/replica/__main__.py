"""``python -m tests.replica serve|truth ...``: the replica's command under its first name."""

from testbed.replica.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main())
