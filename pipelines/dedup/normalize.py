"""Text normalisation shared by exact and near-duplicate matching.

Two copies of one article differ in ways a reader ignores: compatibility characters (ligatures,
full-width digits, non-breaking spaces), letter case, curly versus straight quotes, dashes and
punctuation runs, line wrapping. `normalize_text` folds all of these away so that the exact key
and the word shingles only see words. The output is words separated by single ASCII spaces, which
`signatures` relies on to find word boundaries in the encoded bytes without tokenising again.
Chinese and Japanese write no spaces between words, so each of their characters is a word here:
shingles are then runs of characters, and a near copy of a CJK article is found like any other.

Example:
    >>> normalize_text("The  “Kremlin”\u00a0said—again: NO.")
    'the kremlin said again no'
    >>> normalize_text("Don’t panic") == normalize_text("DON'T  PANIC!")
    True
    >>> normalize_text("和平谈判，没有协议。")
    '和 平 谈 判 没 有 协 议'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from seedcrawl.pipelines.words import CJK

# Version of the rules below; stored with persisted indexes, because changing a rule changes every
# exact key and shingle and so silently stops matching against what earlier runs kept.
# 2: CJK characters are words of their own (1 kept a run of them as one word).
NORMALIZATION_VERSION = 2

# Apostrophes join the parts of a word ("don't" -> "dont"); any other punctuation or symbol
# separates words ("well-known" -> "well known", "end.Start" -> "end start").
_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`\u00b4")
# `[^\w\s]` also matches combining marks (Devanagari vowel signs, Arabic harakat) and format
# characters; `_fold` keeps marks inside the word and deletes format characters (soft hyphens,
# zero-width joiners) instead of splitting the word there.
_NON_WORD = re.compile(r"(?:[^\w\s]|_)+")
# For the fast path: every ASCII byte that is not a letter, digit or whitespace becomes a space,
# and so do common non-ASCII punctuation characters (all of category P, so `_fold` would agree).
_ASCII_TO_SPACE = bytes(b if chr(b).isalnum() or chr(b).isspace() else 0x20 for b in range(128)) + bytes(
    range(128, 256)
)
_COMMON_PUNCTUATION = "\u00ab\u00bb\u201c\u201d\u201e\u2013\u2014\u2026\u00bf\u00a1\u2022\u00b7"


def _fold(match: re.Match[str]) -> str:
    out = []
    for char in match.group():
        if char in _APOSTROPHES:
            continue
        category = unicodedata.category(char)
        if category[0] == "M":
            out.append(char)
        elif category != "Cf":
            out.append(" ")
    return "".join(out)


def normalize_text(text: str) -> str:
    """Return `text` as lower-case words separated by single spaces (NFKC, casefold, no punctuation)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    for apostrophe in _APOSTROPHES:
        if apostrophe in folded:
            folded = folded.replace(apostrophe, "")
    # Equal to `" ".join(_NON_WORD.sub(_fold, folded).split())`, but that regex costs ~0.3 ms per
    # 5,000 characters; C-level replacements do the common cases and the regex only sees the words
    # with anything else left in them (marks, format characters, rarer symbols).
    for char in _COMMON_PUNCTUATION:
        if char in folded:
            folded = folded.replace(char, " ")
    # surrogatepass: a lone surrogate survives the round trip, and the regex path turns it into a space.
    data = folded.encode("utf-8", "surrogatepass").translate(_ASCII_TO_SPACE)
    words = data.decode("utf-8", "surrogatepass").split()
    if not "".join(words).isalnum():
        out: list[str] = []
        for word in words:
            if word.isalnum():
                out.append(word)
            else:
                out.extend(_NON_WORD.sub(_fold, word).split())
        words = out
    joined = " ".join(words)
    if joined.isascii() or CJK.search(joined) is None:
        return joined
    return " ".join(CJK.sub(r" \g<0> ", joined).split())


def exact_key(normalized: str) -> bytes:
    """A 16-byte fingerprint of normalised text; equal keys mean the same words in the same order."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).digest()
