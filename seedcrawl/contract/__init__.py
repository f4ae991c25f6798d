"""What crawler and pipelines agree on: the corpus files and their records, and the topic profile.

Both packages import from here and never from each other, so a crawl can read what processing wrote
(incremental runs) and processing can read what a crawl saved (the topic) without a back arrow.
"""
