-- 0007: shards can be cancelled (`python -m dccrawl cancel`), and stay cancelled.
--
-- `cancel` stops a crawl's jobs on their nodes (scrapyd's cancel.json) and marks their
-- shards, and the crawl's waiting and failed ones, 'cancelled': `resume` and `watch
-- --resume` leave them alone; `resume --include-cancelled` sends them again.
--
-- A cancelled job does not stop at once (scrapyd sends it SIGINT, a graceful shutdown), and
-- then reports to its row like any job: it would mark it 'failed' (close reason `shutdown`),
-- or a job that was still queued somewhere could mark it 'running'. Those writes are dropped
-- here, in the database, whichever code writes them (jobs of an older egg included): a
-- cancelled shard changes state only
--   * to 'done': a job that finished its range anyway (it closed with reason `finished`,
--     every page fetched, every item written; its rows are in the database) still wins;
--   * to 'pending': `resume --include-cancelled` runs it again.
-- Any other change of state of a cancelled row is skipped (the UPDATE affects no row; the
-- writer's compare-and-set sees that nothing changed). Its other columns may still change.

ALTER TABLE crawl_shards DROP CONSTRAINT crawl_shards_state_check;
ALTER TABLE crawl_shards ADD CONSTRAINT crawl_shards_state_check
    CHECK (state IN ('pending', 'scheduled', 'running', 'done', 'failed', 'cancelled'));

CREATE FUNCTION crawl_shards_keep_cancelled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;  -- skip this row's update: see the trigger's WHEN below
END
$$;

CREATE TRIGGER crawl_shards_keep_cancelled
    BEFORE UPDATE ON crawl_shards
    FOR EACH ROW
    WHEN (OLD.state = 'cancelled' AND NEW.state NOT IN ('cancelled', 'pending', 'done'))
    EXECUTE FUNCTION crawl_shards_keep_cancelled();
