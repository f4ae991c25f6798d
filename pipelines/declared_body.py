"""The article text a page declares in its JSON-LD (`articleBody`), as blocks.

Publishers put the whole story in `NewsArticle.articleBody` for search engines. When the page's
markup hides most of it from trafilatura (a gallery template, cards it prunes, text it reads as
boilerplate), the declared body is the better text; the extract step takes it when it holds more
than `ExtractOptions.declared_body_ratio` times the words of what trafilatura found. A declared
body is often a teaser or a summary as well, which is why it never replaces a longer text.
"""

from __future__ import annotations

import re
from contextlib import suppress
from html import unescape

from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring

from seedcrawl.pipelines.chrome import Block

_MARKUP = re.compile(r"<(?:p|br|div|li|h[1-6])\b", re.IGNORECASE)
_BLOCK_TAGS = frozenset({"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_LINES = re.compile(r"\s*\n\s*")


def declared_blocks(body: str) -> list[Block]:
    """One block per paragraph of a declared body (plain text with line breaks, or HTML)."""
    text = unescape(body) if "&lt;" in body else body  # some sites escape the markup
    if _MARKUP.search(text):
        # unparsable markup is left as it is: a few tags in the words cost less than a lost body
        with suppress(etree.LxmlError, ValueError):
            text = _markup_text(fragment_fromstring(text, create_parent="div"))
    return [Block(" ".join(line.split())) for line in _LINES.split(text) if line.strip()]


def _markup_text(root: HtmlElement) -> str:
    """The text with a line break after each block element and at each <br>."""
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    return str(root.text_content())
