"""Where items end up: the PostgreSQL connection, its schema and the batch writer.

* ``connect`` resolves which database to use (``DATABASE_URL`` or an embedded server);
* ``redact`` hides passwords in anything that is logged;
* ``migrate`` brings the schema up to date from ``migrations/*.sql``;
* ``rows`` turns items into clean row tuples;
* ``connection`` keeps one connection open, reconnecting after a loss;
* ``buffer`` buffers rows and writes them in batches, retrying outages and isolating
  bad rows (both storage pipelines hold one);
* ``writer`` writes a batch of post and comment rows (COPY, then one upsert per table);
* ``media`` writes and looks up ``post_media`` rows;
* ``queries`` holds the read-side SQL the README documents;
* ``cli`` adds ``psql``, ``migrate`` and ``dburl`` to ``python -m dccrawl``.
"""
