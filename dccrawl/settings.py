"""Every Scrapy and dccrawl setting, each with the reason for its value.

Override any of them per run with ``scrapy crawl gallery -s NAME=VALUE`` or, on
scrapyd, with ``setting=NAME=VALUE`` in ``schedule.json``. The defaults are
polite enough for the real site; tests and benchmarks against the local replica
turn the delays off explicitly.
"""

import os

BOT_NAME = "dccrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl` with honest exit codes and argument checks (dccrawl/commands/crawl.py).
COMMANDS_MODULE = "dccrawl.commands"

# --- Where the site is -------------------------------------------------------
# Every URL the spider builds starts here, so the same spider crawls the real
# site, the local replica (testbed/replica) or any mirror of it.
DCCRAWL_BASE_URL = "https://gall.dcinside.com"

# --- Politeness (the real site blocks fast clients for ~10 minutes) ---------
ROBOTSTXT_OBEY = False  # gall.dcinside.com's robots.txt is for search engines' list views
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# The politeness limit: at most one request every DOWNLOAD_DELAY seconds to the
# site (2 requests/s per node), whatever the concurrency. Jitter is off so the
# limit is a hard one; AutoThrottle and Retry-After only ever lengthen it.
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30

# --- Retries: the site answers 429/5xx, resets and empty bodies under load ---
RETRY_ENABLED = True
RETRY_TIMES = 5
# 403 too: a blocked client may get 403 (SITE.md §6), and a lone 403 is worth a retry.
RETRY_HTTP_CODES = [429, 403, 500, 502, 503, 504, 520, 522, 524, 408]
# 404 is meaningful (a missing post number): let it reach the spider.
HTTPERROR_ALLOWED_CODES = [404]
# Empty, truncated or garbled 200 answers are retried like 503s instead of
# being parsed as an empty list or a post with missing fields.
# 429/503 answers (and rate-limit notices served as 200 pages) slow the whole
# crawl down, honouring Retry-After, which Scrapy's retry does not. Responses
# pass these from the highest number down, so both act before RetryMiddleware.
# BlockMiddleware sees every answer and error first: a run of refusals across the
# crawl pauses it, probes and resumes (dccrawl/blockguard.py).
DOWNLOADER_MIDDLEWARES = {
    "dccrawl.blockguard.BlockMiddleware": 580,
    "dccrawl.middlewares.BrokenPageRetryMiddleware": 570,
    "dccrawl.middlewares.BackoffMiddleware": 560,
}
# The longest pause between requests a Retry-After or repeated 429s can cause.
DCCRAWL_BACKOFF_MAX_SECONDS = 600.0

# --- Blocks: the site stops answering a fast client for ~10 minutes -------------
# (dccrawl/blocks.py.) Refusals in a row (429/403/5xx, rate-limit pages, empty or
# cut-off 200s, resets, timeouts; no answer in between) after which the crawl pauses
# and asks a page that answered before whether the site blocks it. 4: a lone broken
# page makes at most 6 refusals in a row, each a second apart at the polite rate, so a
# check costs one request; a block is seen within a second or two.
DCCRAWL_BLOCK_REFUSALS = 4
# While blocked, a probe after this many seconds, doubling up to the maximum: a block of
# ~10 minutes is seen to end within about 4 minutes of its end, at ~6 probes.
DCCRAWL_BLOCK_PROBE_SECONDS = 30.0
DCCRAWL_BLOCK_PROBE_MAX_SECONDS = 900.0
# A block longer than this stops the crawl (exit 1) with a line saying how to resume.
DCCRAWL_BLOCK_GIVE_UP_SECONDS = 7200.0
# After each block the politeness delay (at least DCCRAWL_BLOCK_MIN_DELAY) is multiplied
# by this for DCCRAWL_BLOCK_SLOWDOWN_SECONDS; blocks in a row compound (capped by
# AUTOTHROTTLE_MAX_DELAY), so blocks get rarer instead of repeating at the same rate.
DCCRAWL_BLOCK_SLOWDOWN = 2.0
DCCRAWL_BLOCK_SLOWDOWN_SECONDS = 3600.0
DCCRAWL_BLOCK_MIN_DELAY = 0.5

# --- Navigation ---------------------------------------------------------------
# Re-read list page N after page N+1: posts deleted during the crawl shift
# rows up onto pages already read. Costs one list request per list page
# (about 1% of all requests with list_num=100); turn off for frozen galleries.
DCCRAWL_LIST_RECHECK = True

# --- The browser: comments a browser renders, when the endpoint fails -----------
# Requests with meta["playwright"] go through scrapy-playwright; all others are
# passed on to Scrapy's own HTTP handler unchanged (the fast path).
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
# scrapy-playwright starts Playwright's Node driver at engine start, Chromium on the
# first page; this provider defers both to the first browser request, so a crawl
# that never falls back runs no browser process at all.
PLAYWRIGHT_BROWSER_PROVIDER = "dccrawl.browser.LazyBrowserProvider"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Debian's Chromium (no browser download by Playwright); DCCRAWL_CHROMIUM in the
# environment names another binary. The flags keep it from calling home (updates,
# sync, metrics, QUIC probes) and let it run as root in containers (no sandbox).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("DCCRAWL_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-breakpad",
        "--no-pings",
        "--no-first-run",
        "--disable-quic",
        # Chromium then never asks for images: two thirds of a view page's requests,
        # each of which would otherwise cost a round trip through Python to abort.
        "--blink-settings=imagesEnabled=false",
    ],
}
# Images, fonts and media are never needed for comments (and are most of the bytes).
PLAYWRIGHT_ABORT_REQUEST = "dccrawl.browser.abort_request"
# One context with two pages: the browser is a fallback; Chromium then stays near
# 600 MB and the site sees no more concurrency than CONCURRENT_REQUESTS_PER_DOMAIN.
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
# Milliseconds: the same limit as DOWNLOAD_TIMEOUT for the page itself.
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# Seconds the browser waits for the page's script to show each comment page.
DCCRAWL_RENDER_TIMEOUT = 20.0

# --- Items ------------------------------------------------------------------
ITEM_PIPELINES = {
    # Keeps items that break the item contract (dccrawl/schema.py) out of the database,
    # before they are taken as seen.
    "pipelines.validation.ItemValidationPipeline": 50,
    "pipelines.dedup.DuplicateFilterPipeline": 100,
    # Stops a crawl whose items lose a field (the site's markup changed), before storing
    # more than a window of them (dccrawl/quality.py).
    "pipelines.quality.FieldCoveragePipeline": 200,
    "pipelines.postgres.PostgresPipeline": 300,
    # After postgres, so a post is buffered for writing before its files download.
    # Loaded only when media is on (-a media=1|all or DCCRAWL_MEDIA), else skipped.
    "pipelines.media.PostMediaPipeline": 400,
}
# Data-quality checks (dccrawl/quality.py): the least share of live posts / comments that
# must carry each field ({"post.created_at": 1.0, ...} over the defaults; 0 turns one off),
# checked after the first window of posts and then every window of items.
DCCRAWL_COVERAGE: dict[str, float] = {}
DCCRAWL_COVERAGE_FIRST_WINDOW = 100
DCCRAWL_COVERAGE_WINDOW = 1000
# Pages of one kind that no longer parse (view pages without the comment token, comment
# pages whose rows the parser cannot read) before the crawl stops as drift; a list page
# with no rows stops it at once (the listing would end there).
DCCRAWL_DRIFT_PAGES = 3
# Item validation against the schema (dccrawl/schema.py); False turns it off. A time later
# than the crawl's clock plus DCCRAWL_FUTURE_TOLERANCE is invalid (a date put in the wrong
# month or year is months off; a machine clock hours off should not lose posts). Invalid
# items are logged at ERROR, at most DCCRAWL_INVALID_LOG_LIMIT lines per field and rule.
DCCRAWL_VALIDATION = True
DCCRAWL_FUTURE_TOLERANCE = "1d"
DCCRAWL_INVALID_LOG_LIMIT = 10
# PostgreSQL server for the pipeline; also read from the environment variable
# of the same name. Unset: an embedded PostgreSQL (pgserver) under
# DCCRAWL_EMBEDDED_DIR is started and used.
DATABASE_URL = None
DCCRAWL_EMBEDDED_DIR = None  # default: ~/.local/share/dccrawl/pgdata
# Items are written in batches: at this many items, or when the oldest
# buffered item is this many seconds old, whichever comes first.
# 2000, not fewer: each batch is one transaction (a WAL flush and seven round
# trips); at 500 that overhead held the write path under half the speed of a
# raw COPY (bench/RESULTS.md, write path). A crawl fills 2000 in about a second.
DCCRAWL_DB_BATCH_SIZE = 2000
DCCRAWL_DB_BATCH_SECONDS = 2.0
# The longest database outage a crawl rides out (buffering, retrying with
# backoff) before it gives up, says how many items were not written, and
# exits non-zero.
DCCRAWL_DB_RETRY_SECONDS = 300.0
# Items buffered at most while the database is slow or away; past it the
# crawl waits instead of filling memory (None: 20 x DCCRAWL_DB_BATCH_SIZE).
# 10,000 (five batches) keeps a crawl's peak memory where it was with 500-item
# batches.
DCCRAWL_DB_MAX_BUFFER = 10_000

# --- Media: images and attachments (pipelines/media.py) -----------------------
# Off by default: files multiply a crawl's requests and disk. 1: each post's body
# images and attachments; all: also the dccons of its comments. The spider
# argument -a media=0|1|all overrides it per run.
DCCRAWL_MEDIA = "0"
# Where files go: a folder, or any store Scrapy's FilesPipeline knows (s3://,
# gs://, ftp://). None: ~/.local/share/dccrawl/files, beside the embedded database.
FILES_STORE = None
# Image hosts may answer with a redirect to the file; follow it as a browser does
# (Scrapy's media pipelines record redirects as failures by default).
MEDIA_ALLOW_REDIRECTS = True

# --- Progress ---------------------------------------------------------------
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "dccrawl.extensions.progress.Progress": 500,
    "dccrawl.extensions.exitcode.HonestExitCode": 510,
    # Scrapyd shards (-a shard=ID): running/counts/outcome into the crawl_shards ledger.
    "dccrawl.extensions.shard.ShardReporter": 520,
    # Follow cycles (-a cycle=ID, python -m dccrawl follow): counts, verdict and outcome
    # into the cycle's follow_cycles row.
    "dccrawl.extensions.cycle.CycleReporter": 525,
    # Rare, cheap garbage-collector passes (dccrawl/extensions/gctuning.py).
    "dccrawl.extensions.gctuning.GarbageCollectorTuning": 530,
    # With -s JOBDIR: refuse another job's folder, start a killed job over
    # (dccrawl/jobdir.py).
    "dccrawl.extensions.jobdir.JobDirGuard": 540,
    # A process that outlives its closed crawl (a component that never shut down) is ended
    # with the crawl's own exit code (dccrawl/extensions/exitwatch.py).
    "dccrawl.extensions.exitwatch.ExitWatch": 550,
}
# Seconds a process may outlive its closed crawl before ExitWatch ends it; 0: never.
DCCRAWL_EXIT_GRACE_SECONDS = 60.0
# Seconds between progress lines in the log; 0 turns them off.
DCCRAWL_PROGRESS_INTERVAL = 30.0
LOGSTATS_INTERVAL = 0  # our progress line replaces Scrapy's "Crawled N pages"

# --- Sharded crawls on scrapyd nodes (python -m dccrawl schedule/watch/resume) ---
# Seconds between a sharded job's reports of its stored posts and comments to
# the ledger: the live counts and rate of `watch`, and a heartbeat. One small
# UPDATE per job per report; 0 reports only at start and end.
DCCRAWL_SHARD_REPORT_INTERVAL = 10.0

# --- Security ---------------------------------------------------------------
TELNETCONSOLE_ENABLED = False  # it executes code sent to a local port
REMOTE_CONTROL_ENABLED = False

# --- Output -------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
# INFO shows progress lines, skipped pages and the summary; -L DEBUG shows every item.
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- Throughput: the cost per post (measured by `python -m bench`, bench/RESULTS.md) ---
# Scrapy starts this many item-processing tasks for every response, items or not
# (default 100: ~100 asyncio tasks per page, a third of the fetching CPU). Our
# pipelines return at once (the database writer batches in the background), so
# there is nothing to overlap: a few are plenty.
CONCURRENT_ITEMS = 4
# Don't build "Crawled (200)" / "Scraped from" records that LOG_LEVEL then drops.
LOG_FORMATTER = "dccrawl.logformatter.LevelAwareLogFormatter"
# Scrapy's stats collector minus a Python hook on every attribute access (~2% of CPU).
STATS_CLASS = "dccrawl.statscollector.PlainStatsCollector"
# Scrapy checks whether a generator callback "returns a value" by parsing its source
# with ast, and its cache is keyed by the bound method, which dies with each request:
# the spider's module was parsed again for every response (~3% of CPU). A
# development aid; the tests run the callbacks.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Each spider middleware wraps every item and request a callback yields. These
# three do nothing for this spider: its URLs are short, depth means nothing in a
# paged list, and meta-copy detection is a development aid. CommentBatchMiddleware
# hands a comment page's ~20 comments on as one item: Scrapy
# spends ~0.1 ms on every item whatever it holds (dccrawl/batching.py).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    "dccrawl.batching.CommentBatchMiddleware": 990,
    # Next to the spider, so it sees a callback's exception first: a failed page,
    # named and counted, never a silent loss (dccrawl/callbackerrors.py).
    "dccrawl.callbackerrors.CallbackErrorMiddleware": 1000,
}
# The cyclic garbage collector: the heap built at startup is frozen (never scanned
# again) and a pass runs every 50,000 net allocations instead of 700. It cost ~8%
# of the crawl's CPU (dccrawl/extensions/gctuning.py). False leaves Python's defaults.
DCCRAWL_GC_TUNING = True
DCCRAWL_GC_THRESHOLDS = [50_000, 20, 10]
# False: one item per comment even without feed exports (they and -a media=all
# always get single comments).
DCCRAWL_COMMENT_BATCHES = True
