"""The byline read from the markup is what trafilatura's own `extract_author` reads, and the
page's tree is left as it was."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from seedcrawl.pipelines.markup_author import markup_author

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
BODIES = {
    # the first candidate sits in a comment section, which the prune removes
    "in comments": '<div class="comments"><span class="author">Commenter Name</span></div>'
    '<span class="author">Jane Roe</span>',
    # a date inside the byline goes, and the text after it joins the text before it
    "time inside": '<div class="byline">By Jane<time>May 2</time>Roe, staff</div>',
    "figure inside": '<p class="author">Jane <figure><figcaption>Photo</figcaption></figure>Roe</p>',
    "nested prunes": '<div class="author-name">Ann <span class="date">today</span><span class="print">x</span>'
    "Lee<time>now</time></div>",
    # the whole byline is a figure's, then a sidebar's: the next candidate counts
    "byline in figure": '<figure><span class="byline">Photo Agency</span></figure><a rel="author">Sam Poe</a>',
    "in sidebar": '<aside><div class="sidebar"><a rel="author">Other Writer</a></div></aside>'
    '<div id="author">Max Mustermann</div>',
    # too short, then too long: the generic expressions decide
    "lengths": '<span class="author">Al</span><div class="writer">' + "word " * 40 + "</div>"
    '<div data-component="Byline">Kim Park</div>',
    "author tag": "<author>Lee Chen</author>",
    # a <rel> element: its text decides `rel='me'`, the plain way is taken
    "rel element": '<span class="x"><rel>m<time>1</time>e</rel>Jo Ray</span>',
    "none": "<p>No byline on this page at all.</p>",
}
PAGES = {name: f"<html><body><article>{body}</article></body></html>" for name, body in BODIES.items()}
# markup after </html> becomes a second root element, which extract_author's copy does not hold
PAGES["after the end"] = '<html><body><p>Text.</p></body></html><div id="author">Jane Roe</div>'
PAGES |= {path.name: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.html"))}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_markup_author_is_trafilaturas(name: str) -> None:
    tree = load_html(PAGES[name])
    before = lxml.html.tostring(tree)
    assert markup_author(tree) == extract_author(tree)
    assert lxml.html.tostring(tree) == before


def test_the_pages_find_authors() -> None:
    # most pages above have one, or the comparison would hold for trivial reasons
    found = {name: markup_author(load_html(html)) for name, html in PAGES.items() if name in BODIES}
    assert found["in comments"] == "Jane Roe"
    assert found["in sidebar"] == "Max Mustermann"
    assert sum(1 for author in found.values() if author) >= 7
