"""The exceptions the page parsers raise, so the spider can tell "retry" from "give up".

Parsers never let lxml, json or index errors escape: a page they cannot use is
reported as one of these, with a short reason for the log. Missing *fields* are
not errors — they come back as ``None`` — only a page that cannot be trusted as
a whole is.
"""

from __future__ import annotations


class PageError(Exception):
    """A response the parsers cannot turn into data; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BrokenPage(PageError):
    """Empty, truncated or malformed: the same request may well succeed when retried."""


class RefusedPage(PageError):
    """A complete answer that is not the page asked for (e.g. a comment call answered
    without comments): retrying unchanged is unlikely to help; refresh the context
    (the view page's token) or back off."""
