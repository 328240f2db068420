-- 0002: the shard ledger of distributed crawls on scrapyd nodes.
--
-- `python -m dccrawl schedule` splits one gallery crawl into shards, one row each;
-- the commands dispatch them to scrapyd nodes (schedule.json) and the spider's
-- shard extension (dccrawl/extensions/shard.py) reports back into the same row.
-- Times are the database clock (now()), the one clock every node and the command
-- line share.
--
-- States: pending (waiting for a free node) -> scheduled (handed to a node's
-- queue) -> running (the spider opened) -> done (closed with reason `finished`
-- and exit verdict 0, counts reported) | failed (closed any other way).
-- `resume` puts failed shards, and shards whose job vanished from its node, back
-- to pending.

CREATE TABLE crawl_shards (
    shard_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- the spider's -a shard=ID
    crawl_id       text        NOT NULL,  -- one `schedule` command; its shards share it
    shard_no       integer     NOT NULL,  -- 1..n within the crawl, in planning order
    gallery_id     text        NOT NULL,
    mode           text        NOT NULL CHECK (mode IN ('list', 'posts')),
    page_first     integer,               -- list mode: the list pages the shard held when planned
    page_last      integer,
    post_first     bigint,                -- the post numbers the shard owns; NULL: open end
    post_last      bigint,
    expected_posts integer     NOT NULL,  -- post numbers (posts) or list rows (list): for the ETA
    project        text        NOT NULL,  -- the scrapyd project its jobs run in
    spider         text        NOT NULL,
    arguments      jsonb       NOT NULL,  -- spider arguments of every attempt (shard=ID added at dispatch)
    settings       jsonb       NOT NULL,  -- Scrapy settings of every attempt; never DATABASE_URL
    state          text        NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'scheduled', 'running', 'done', 'failed')),
    node           text,                  -- scrapyd URL of the latest attempt, without credentials
    job_id         text,                  -- its scrapyd job id
    attempts       integer     NOT NULL DEFAULT 0,
    posts          bigint      NOT NULL DEFAULT 0,  -- post rows the latest attempt stored (live)
    comments       bigint      NOT NULL DEFAULT 0,  -- comment rows the latest attempt stored (live)
    close_reason   text,                  -- Scrapy's close reason of the latest attempt
    exit_code      integer,               -- its verdict (dccrawl/extensions/exitcode.py)
    error          text,                  -- why the latest attempt is not done, in words
    created_at     timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz,
    started_at     timestamptz,
    reported_at    timestamptz,           -- the latest report of a running job (a heartbeat)
    finished_at    timestamptz,
    UNIQUE (crawl_id, shard_no)
);

-- `status`, `watch` and `resume` read one crawl's shards, by state.
CREATE INDEX crawl_shards_crawl_state_idx ON crawl_shards (crawl_id, state);
-- "The latest crawl" (commands without --crawl).
CREATE INDEX crawl_shards_created_idx ON crawl_shards (created_at);
