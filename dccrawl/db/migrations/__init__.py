"""Versioned schema migrations, applied in order by ``dccrawl.db.migrate``.

Each file is ``NNNN_name.sql`` (a four-digit version, then a short name). The
files are package data read through ``importlib.resources``, so they are found
inside a zipped scrapyd egg too. A migration runs in one transaction; never edit
a migration that has shipped, add the next number instead.
"""
