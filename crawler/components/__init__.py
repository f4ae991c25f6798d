"""Scrapy components: downloader middlewares, download handlers and extensions (capture/ aside)."""
