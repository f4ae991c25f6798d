"""Which of trafilatura's two texts of a page is kept, and what the other gives back to it.

The precision run drops boilerplate better, the recall run keeps more of the body. `vote` keeps
the precision text unless it holds too small a share of the recall text's words: then precision
mode failed on the template (it returned nothing, an introduction, or a teaser box).

When the precision text is kept it still misses paragraphs now and then in the middle of the
article: a paragraph holding a link list, a quote box, a heading in a div precision mode
distrusts. `fill_gaps` takes those back from the recall text, but only blocks that lie between
two blocks of the precision text itself (in the recall text's order). What recall mode adds
before the first or after the last of them is mostly what precision mode is there to drop: menus,
teasers, comment forms and related lists at the ends of the text. `extend_ends` takes back only
the blocks right next to those ends that the caller's tests accept (prose, no links, no chrome),
up to the first it refuses: the introduction or key points precision mode cut off the top, the
list it cut off the bottom.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher

from seedcrawl.pipelines.chrome import Block, ChromeOptions, Cleaned, LineMemo
from seedcrawl.pipelines.words import word_count

_WORD = re.compile(r"\w+")
_RESTATED_SHARE = 0.6
_PROSE_WORDS = 15  # a paragraph of body text, not a card's date, category or label
_SENTENCE_WORDS = 4  # "- Fold it flat." with its list marker
_SENTENCE_ENDS = ".!?。！？"  # full-width: Chinese and Japanese


def vote(texts: list[Cleaned], min_precision_share: float) -> int:
    """Index of the first (precision) text, unless it has less than `min_precision_share` of the
    words of the last (recall) one."""
    if len(texts) == 1:
        return 0  # one run: nothing to vote on, and its words need not be counted
    first, last = texts[0], texts[-1]
    words = [sum(word_count(b.text) for b in t.blocks) for t in (first, last)]
    return 0 if words[0] >= min_precision_share * words[1] else len(texts) - 1


def fill_gaps(
    precision: list[Block], recall: list[Block], accept: Callable[[list[Block], Block], bool]
) -> list[Block]:
    """The precision blocks with each run of recall blocks that sits between two of them and that
    `accept` takes (given the run and the precision block after it) inserted where it stands; the
    blocks are raw (chrome cleaning comes after, on the merged text)."""
    matcher = SequenceMatcher(None, [b.text for b in precision], [b.text for b in recall], autojunk=False)
    opcodes = matcher.get_opcodes()
    equal = [k for k, (tag, *_) in enumerate(opcodes) if tag == "equal"]
    if len(equal) < 2:
        return precision
    merged: list[Block] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        merged.extend(precision[i1:i2])
        # only a pure insertion, and inside the span the two texts share: a "replace" is the
        # same paragraph cut differently by the two modes, and would print it twice
        if tag == "insert" and equal[0] < k < equal[-1] and accept(recall[j1:j2], precision[i1]):
            merged.extend(recall[j1:j2])
    return merged


def extend_ends(
    precision: list[Block], recall: list[Block], lead: Callable[[Block], bool], tail: Callable[[Block], bool]
) -> list[Block]:
    """The precision blocks with the recall blocks right before the first of them that `lead`
    takes and right after the last that `tail` takes, each run up to the first block refused."""
    matcher = SequenceMatcher(None, [b.text for b in precision], [b.text for b in recall], autojunk=False)
    shared = matcher.get_matching_blocks()[:-1]  # the last is a zero-length sentinel
    if not shared:
        return precision
    first, last = shared[0], shared[-1]
    before: list[Block] = []
    if first.a == 0:  # nothing of precision's own before it: the recall blocks are where it starts
        for block in reversed(recall[: first.b]):
            if not lead(block):
                break
            before.append(block)
    after: list[Block] = []
    if last.a + last.size == len(precision):
        for block in recall[last.b + last.size :]:
            if not tail(block):
                break
            after.append(block)
    return before[::-1] + precision + after if before or after else precision


def body_run(run: list[Block], after: Block, options: ChromeOptions, memo: LineMemo) -> bool:
    """Whether blocks precision mode dropped mid-text are body, not an inline box of other
    articles (headline links, teaser cards) or a gallery or share row (a strong chrome match).
    A run of prose with a linked line here and there (a list naming things, one of them a link)
    is the body's. A heading alone whose text is also a link (a "top stories" box, a site menu
    naming it) is the body's, when prose follows it; before a card's date or label it is a card's
    headline."""
    if any(b.teaser or memo.short_kind(b, options) for b in run):
        return False
    linked = [b for b in run if b.linked]
    if not linked:
        return True
    # more than two prose lines to each linked one: an inline box of other articles is mostly links
    prose = sum(1 for b in run if not b.linked and word_count(b.text) >= _PROSE_WORDS)
    if prose > 2 * len(linked):
        return True
    heading = len(run) == 1 and run[0].tag == "head"
    return heading and not (after.linked or after.teaser) and word_count(after.text) >= _PROSE_WORDS


def body_block(block: Block, options: ChromeOptions, memo: LineMemo, tags: tuple[str, ...]) -> bool:
    """Whether a block beside the precision text's ends is the body's: a paragraph of prose (or a
    heading, when `tags` has "head") with one of `tags`, no link or teaser text, no chrome match."""
    if block.tag not in tags or block.linked or block.teaser:
        return False
    words = word_count(block.text)
    # a short list item is one when it is a sentence ("Fold it flat."); "Contact sales" is a button
    sentence = block.tag == "item" and words >= _SENTENCE_WORDS and block.text.rstrip()[-1:] in _SENTENCE_ENDS
    if block.tag != "head" and words < _PROSE_WORDS and not sentence:
        return False
    return memo.short_kind(block, options) is None


def restates(block: Block, summary: str | None) -> bool:
    """Whether most of the block's words are the page's summary's (a dek or teaser above the body)."""
    if not summary:
        return False
    words = _WORD.findall(block.text.lower())
    known = set(_WORD.findall(summary.lower()))
    return sum(w in known for w in words) >= _RESTATED_SHARE * len(words)
