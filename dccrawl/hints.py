"""How to spell a ``python -m dccrawl`` command in a hint: with the Python that runs now.

A hint that says ``python -m dccrawl retry`` fails for a user whose ``python`` is not
the project's virtual environment (the README's commands use ``.venv/bin/python``); the
interpreter running this process is the one that has dccrawl installed, so hints name it:
relative to the working folder when it is inside it (``.venv/bin/python``), else in full.
"""

from __future__ import annotations

import os
import sys


def python() -> str:
    """The running interpreter, as a user would type it from the working folder."""
    executable = sys.executable or "python"
    try:
        relative = os.path.relpath(executable)
    except ValueError:  # another drive (Windows)
        return executable
    return executable if relative.startswith("..") else relative


def dccrawl_command(arguments: str) -> str:
    """``.venv/bin/python -m dccrawl ARGUMENTS`` for the interpreter running now."""
    return f"{python()} -m dccrawl {arguments}"
