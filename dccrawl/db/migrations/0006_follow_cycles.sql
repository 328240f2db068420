-- 0006: follow_cycles, one row per refresh cycle of `python -m dccrawl follow`.
--
-- `follow` inserts the row ('running') under the gallery's advisory lock, then runs the
-- crawl with `-a cycle=<cycle_id>`, here or as a scrapyd job. The crawl's cycle extension
-- (dccrawl/extensions/cycle.py) writes its counts, exit verdict and outcome into the row at
-- close; `follow` reads it back for its one line per cycle, and fills in what a crawl that
-- never reported (killed, never started) could not. Times are the database clock (now()),
-- the one clock the follow process and every node share.
--
-- outcome: running   the crawl runs (or has not reported yet)
--          ok        finished with exit verdict 0
--          failed    any other end (exit_code and reason say which)
--          stopped   follow was stopped (Ctrl-C, SIGTERM) or scrapyd cancelled the job
--          abandoned left 'running' by a follow that is gone (found by the next follow of
--                    the gallery, once no live lock holds it); a crawl that still reports
--                    later replaces it with its own outcome
-- Counts are NULL until the crawl reports them.

CREATE TABLE follow_cycles (
    cycle_id        bigserial   PRIMARY KEY,  -- the spider's -a cycle=ID
    gallery_id      text        NOT NULL,
    cycle_no        integer     NOT NULL,     -- 1, 2, ... per gallery, across follow restarts
    horizon         text        NOT NULL,     -- the crawl's -a refresh=HORIZON, as given
    follower        text        NOT NULL,     -- host:pid of the follow process that started it
    node            text,                     -- scrapyd URL (no credentials); NULL: a local crawl
    job_id          text,                     -- its scrapyd job id
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    outcome         text        NOT NULL DEFAULT 'running'
                    CHECK (outcome IN ('running', 'ok', 'failed', 'stopped', 'abandoned')),
    exit_code       integer,                  -- the crawl's verdict (dccrawl/extensions/exitcode.py)
    close_reason    text,                     -- Scrapy's close reason
    new_posts       integer,                  -- dccrawl/refresh/new_posts
    changed_posts   integer,                  -- dccrawl/refresh/changed_posts
    deleted_posts   integer,                  -- dccrawl/refresh/deleted
    deletion_checks integer,                  -- dccrawl/refresh/deletion_checks
    comment_pages   integer,                  -- dccrawl/refresh/comment_pages
    requests        integer,                  -- downloader/request_count
    requests_saved  integer,                  -- dccrawl/refresh/requests_saved
    seconds         double precision,         -- finished_at - started_at
    reason          text,                     -- why it is not ok, in words
    UNIQUE (gallery_id, cycle_no)
);

-- A follow's start of a cycle: the cycles of its gallery still marked running.
CREATE INDEX follow_cycles_running_idx ON follow_cycles (gallery_id) WHERE outcome = 'running';
