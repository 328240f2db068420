"""Names of the stats dccrawl keeps, shared by the spider, extensions and pipelines.

They appear in the final stats dump, in scrapyd's job logs and in the shard
ledger, so they are named once here rather than spelled in several places.
"""

from collections.abc import Mapping


def count(stats: Mapping[str, object], key: str) -> int:
    """A counted stat's value; 0 when it was never counted (or holds no number)."""
    value = stats.get(key, 0)
    return int(value) if isinstance(value, (int, float)) else 0


LIST_PAGES = "dccrawl/list_pages"  # list pages parsed
LIST_PAGES_KNOWN = "dccrawl/list_pages_known"  # list pages the crawl will visit, once known
POSTS = "dccrawl/posts"  # post items yielded (deleted ones included)
POSTS_EXPECTED = "dccrawl/posts_expected"  # post numbers to visit, once known (posts=A-B)
POSTS_DELETED = "dccrawl/posts_deleted"  # view pages answering the deleted-post script
POSTS_MISSING = "dccrawl/posts_missing"  # view pages answering 404 (never existed / purged)
COMMENTS = "dccrawl/comments"  # comment items yielded
COMMENT_PAGES = "dccrawl/comment_pages"  # comment endpoint pages parsed
ROWS_SKIPPED = "dccrawl/rows_skipped"  # prefix: list rows that are not posts, by kind
PAGES_FAILED = "dccrawl/pages_failed"  # pages given up on after all retries
BROKEN_RETRIES = "dccrawl/broken_retries"  # truncated/empty/garbled 200 answers retried
COMMENTS_REFUSED = "dccrawl/comments_refused"  # comment endpoint refusals
COMMENTS_SHORT = "dccrawl/comments_short"  # posts whose comments fell short of total_cnt
COMMENTS_MISSING = "dccrawl/comments_missing"  # comments short of total_cnt, over those posts
COMMENTS_VANISHED = "dccrawl/comments_vanished"  # posts counted with comments, none at the endpoint
BROWSER_FALLBACKS = "dccrawl/browser/fallbacks"  # posts whose comment endpoint failed → browser
BROWSER_PAGES = "dccrawl/browser/view_pages"  # view pages rendered (fallbacks and render=comments)
RENDERED_COMMENT_PAGES = "dccrawl/browser/comment_pages"  # comment pages read from rendered DOM
FAILED_REASON = "dccrawl/failed_reason"  # set when the whole run failed: why
USAGE_ERROR = "dccrawl/usage_error"  # set when the arguments cannot be crawled as given: why
KIND_PROBES = "dccrawl/kind_probes"  # list requests made to find the gallery's kind
BACKOFFS = "dccrawl/backoff/count"  # 429/503/rate-limit answers that slowed the crawl down
BACKOFF_MAX_DELAY = "dccrawl/backoff/max_delay"  # the longest delay between requests they caused
MEDIA_DOWNLOADED = "dccrawl/media/downloaded"  # files fetched (200, not empty)
MEDIA_FAILED = "dccrawl/media/failed"  # files that could not be fetched (recorded with the reason)
LIST_RECHECKS = "dccrawl/list_rechecks"  # list pages read again for rows that moved up
VIEWS_REQUESTED = "dccrawl/views_requested"  # view pages asked for (the work known so far)
CALLBACK_ERRORS = "dccrawl/callback_errors"  # pages whose callback raised (each also failed)
JOBDIR_RESUMED = "dccrawl/jobdir/resumed"  # 1: this run continues a cleanly stopped JOBDIR job
JOBDIR_RESTARTED = "dccrawl/jobdir/restarted"  # 1: the JOBDIR was left by a killed run
FORCED_SHUTDOWN = "dccrawl/forced_shutdown"  # 1: stopped by a second signal before closing
DB_REJECTED = "dccrawl/db/rejected"  # items the database refused (logged with key and reason)
DB_UNWRITTEN = "dccrawl/db/unwritten"  # items still unwritten at close (set at close, 0 if none)
MEDIA_ROWS_REJECTED = "dccrawl/media/rows_rejected"  # post_media rows the database refused
MEDIA_ROWS_UNWRITTEN = "dccrawl/media/rows_unwritten"  # post_media rows unwritten at close
# The posts pipeline (pipelines/postgres.py): what its batches wrote.
POSTS_WRITTEN = "dccrawl/db/posts_written"  # post rows committed (new, changed or unchanged)
POSTS_NEW = "dccrawl/db/posts_new"  # posts inserted for the first time
POSTS_CHANGED = "dccrawl/db/posts_changed"  # stored posts whose content or counts changed
SNAPSHOTS = "dccrawl/db/snapshots"  # post_snapshots rows added
COMMENTS_WRITTEN = "dccrawl/db/comments_written"  # comment rows committed (changed or not)
COMMENTS_NEW = "dccrawl/db/comments_new"  # comments inserted for the first time
COMMENTS_CHANGED = "dccrawl/db/comments_changed"  # stored comments whose content changed
DB_BATCHES = "dccrawl/db/batches"  # transactions committed
DB_BATCH_DUPLICATES = "dccrawl/db/batch_duplicates"  # same key twice in one batch: last one kept
DB_RETRIES = "dccrawl/db/retries"  # batch attempts repeated after a connection loss or conflict
# The media pipeline (pipelines/media.py, pipelines/media_rows.py): files and post_media rows.
MEDIA_STORED = "dccrawl/media/stored"  # of the files downloaded, new content written to the store
MEDIA_ALREADY_STORED = "dccrawl/media/already_stored"  # of those, content the store had already
MEDIA_KNOWN = "dccrawl/media/known"  # not fetched: post_media and the store have them
MEDIA_SKIPPED_GONE = "dccrawl/media/skipped_gone"  # not fetched: recorded as 404/410 before
MEDIA_ROWS_WRITTEN = "dccrawl/media/rows_written"  # post_media rows committed (changed or not)
MEDIA_BATCHES = "dccrawl/media/batches"  # post_media transactions committed
MEDIA_DB_RETRIES = "dccrawl/media/db_retries"  # post_media batch attempts repeated after a loss
# The duplicate filter (pipelines/dedup.py).
DEDUP_DROPPED = "dccrawl/dedup/dropped"  # items (and comments of batches) dropped as repeats
# Blocks (dccrawl/blocks.py, dccrawl/blockguard.py).
LEDGER_RECORDED = "dccrawl/ledger/recorded"  # failure ledger rows written (pages lost)
LEDGER_CLEARED = "dccrawl/ledger/cleared"  # failure ledger rows a success cleared
LEDGER_RETRIED = "dccrawl/ledger/retried"  # ledger rows a retry=1 crawl started from
UNFETCHED = "dccrawl/blocks/unfetched"  # pages still queued when a block stopped the crawl
BLOCKS = "dccrawl/blocks/count"  # blocks the crawl waited out (or gave up on)
BLOCK_SECONDS = "dccrawl/blocks/seconds"  # their total length
BLOCK_PUT_BACK = "dccrawl/blocks/put_back"  # requests refused during a block, queued again
BLOCK_PROBES = "dccrawl/blocks/probes"  # probes and confirmations sent
BLOCK_FALSE_ALARMS = "dccrawl/blocks/false_alarms"  # refusal runs the site did not confirm
BLOCK_DELAY = "dccrawl/blocks/max_delay"  # the longest politeness delay blocks caused
BLOCKED_SINCE = "dccrawl/blocks/blocked_since"  # "HH:MM" while blocked, else None
BLOCK_NEXT_PROBE = "dccrawl/blocks/next_probe_at"  # epoch seconds of the next probe, while blocked
# Refresh mode (-a refresh=HORIZON, dccrawl/refresh.py): what the list rows showed, and
# the requests spent on it.
REFRESH_ROWS = "dccrawl/refresh/rows"  # post rows read and compared with the database
REFRESH_NEW = "dccrawl/refresh/new_posts"  # rows of posts not stored yet: view + comments
REFRESH_CHANGED = "dccrawl/refresh/changed_posts"  # stored posts whose row showed a change
REFRESH_COMMENT_POSTS = "dccrawl/refresh/comment_posts"  # of those, posts with new comments
REFRESH_COMMENT_PAGES = "dccrawl/refresh/comment_pages"  # comment pages asked for (all posts)
REFRESH_COMMENT_BACK = "dccrawl/refresh/comment_pages_back"  # of those, read walking backwards
REFRESH_CHECKS = "dccrawl/refresh/deletion_checks"  # stored posts in the horizon not listed
REFRESH_DELETED = "dccrawl/refresh/deleted"  # of those, found deleted (is_deleted set)
REFRESH_IN_HORIZON = "dccrawl/refresh/stored_in_horizon"  # stored live posts in the horizon
REFRESH_SAVED = "dccrawl/refresh/requests_saved"  # a full re-crawl's requests minus these
# Data quality (dccrawl/quality.py, pipelines/quality.py, the spider's page checks).
COVERAGE = "dccrawl/quality/coverage"  # prefix: share of checked items carrying a field
CHECKED = "dccrawl/quality/checked"  # prefix: items checked for coverage, by kind
DRIFT = "dccrawl/quality/drift"  # what stopped the crawl: post.FIELD, comment.FIELD or a page kind
DRIFT_PAGES = "dccrawl/quality/drift_pages"  # prefix: pages that no longer parse, by kind
INVALID = "dccrawl/quality/invalid"  # prefix: items kept out for breaking the schema, by kind
INVALID_RULES = "dccrawl/quality/invalid_rules"  # prefix: broken rules, "post.created_at/future"
