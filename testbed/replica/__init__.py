"""A local replica of gall.dcinside.com that the crawler's tests, demos and benchmarks crawl.

The real site cannot be reached from here, so this package serves the same URLs, markup,
JSON and failure signals over loopback (see README.md), and prints the ground truth of what
it serves (``python -m testbed.replica truth``) from its own data model. It deliberately
imports nothing from ``dccrawl``, ``spiders`` or ``pipelines``: a replica that shared the
crawler's parsing code would agree with the crawler by construction.
"""
