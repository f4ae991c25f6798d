"""WARC capture: the Scrapy extension that archives every exchange as it was transferred.

Split by job, each module one of them:
- extension.py: `WarcCapture`, the extension in EXTENSIONS, wiring Scrapy's signals to the rest
  and stopping the crawl when the output folder cannot be written;
- exchange.py: a downloaded response as an `HttpExchange` (headers repeated as sent, the protocol
  of both lines, why the body was cut);
- size_limit.py: DOWNLOAD_MAXSIZE, enforced so that an oversized body is archived cut;
- warc_output.py: the WARC writer's lifecycle (recovery, capture history for revisits, process or
  thread writer, close and abort, files a dead writer left open);
- run_lifecycle.py: the run id, the warcinfo record, the folder lock and the run marker;
- counts.py: what capture adds to the crawl's stats.

Nothing is imported here: Scrapy and the callers name the module that holds what they use.
"""
