-- 0008: each shard keeps its job's data-quality report (dccrawl/runreport.py).
--
-- A sharded crawl's monitors run in its jobs, one per shard, on several nodes: the job
-- writes its report here when it closes (field coverage with the items checked, items kept
-- out for breaking the schema per field and rule, the drift that stopped it, blocks,
-- failed pages), and `python -m dccrawl status` merges the shards' reports into the
-- crawl's. NULL: the shard has not closed yet, or a job of an older egg closed it.

ALTER TABLE crawl_shards ADD COLUMN quality jsonb;
