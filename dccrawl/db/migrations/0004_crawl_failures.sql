-- 0004: crawl_failures, the failure ledger: every page a crawl could not get, until one does.
--
-- A crawl records a row when it gives a page up after all its retries (while the site was
-- not blocking it), and when a block outlasts DCCRAWL_BLOCK_GIVE_UP_SECONDS without a
-- JOBDIR: then every page still queued, and where a post-number range stopped, is recorded.
-- A later success of the same page (any crawl's) deletes its row; `python -m dccrawl retry
-- --gallery ID` re-fetches what the ledger holds and exits 0 only when it is empty.
--
-- page_kind: 'list'     a list page (path: its path and query, e.g. /board/lists/?id=x&page=7)
--            'view'     a post's view page (path: the view page's, post_no: the post)
--            'comments' a post's comments, read short of the count or not at all (path: the
--                       post's view page; a retry reads the view page and every comment page)
--            'posts'    a posts=A-B crawl stopped before requesting post_no and the numbers
--                       below it (down to A in `arguments`)
-- Paths, not URLs: the same page under another DCCRAWL_BASE_URL is the same page.
-- Times are crawl times (when the page was given up), like posts.last_seen_at.

CREATE TABLE crawl_failures (
    gallery_id    text        NOT NULL,
    page_kind     text        NOT NULL CHECK (page_kind IN ('list', 'view', 'comments', 'posts')),
    path          text        NOT NULL,  -- the page's path and query on the site
    post_no       bigint,                -- view, comments, posts: the post; list: NULL
    reason        text        NOT NULL,  -- why the latest crawl gave it up, in words
    arguments     jsonb       NOT NULL,  -- the spider arguments of that crawl (retry reruns them)
    follow_pages  boolean     NOT NULL DEFAULT false,  -- list: the pages after it were never reached
    list_row      jsonb,                 -- view: what its list row showed (comment count, notice
                                         -- and 개념글 flags), for a retry to read the post as the
                                         -- lost crawl would have; NULL when no list row led there
    attempts      integer     NOT NULL DEFAULT 1,      -- crawls that gave this page up
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (gallery_id, page_kind, path),
    CHECK ((page_kind = 'list') = (post_no IS NULL))
);

-- A stored post clears its view (and, when it has no comments, its comments) by number.
CREATE INDEX crawl_failures_post_idx ON crawl_failures (gallery_id, post_no)
    WHERE post_no IS NOT NULL;
