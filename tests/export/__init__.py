"""Tests of ``dccrawl/export``: the schemas, partitions, writers and the command, and
exports of a crawled replica gallery read back and compared with the database."""
