"""Scrapy settings for lianzhou_news, grouped, with polite defaults for real sites.

Every setting here is listed with its default in docs/settings.md (checked by
tests/test_docs.py). Override any of them per run with ``scrapy crawl lianzhou
-s NAME=VALUE``; ``make demo`` lifts the politeness settings for its own copy
of the site on 127.0.0.1 only.
"""

from pathlib import Path

from lianzhou_news.items import FIELD_ORDER

BOT_NAME = "lianzhou_news"
SPIDER_MODULES = ["lianzhou_news.spiders"]
NEWSPIDER_MODULE = "lianzhou_news.spiders"
# `scrapy genspider -t county NAME DOMAIN` makes a county spider (and `-t basic`).
TEMPLATES_DIR = str(Path(__file__).parent / "templates")
# Our `crawl` replaces Scrapy's to exit non-zero when a run is unhealthy.
COMMANDS_MODULE = "lianzhou_news.commands"

# --- Identity -------------------------------------------------------------
# Who we are and where to complain. Operators crawling the live site should
# set LIANZHOU_CONTACT to their own URL or e-mail address.
LIANZHOU_CONTACT = "https://github.com/lianzhou-news/lianzhou_news"
USER_AGENT = f"lianzhou_news/0.1 (news archive crawler; +{LIANZHOU_CONTACT})"

# --- Politeness -------------------------------------------------------------
# County portals are small servers: one request at a time, a pause between
# requests, and AutoThrottle slowing down further when the site does.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # each pause is 0.5x to 1.5x DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Items of one response go through the pipelines one after another: ours are
# synchronous, so Scrapy's default of 100 in parallel only costs 100 asyncio
# tasks per response (a quarter of a bare crawl's CPU; bench/RESULTS.md).
CONCURRENT_ITEMS = 1
# Worker processes that extract article pages (lianzhou_news/extractpool.py).
# 0: in the crawler's own thread, which is plenty at the polite pace above.
# For a backfill with politeness off, give it the cores the crawler does not use.
LIANZHOU_EXTRACT_PROCESSES = 0

# --- Robustness -------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3  # 500/502/503/504/522/524/408/429, timeouts, dropped connections
# Wait before the n-th retry: base * 2**(n-1) seconds, at most max.
LIANZHOU_RETRY_BACKOFF_BASE = 2.0
LIANZHOU_RETRY_BACKOFF_MAX = 60.0
REDIRECT_MAX_TIMES = 5  # a redirect loop is given up after 5 hops
# Only http(s) is ever downloaded: a file://, ftp:// or data: link in a page
# can never make the crawler read a local file or another service.
DOWNLOAD_HANDLERS = {
    "file": None,
    "s3": None,
    "ftp": None,
    "data": None,
    # Scrapy's HTTP/1.1 handler, with each response's headers bounded.
    "http": "lianzhou_news.downloadhandler.BoundedHeadersDownloadHandler",
    "https": "lianzhou_news.downloadhandler.BoundedHeadersDownloadHandler",
}
# A response whose headers pass either bound fails as "headers too large"
# (real portals send ~1 KB in ~15 lines; Twisted bounds one line at 16 KiB).
LIANZHOU_MAX_HEADER_BYTES = 64 * 1024
LIANZHOU_MAX_HEADER_LINES = 200
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # an article page is ~50 KB; cut attachments
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
COOKIES_ENABLED = False
# Nothing listens on a port during a crawl: no telnet console, and not the
# code-executing "remote control" HTTP server Scrapy 2.19 enables by default.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Output -----------------------------------------------------------------
# One new JSON Lines file per run, never appended to an earlier run's file.
# run_id is a spider attribute (UTC start time plus a random suffix, or -a
# run_id=...). The spider turns this into the run's feed only when the command
# line names no feed: `scrapy crawl lianzhou -O file.jsonl` writes file.jsonl
# alone, as in any Scrapy project. Set it to "" to write no default feed.
LIANZHOU_OUTPUT_URI = "output/%(name)s/%(run_id)s.jsonl"
# %(run_id)s in a feed URI is the run's id (lianzhou_news.run).
FEED_URI_PARAMS = "lianzhou_news.run.feed_uri_params"
FEED_EXPORT_ENCODING = "utf-8"  # also for -o/-O: Chinese as UTF-8, no \u escapes
FEED_EXPORT_FIELDS = FIELD_ORDER  # the same columns, in schema order, on every line

# --- Scheduled runs -----------------------------------------------------------
# One SQLite file (and a lock) per spider: what was seen, with content hashes
# and versions. "" disables state: every run then emits everything it finds.
LIANZHOU_STATE_DIR = "state"
# The newest N listing pages of each column are always read...
LIANZHOU_REVISIT_PAGES = 2
# ...and the articles listed there re-fetched when last fetched this long ago
# (days), so that edits are caught within a day. Older pages are read only
# while they list articles not yet stored.
LIANZHOU_REFETCH_AFTER_DAYS = 1.0
# A column's walk stops by itself, named in the run report and not marked
# walked: after this many listing pages in a row that list no article not
# already listed on an earlier page in this run (the same articles on every
# page, forever), and at this page of the column (a totalPage of millions, or
# a "next" link that never ends). 0 turns a limit off.
LIANZHOU_COLUMN_STALE_PAGES = 3
LIANZHOU_COLUMN_MAX_PAGES = 1000

# --- Column discovery (lianzhou_news/discovery.py, docs/discovery.md) ---------
# A start page that is not a listing (the home page) is read for its columns:
# its menu, its 更多 links and its headline blocks, each fetched to see whether
# it lists articles. The columns found are remembered in the state, and
# discovery runs again once this many days have passed (0: on every run).
LIANZHOU_DISCOVERY_INTERVAL_DAYS = 7.0
# The most candidate pages fetched per start page (更多 links and block
# headings first, then the menu, then other links); the rest are named in the
# run report as not checked. 0: no limit.
LIANZHOU_DISCOVERY_MAX_CANDIDATES = 80
# Every line is written whole and fsynced before the article is recorded.
FEED_STORAGES = {
    "": "lianzhou_news.feedstorage.DurableFileFeedStorage",
    "file": "lianzhou_news.feedstorage.DurableFileFeedStorage",
}

# --- Distributed mode (scrapy-redis) -------------------------------------------
# Unset: one machine, SQLite state (above). Set, e.g. redis://host:6379/0: every
# `scrapy crawl` with the same Redis shares one queue, duplicate filter and state.
REDIS_URL = None
# Each worker's name, unique in the fleet: it names the worker's output file and
# its claims. "" = "<hostname>-<n>", the first n free on this host, so that a
# restarted worker takes its old name back and settles what it left.
LIANZHOU_WORKER = ""
# A worker whose heartbeat is this old (seconds) counts as stopped; its
# unfinished requests go back in the queue.
LIANZHOU_FLEET_HEARTBEAT_TTL = 30
# Every key this project writes in Redis starts with it.
LIANZHOU_REDIS_PREFIX = "lianzhou_news"

# Script: text keeps the script it was published in. "alongside" adds a
# Simplified copy of the text fields in `simplified`; "replace" converts them.
LIANZHOU_SIMPLIFIED = "off"

ITEM_PIPELINES = {
    "lianzhou_news.pipelines.SimplifiedScriptPipeline": 50,
    "lianzhou_news.pipelines.ValidationPipeline": 100,
    "lianzhou_news.pipelines.DedupePipeline": 200,
    "lianzhou_news.pipelines.ChangeTrackingPipeline": 300,
}
# With REDIS_URL, lianzhou_news.run.configure_settings adds the fleet's
# extension and spider middleware (lianzhou_news.fleet).
EXTENSIONS = {
    "lianzhou_news.extensions.RunSummary": 500,
    "lianzhou_news.extensions.StateRecorder": 510,
    "lianzhou_news.monitors.Spidermon": 520,
}
DOWNLOADER_MIDDLEWARES = {
    # Every request and redirect hop on the start URLs' hosts and ports, even
    # with dont_filter; before robots.txt (100), so no other host's is read.
    "lianzhou_news.middlewares.OffHostGuard": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "lianzhou_news.middlewares.BackoffRetryMiddleware": 550,
    # robots.txt still answering 5xx after the retries: disallow all (RFC 9309);
    # and every request held to the rules (Scrapy 2.19 lets some through).
    "lianzhou_news.middlewares.RobotsTxtGuard": 545,
    # Sees 3xx responses before RedirectMiddleware (600) does.
    "lianzhou_news.middlewares.RedirectLoopMiddleware": 650,
    "lianzhou_news.middlewares.BlockDetector": 590,
    # If-None-Match / If-Modified-Since on refetches and revisits; sees the
    # final response of each request (after retries, before redirects).
    "lianzhou_news.conditional.ConditionalRequests": 560,
}

# Send back the ETag and Last-Modified a page came with when it is refetched or
# revisited, so that an unchanged page costs a 304 (docs/conditional-requests.md).
LIANZHOU_CONDITIONAL_REQUESTS = True

# Items that break the schema (no title, body or timestamp …) go here, with reasons.
LIANZHOU_REJECTS_URI = "output/%(name)s/%(run_id)s.rejects.jsonl"

# --- Health ------------------------------------------------------------------
# The run report, next to the run's output.
LIANZHOU_REPORT_URI = "output/%(name)s/%(run_id)s.report.json"
# spidermon runs these monitors when the spider closes; any failure makes the
# run unhealthy and `scrapy crawl` exit with status 3.
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("lianzhou_news.monitors.RunHealthSuite",)
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished"]
SPIDERMON_MAX_ERRORS = 10  # ERROR log lines per run
# Articles being lost make a run unhealthy: the same article failing in this
# many consecutive runs that tried it (a 404/410 that often is recorded as
# gone instead, named once)...
LIANZHOU_LOST_AFTER_RUNS = 3
# ...or more than this share of the articles a run tried failing.
LIANZHOU_MAX_FAILED_SHARE = 0.1
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # a null field is a missing field
SPIDERMON_FIELD_COVERAGE_SKIP_IF_NO_ITEM = True  # nothing new is healthy
# Count top-level fields only: the rules and the run report use nothing deeper,
# and walking credits/provenance/simplified cost ~20 us per item.
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = 0
# Floors: share of emitted articles that must have each field; under one, the
# run is unhealthy. Articles missing a field are emitted (flagged in `quality`),
# so these floors are what says a template change lost a field. Chosen for
# scheduled runs of a few dozen articles: one untitled article in twenty, or
# an image-only notice in ten, is news, not a broken template.
SPIDERMON_FIELD_COVERAGE_RULES = {
    "ArticleItem/article_id": 1.0,
    "ArticleItem/title": 0.95,
    "ArticleItem/body": 0.9,
    "ArticleItem/timestamp": 0.9,
    "ArticleItem/source": 0.5,
}

LOG_LEVEL = "INFO"
# Scrapy's 100-line stats dump at the end buries the summary: it goes to DEBUG
# (extensions.RunSummary), and the run report says what the stats say.
STATS_DUMP = False
LOGSTATS_INTERVAL = 60.0  # a progress line (pages, items per minute) every minute
LOG_FORMATTER = "lianzhou_news.extensions.QuietDropFormatter"
