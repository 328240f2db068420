"""``python -m dccrawl follow``: refresh galleries every interval (``cli.py`` says how).

``cli.py`` reads the command line; ``loop.py`` runs each gallery's cycles in turn, under
its lock; ``runners.py`` runs one cycle's crawl here or on a scrapyd node; ``stopping.py``
turns Ctrl-C and SIGTERM into a clean stop; ``report.py`` writes the line of a cycle.
The rows are ``dccrawl/db/cycles.py``'s, and the crawl fills its own
(``dccrawl/extensions/cycle.py``).
"""
