"""``python -m dccrawl report``: one self-contained HTML page of charts and tables per gallery.

The data's path, one module each:

* ``period.py``  what ``--since``/``--until`` mean (KST days) and the SQL bounds they give;
* ``data.py``    the report's content as small frozen dataclasses (no SQL, no drawing);
* ``queries.py`` PostgreSQL → those dataclasses: every count is a ``GROUP BY`` in SQL, so a
                 gallery of 300,000 posts is never loaded into Python;
* ``charts.py``  the dataclasses → inline SVG strings, drawn by matplotlib (no Hangul);
* ``page.py``    the dataclasses and the SVGs → one HTML document (Korean text escaped);
* ``cli.py``     the ``report`` command: finds the database, writes the file.
"""
