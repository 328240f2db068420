"""Every Scrapy and dccrawl setting, each with the reason for its value.

Override any of them per run with ``scrapy crawl gallery -s NAME=VALUE`` or, on
scrapyd, with ``setting=NAME=VALUE`` in ``schedule.json``. The defaults are
polite enough for the real site; tests and benchmarks against the local replica
turn the delays off explicitly.
"""

BOT_NAME = "dccrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl` with honest exit codes and argument checks (dccrawl/commands/crawl.py).
COMMANDS_MODULE = "dccrawl.commands"

# --- Where the site is -------------------------------------------------------
# Every URL the spider builds starts here, so the same spider crawls the real
# site, the local replica (tests/replica) or any mirror of it.
DCCRAWL_BASE_URL = "https://gall.dcinside.com"

# --- Politeness (the real site blocks fast clients for ~10 minutes) ---------
ROBOTSTXT_OBEY = False  # gall.dcinside.com's robots.txt is for search engines' list views
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is DOWNLOAD_DELAY ± 50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30

# --- Retries: the site answers 429/5xx, resets and empty bodies under load ---
RETRY_ENABLED = True
RETRY_TIMES = 5
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 520, 522, 524, 408]
# 404 is meaningful (a missing post number): let it reach the spider.
HTTPERROR_ALLOWED_CODES = [404]
# Empty, truncated or garbled 200 answers are retried like 503s instead of
# being parsed as an empty list or a post with missing fields.
DOWNLOADER_MIDDLEWARES = {
    "dccrawl.middlewares.BrokenPageRetryMiddleware": 560,
}

# --- Navigation ---------------------------------------------------------------
# Re-read list page N after page N+1: posts deleted during the crawl shift
# rows up onto pages already read. Costs one list request per list page
# (about 1% of all requests with list_num=100); turn off for frozen galleries.
DCCRAWL_LIST_RECHECK = True

# --- Items ------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.dedup.DuplicateFilterPipeline": 100,
    "pipelines.postgres.PostgresPipeline": 300,
}
# PostgreSQL server for the pipeline; also read from the environment variable
# of the same name. Unset: an embedded PostgreSQL (pgserver) under
# DCCRAWL_EMBEDDED_DIR is started and used.
DATABASE_URL = None
DCCRAWL_EMBEDDED_DIR = None  # default: ~/.local/share/dccrawl/pgdata
# Items are written in batches: at this many items, or when the oldest
# buffered item is this many seconds old, whichever comes first.
DCCRAWL_DB_BATCH_SIZE = 500
DCCRAWL_DB_BATCH_SECONDS = 2.0
# The longest database outage a crawl rides out (buffering, retrying with
# backoff) before it gives up, says how many items were not written, and
# exits non-zero.
DCCRAWL_DB_RETRY_SECONDS = 300.0
# Items buffered at most while the database is slow or away; past it the
# crawl waits instead of filling memory. Default: 20 x DCCRAWL_DB_BATCH_SIZE.
DCCRAWL_DB_MAX_BUFFER = None

# --- Progress ---------------------------------------------------------------
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "dccrawl.extensions.progress.Progress": 500,
    "dccrawl.extensions.exitcode.HonestExitCode": 510,
}
# Seconds between progress lines in the log; 0 turns them off.
DCCRAWL_PROGRESS_INTERVAL = 30.0
LOGSTATS_INTERVAL = 0  # our progress line replaces Scrapy's "Crawled N pages"

# --- Security ---------------------------------------------------------------
TELNETCONSOLE_ENABLED = False  # it executes code sent to a local port
REMOTE_CONTROL_ENABLED = False

# --- Output -------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
# INFO shows progress lines, skipped pages and the summary; -L DEBUG shows every item.
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
