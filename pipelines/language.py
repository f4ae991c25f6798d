"""The language of an article's text, detected rather than declared.

Pages often declare the site's language, not the article's (an English site's Spanish story
says `lang="en"`), or declare nothing. py3langid (a modernised langid.py, 97 languages, its
model inside the package: nothing is fetched at run time) classifies the first few thousand
characters of the extracted text: 1-2 ms of CPU a page, measured inside the extract step. Its
model loads once per process, on first use (about 0.9 s of CPU), so a process that never
detects never pays for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_SAMPLE_CHARS = 3000  # enough to be sure; classifying is linear in the text's length
_MIN_CHARS = 40  # a line or two: shorter texts are too short to tell
_MIN_PROBABILITY = 0.5
# A first look at this much of the text decides when it is near certain: 400 of the 417 longer
# texts kept from the dev sets, with the whole sample's verdict on every page
# (bench/extraction_identity.py: the same records), for about half the CPU. A text that changes
# language after a sure start (a long lead in one, the body in another) is the lead's language.
_FIRST_CHARS = 1000
_SURE = 0.999


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # the model loads here, once

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or too mixed."""
    sample = text[:_SAMPLE_CHARS]
    if len(sample.strip()) < _MIN_CHARS:
        return None
    identifier = _identifier()
    if len(sample) > _FIRST_CHARS:
        code, probability = identifier.classify(sample[:_FIRST_CHARS])
        if probability >= _SURE:
            return str(code)
    code, probability = identifier.classify(sample)
    return str(code) if probability >= _MIN_PROBABILITY else None


def parse_languages(value: str) -> frozenset[str]:
    """`--language en,de` -> {"en", "de"}; raises ValueError for anything but 2-3 letter codes."""
    codes = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    bad = sorted(c for c in codes if not (c.isalpha() and c.isascii() and 2 <= len(c) <= 3))
    if not codes or bad:
        raise ValueError(f"--language takes ISO 639 codes separated by commas, e.g. en,de (got {value!r})")
    return codes
