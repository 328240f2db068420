"""Where items end up: the PostgreSQL connection, its schema and the batch writer.

* ``connect`` resolves which database to use (``DATABASE_URL`` or an embedded server);
* ``redact`` hides passwords in anything that is logged;
* ``migrate`` brings the schema up to date from ``migrations/*.sql``;
* ``rows`` turns items into clean row tuples;
* ``writer`` writes a batch of rows (COPY, then one upsert per table);
* ``queries`` holds the read-side SQL the README documents;
* ``cli`` adds ``psql``, ``migrate`` and ``dburl`` to ``python -m dccrawl``.
"""
