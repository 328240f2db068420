"""dccrawl's benchmarks: ``python -m bench`` (all figures) or ``python -m bench --quick``.

Scripts, not timed tests: each figure is measured on the machine at hand and
printed as one JSON line (``name``, ``value``, ``unit``, and where the project
has a target, ``target``, ``comparison`` and ``meets``). ``bench/README.md``
says what each figure measures and how; ``bench/RESULTS.md`` records a run.
"""
