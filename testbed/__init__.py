"""The local stand-ins that tests, benchmarks and the demo run against.

The real world is out of reach here (no internet, no real cluster), so this package
holds its replacements, each runnable on loopback:

* ``replica/``: a faithful replica of gall.dcinside.com (``python -m testbed.replica
  serve|truth``; ``python -m tests.replica ...`` is the same command, kept for the
  tools that call it by that name);
* ``scrapyd_nodes``: real scrapyd processes on free ports, and ``scrapyd-deploy`` onto them;
* ``databases``: throwaway PostgreSQL databases.

It imports nothing from ``dccrawl``, ``spiders`` or ``pipelines`` (``tests/test_layout.py``):
a replica that shared the crawler's code would agree with it by construction. It ships
with the source checkout, not in the scrapyd egg.
"""
