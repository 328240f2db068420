"""Tests of ``dccrawl/cluster``: planning, the shard ledger, scrapyd nodes (real ones too)."""
