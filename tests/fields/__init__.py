"""Unit tests of what a field means: ``dccrawl/normalize.py``, ``htmlclean.py``, ``loaders.py``."""
