"""Tests of ``dccrawl/db``: connection, migrations, rows, batch writing, queries."""
