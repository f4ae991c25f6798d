"""Frontier and run state: what is queued and seen, what a run keeps on disk, resume, replay, incremental runs."""
