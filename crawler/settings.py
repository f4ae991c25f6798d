"""Every Scrapy setting seedcrawl changes, in one place.

Defaults are polite for news sites; each can be overridden per crawl with `-s NAME=VALUE`
(`seedcrawl crawl -s DOWNLOAD_DELAY=2` or `scrapy crawl news -s ...`).
"""

BOT_NAME = "seedcrawl"
SPIDER_MODULES = ["seedcrawl.crawler.spiders"]
NEWSPIDER_MODULE = "seedcrawl.crawler.spiders"

# Who is crawling, for the sites' operators: the project and where to read about it (`--user-agent`).
USER_AGENT = "seedcrawl/0.1 (archival news crawler; see the README of the seedcrawl project)"

# --- seedcrawl's own settings --------------------------------------------------------------
SEEDCRAWL_OUTPUT = None  # output folder; WARC capture is off without it
SEEDCRAWL_RUN_ID = None  # recorded in every warcinfo record; made up from the start time if unset
SEEDCRAWL_LOCK_HELD = 0  # set by `seedcrawl crawl` to its pid: it holds the folder lock already
SEEDCRAWL_WARC_PREFIX = "seedcrawl"
SEEDCRAWL_WARC_MAX_FILE_SIZE = 1_000_000_000  # rotate WARC files at this many bytes
# "process": records are built and written by a forked child (archive/process_writer.py), which
# takes warcio's ~0.5 ms of GIL-held work per page off the crawl's interpreter (capture overhead
# 4.8% vs 11.6% with "thread", bench/results/crawl.md); "thread": by a thread of the crawl process.
SEEDCRAWL_WARC_WRITER = "process"
SEEDCRAWL_WARC_QUEUE = 64  # thread writer: exchanges waiting before the crawl waits for it
SEEDCRAWL_WARC_CAPTURE = True  # False only for benchmarks measuring the cost of capture
SEEDCRAWL_REVISITS = True  # identical payloads already archived become revisit records
SEEDCRAWL_PROGRESS = None  # None: a progress line when stderr is a terminal; True/False to force
SEEDCRAWL_PROGRESS_INTERVAL = 2.0

# --- frontier (crawler/run/frontier.py) -----------------------------------------------------------
# Requests wait in DIR/state/frontier.sqlite3; at most this many are handed to Scrapy and not yet
# finished, so memory stays flat however large the frontier grows, and the order is decided over it all.
SEEDCRAWL_FRONTIER_WINDOW = 32
# Per host, at most this many requests out at once (0: CONCURRENT_REQUESTS_PER_DOMAIN): more would
# only wait in the host's download slot, committed before better links turn up.
SEEDCRAWL_FRONTIER_PER_HOST = 0
SEEDCRAWL_FRONTIER_COMMIT_EVERY = 1000  # frontier writes per SQLite transaction
SEEDCRAWL_DISCOVERY_FALLBACKS = True  # try /feed, /sitemap.xml, ... on seed sites announcing none
# Discovery documents (feeds, sitemaps, robots.txt, fallbacks) are exempt from DEPTH_LIMIT but count
# against --max-pages like pages, and have bounds of their own (crawler/discover/sites.py): sitemaps listed
# by sitemaps nest at most this many levels below the one robots.txt or a page announced, and each
# host gets at most this many documents.
SEEDCRAWL_SITEMAP_MAX_NESTING = 5
SEEDCRAWL_DISCOVERY_MAX_PER_HOST = 1000
# Links followed from one page, in document order (0: all). Each costs work on the reactor's
# thread; a page of 80,000 links held the crawl for seconds (bench/results/links.md).
SEEDCRAWL_MAX_LINKS_PER_PAGE = 2000
# Focus: example texts and/or keywords; the profile is saved in DIR/state/topic.json, where
# `seedcrawl process` finds it, and later runs into DIR reuse it when given no topic.
SEEDCRAWL_TOPIC_FILES: list[str] = []
SEEDCRAWL_TOPIC = None
SEEDCRAWL_LISTING_PRIORITY = 0.3  # with a topic, listing pages never rank below this relevance
# Incremental runs: None means on when DIR already has a corpus; known articles are then skipped,
# or with SEEDCRAWL_REFETCH fetched again with If-None-Match / If-Modified-Since.
SEEDCRAWL_INCREMENTAL = None
SEEDCRAWL_REFETCH = False
# Page requisites (crawler/discover/requisites.py): every archived HTML page's stylesheets, scripts, images,
# fonts and media are fetched from any host (robots.txt obeyed), once per run, outside the page
# budget (not outside --max-bytes); a later run asks for them conditionally. Stylesheets are
# parsed for their own url()/@import this many levels deep. At most this many per page (0: all).
SEEDCRAWL_REQUISITES = True
SEEDCRAWL_REQUISITES_CSS_DEPTH = 3
SEEDCRAWL_MAX_REQUISITES_PER_PAGE = 500
# Scope options (crawler/discover/scope_rules.py): host|domain|prefix|page, and regexes (a JSON list, or
# one regex) on the URL: pages must match an include (if any) and no exclude; requisites are left
# out only by SEEDCRAWL_EXCLUDE_REQUISITES.
SEEDCRAWL_SCOPE = "host"
SEEDCRAWL_INCLUDE: list[str] = []
SEEDCRAWL_EXCLUDE: list[str] = []
SEEDCRAWL_EXCLUDE_REQUISITES: list[str] = []

# --- the browser (crawler/chromium/rendering.py, crawler/chromium/browser.py) --------------------------------------
# never: HTTP only; auto: pages that look script-filled (crawler/chromium/render_decision.py) are rendered
# in headless Chromium too; always: every HTML page is. The browser's requests go through the
# downloader like every other (scope, robots.txt, politeness, limits, capture).
SEEDCRAWL_BROWSER = "auto"
SEEDCRAWL_BROWSER_EXECUTABLE = "/usr/bin/chromium"  # `apt-get install chromium`
# Chromium started in the background before a page needs it: as the crawl starts (always), on the
# first page that carries a script (auto).
SEEDCRAWL_BROWSER_PRESTART = True
SEEDCRAWL_BROWSER_TIMEOUT = 20.0  # seconds a page may take to settle; then archived as far as it got
SEEDCRAWL_BROWSER_QUIET_MS = 200  # a page has settled: no call in flight, nothing new for this long
SEEDCRAWL_BROWSER_RESTART_EVERY = 50  # pages per browser process, which bounds what it accumulates
SEEDCRAWL_BROWSER_MAX_MEMORY_MB = 1024  # restarted between pages once its processes hold more (PSS)
SEEDCRAWL_BROWSER_PAGES = 5  # pages rendered at once (tabs of one context, reused)
SEEDCRAWL_BROWSER_CACHE_MB = 32  # the crawl's requisite responses kept to answer the browser with
# Resource types the browser does not load with `auto` (crawler/chromium/dom_only.py); the crawl
# fetches the rendered DOM's requisites over HTTP instead. Empty: it loads everything, as `always`.
SEEDCRAWL_BROWSER_AUTO_SKIP = "image,font,media"
SEEDCRAWL_BROWSER_MAX_REQUESTS = 500  # requests one page may make in the browser; the rest are blocked

# --- politeness ------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by up to +-50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- bounds ----------------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # also bounds decompressed size, which stops gzip bombs
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
# A response's head (status line and headers): past either bound the connection is dropped and
# what came is archived with WARC-Truncated (crawler/components/head_limits.py; error `headers_too_large`).
# 256 KiB is where Chrome gives up on a head too (ERR_RESPONSE_HEADERS_TOO_BIG).
SEEDCRAWL_MAX_HEADER_BYTES = 256 * 1024
SEEDCRAWL_MAX_HEADER_LINES = 500
# Cookies, bounded as browsers bound them (crawler/components/cookies.py): bytes of one cookie's name and
# value, cookies kept per cookie domain (oldest evicted), bytes of the Cookie header sent.
SEEDCRAWL_MAX_COOKIE_BYTES = 4096
SEEDCRAWL_MAX_COOKIES_PER_HOST = 180
SEEDCRAWL_MAX_COOKIE_HEADER = 8192
# A body cut by a dropped connection still reaches capture (archived with WARC-Truncated) and is
# then retried by TruncatedResponseMiddleware, instead of being thrown away by the handler.
DOWNLOAD_FAIL_ON_DATALOSS = False
REDIRECT_MAX_TIMES = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
DEPTH_LIMIT = 3
# Order is the frontier's (crawler/run/frontier.py): it hands Scrapy a few requests at a time, best
# first, so Scrapy's own depth-based priority and queue order no longer decide anything.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
# The frontier's SQLite seen set replaces Scrapy's in-memory fingerprint set, and
# crawler.frontier_mw checks redirect hops against it; REDIRECT_MAX_TIMES still bounds loops.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
# Callbacks yield nothing (what they find goes to the frontier), but Scrapy starts this many
# worker tasks for every callback's output all the same: at its default of 100 that was ~15% of
# a capture crawl's CPU (bench/results/crawl_cpu.md).
CONCURRENT_ITEMS = 1

# --- safety ----------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would open an HTTP code-execution endpoint

# --- components ------------------------------------------------------------------------------
DOWNLOAD_HANDLERS = {
    "http": "seedcrawl.crawler.components.head_limits.BoundedHTTPDownloadHandler",
    "https": "seedcrawl.crawler.components.head_limits.BoundedHTTPDownloadHandler",
}
DOWNLOADER_MIDDLEWARES = {
    # Scope first, so nothing out of scope is ever requested, not even its robots.txt.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "seedcrawl.crawler.components.scope.ScopeMiddleware": 50,
    "seedcrawl.crawler.components.frontier_mw.FrontierMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "seedcrawl.crawler.components.robots.StrictRobotsTxtMiddleware": 100,
    # Before RetryMiddleware (550) sees a 429/503: it may give the URL up instead of retrying.
    "seedcrawl.crawler.components.retry_after.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "seedcrawl.crawler.components.cookies.BoundedCookiesMiddleware": 700,  # Scrapy's own place for it
    # Scrapy's decompression, bombs stopped at DOWNLOAD_MAXSIZE as before, and now counted.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "seedcrawl.crawler.components.limits.CountedDecompressionMiddleware": 590,
    # Closest to the downloader, so truncated bodies are handled before decompression.
    "seedcrawl.crawler.components.truncation.TruncatedResponseMiddleware": 950,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    # Off (REMOTE_CONTROL_ENABLED) and not even imported: its module loads aiohttp, ~0.2 s of CPU
    # at every crawl's start.
    "scrapy.extensions.remote_control.RemoteControl": None,
    "seedcrawl.crawler.capture.extension.WarcCapture": 100,
    "seedcrawl.crawler.components.report.CrawlReport": 200,
    "seedcrawl.crawler.components.limits.CrawlLimits": 300,
}

LOG_LEVEL = "INFO"

# --- fault handling (crawler/components/retry_after.py, crawler/components/limits.py) -------------------------------
# A 429/503 with Retry-After holds the host's download slot that long; a longer wait than this
# gives the URL up for this run (error `retry_after_too_long`). 0 ignores Retry-After.
SEEDCRAWL_RETRY_AFTER_MAX = 60
# Crawl-wide limits, 0 for none: the crawl closes cleanly (whole WARC files, the summary's
# finish_reason `max_bytes` / `max_time`) after this many downloaded body bytes or seconds.
SEEDCRAWL_MAX_BYTES = 0
SEEDCRAWL_MAX_TIME = 0.0

# --- shards (crawler/sharding/, seedcrawl/shard_run.py) ------------------------------------------
SEEDCRAWL_SHARD = None  # "I/N": this crawl is shard I of N (`--shards N --shard I`)
SEEDCRAWL_REDIS = None  # redis://HOST:PORT/DB the shards share (`--redis`)
SEEDCRAWL_SHARD_POLL = 0.2  # seconds between polls of the shard's Redis inbox
SEEDCRAWL_SHARD_RESTARTS = 3  # times the supervisor starts a dead shard again

# --- resume (crawler/run/resume.py) ---------------------------------------------------------------
# `seedcrawl crawl` sets these from the run marker, DIR/state/run.json. With `scrapy crawl` itself,
# -s SEEDCRAWL_RESUME=True -s SEEDCRAWL_RUN_ID=<the unfinished run's id> resumes that run.
SEEDCRAWL_RESUME = False  # replay what run SEEDCRAWL_RUN_ID archived already instead of fetching it
SEEDCRAWL_RUN_SPEC = None  # JSON of the run's seeds and options, kept in the marker for resuming
SEEDCRAWL_REPLACES_RUN = None  # the unfinished run this new one was started in place of (--new-run)
