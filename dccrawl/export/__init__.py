"""``python -m dccrawl export``: a gallery's rows as files a data tool opens directly.

The rows travel top-down through one module each:

* ``schemas.py``: which tables and columns are exported, and each column's Arrow type
  (the one place that maps PostgreSQL types to file types);
* ``queries.py``: the SQL that counts and reads a table's rows for a gallery and a period;
* ``partitions.py``: which ``gallery_id=…/month=…`` folder a Parquet row goes to;
* ``writers.py``: Arrow record batches into Parquet (partitioned), CSV or JSON lines files;
* ``progress.py``: the progress and summary lines;
* ``exporter.py``: one database snapshot streamed through a server-side cursor into the
  writers, the files moved into place only when every table is written;
* ``cli.py``: the command, its arguments, messages and exit codes.
"""
