"""Tests of the site replica (``testbed/replica``), and its command's first name.

``python -m tests.replica serve|truth ...`` is a contract other tools rely on: the
replica lived here first. ``__main__`` and ``bench`` forward to ``testbed.replica``.
"""
