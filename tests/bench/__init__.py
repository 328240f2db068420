"""Tests of ``bench/``: figures and the ceiling spider."""
