"""Distributed crawling on scrapyd nodes: shards, their ledger, and dispatch.

One gallery crawl is split into shards (``planning``; for list mode the
boundaries come from the site's list pages, read by ``probe``), one row each in
the ``crawl_shards`` table (``ledger``). Shards are handed to scrapyd nodes
through their HTTP API (``nodes``), never more than a node's free capacity and
always to the least loaded one (``dispatch``). The spider reports back into the
same row (``dccrawl/extensions/shard.py``). ``reconcile`` compares the ledger
with the nodes' job lists to find shards whose job failed or vanished;
``healing`` is what ``watch`` learns from the nodes each round and, with
``--resume``, how it runs failed and lost shards again by itself;
``operations`` cancels a crawl's jobs and fetches their logs; ``report`` turns
the ledger into the progress table; ``cli`` adds the ``nodes``, ``schedule``,
``watch``, ``status``, ``resume``, ``cancel`` and ``logs`` commands to
``python -m dccrawl``.
"""
