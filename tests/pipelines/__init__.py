"""Tests of ``pipelines/``: dedup, PostgreSQL and media storage."""
