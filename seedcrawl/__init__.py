"""Seedcrawl: command line and bundled demo web."""
