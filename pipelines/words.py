"""Counting words in any script: the one count that extraction and deduplication both use.

Chinese and Japanese put no spaces between words, so counting spaces would make a 1,000-character
Chinese article one "word" long: too short for an article, and too short for near-duplicate
matching. Those characters count half a word each (a word there averages about two characters);
everything else counts by whitespace-separated runs. The count is the same for a text and for its
normalised form (`pipelines/dedup/normalize.py`, which puts spaces between CJK characters).

    >>> word_count("Talks end without a deal")
    5
    >>> word_count("和平谈判没有达成协议")
    5
"""

from __future__ import annotations

import re

# Hiragana, katakana, CJK unified ideographs (with extension A) and Hangul syllables.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def word_count(text: str) -> int:
    """Words in `text`: whitespace-separated runs outside CJK, plus one per two CJK characters."""
    if text.isascii():
        return len(text.split())
    cjk = len(CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(CJK.sub(" ", text).split()) + cjk // 2
