"""Crawl shards: who owns a host, and what shards share through Redis."""
