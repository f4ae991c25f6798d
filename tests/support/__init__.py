"""Helpers shared by tests: WARC builders (`warcs`) and a pywb replay harness (`pywb`)."""
