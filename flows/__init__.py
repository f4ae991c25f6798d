"""Prefect orchestration of seedcrawl: crawl -> process -> index -> package (`flows.crawl_flow`).

Importing this package imports nothing else: `flows.runner` prepares Prefect's settings and must
be importable before Prefect is.
"""
