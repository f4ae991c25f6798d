"""Every Scrapy setting seedcrawl changes, in one place.

Defaults are polite for news sites; each can be overridden per crawl with `-s NAME=VALUE`
(`seedcrawl crawl -s DOWNLOAD_DELAY=2` or `scrapy crawl news -s ...`).
"""

BOT_NAME = "seedcrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "seedcrawl/0.1 (archival news crawler; +https://github.com/seedcrawl/seedcrawl)"

# --- seedcrawl's own settings --------------------------------------------------------------
SEEDCRAWL_OUTPUT = None  # output folder; WARC capture is off without it
SEEDCRAWL_RUN_ID = None  # recorded in every warcinfo record; made up from the start time if unset
SEEDCRAWL_WARC_PREFIX = "seedcrawl"
SEEDCRAWL_WARC_MAX_FILE_SIZE = 1_000_000_000  # rotate WARC files at this many bytes
SEEDCRAWL_WARC_CAPTURE = True  # False only for benchmarks measuring the cost of capture
SEEDCRAWL_REVISITS = True  # identical payloads already archived become revisit records
SEEDCRAWL_PROGRESS = None  # None: a progress line when stderr is a terminal; True/False to force
SEEDCRAWL_PROGRESS_INTERVAL = 2.0

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
# A body cut by a dropped connection still reaches capture (archived with WARC-Truncated) and is
# then retried by TruncatedResponseMiddleware, instead of being thrown away by the handler.
DOWNLOAD_FAIL_ON_DATALOSS = False
REDIRECT_MAX_TIMES = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
DEPTH_LIMIT = 3
DEPTH_PRIORITY = 1  # with the FIFO queues below: breadth-first
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# --- safety ----------------------------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 would open an HTTP code-execution endpoint

# --- components ------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Scope first, so nothing out of scope is ever requested, not even its robots.txt.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.scope.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    # Closest to the downloader, so truncated bodies are handled before decompression.
    "crawler.truncation.TruncatedResponseMiddleware": 950,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.capture.WarcCapture": 100,
    "crawler.report.CrawlReport": 200,
}

LOG_LEVEL = "INFO"
