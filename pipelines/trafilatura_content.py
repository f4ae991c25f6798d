"""trafilatura's `extract_content` and baseline cleaning, with the regex prunes they run made cheaper.

`extract_content` prunes each candidate body with `prune_unwanted_sections`, whose
`OVERALL_DISCARD_XPATH` (and, in precision mode, `PRECISION_DISCARD_XPATH`) tests class and id
tokens with EXSLT regexes that lxml runs as a Python call for every element, several prunes a page
with two runs. Here the same prunes are answered from the page's distinct attribute values
(`pipelines.xpath_hits`): 3-6% less CPU for the whole step (bench/results/extraction_cpu.md), and
the same elements selected in the same order
(tests/test_trafilatura_runs.py holds the runs to `bare_extraction`; `bench/extraction_identity.py`
to the previous output on both dev sets). The same goes for baseline's `basic_cleaning`, which
tests a case-insensitive cookie-banner regex on every element's class and id, and which
`html2txt`, `baseline` and the jusText rescue run.

The functions are trafilatura's own code (2.3.1, pinned), rebound (`pipelines.rebound`) to a
namespace in which those few names mean the cheaper prune: nothing is copied and trafilatura's
module is left unchanged, so its other callers, and a trafilatura upgrade, get trafilatura's code
as written.

`PrecisionPrunedRecall` is trafilatura's recall mode with one stage of its precision mode: each
candidate body is pruned as precision mode prunes it (`prune_unwanted_sections`: teaser, "bottom"
and "link" boxes, bordered boxes and `header` elements discarded by name, the stricter link-density
tests, trailing headings dropped); recall's choice of body, its wider set of tags and its fallbacks
are kept. That one run drops the standfirsts, related-link lists and promotional links that,
without it, only a second, precision run removed (`pipelines.extract`, bench/results/extraction.md).
"""

from __future__ import annotations

from typing import Any

from lxml.etree import XPath, _Element
from lxml.html import HtmlElement
from trafilatura import baseline as trafilatura_baseline
from trafilatura import external, main_extractor
from trafilatura.baseline import basic_cleaning
from trafilatura.baseline import html2txt as trafilatura_html2txt
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.settings import BASIC_CLEAN_XPATH, Extractor
from trafilatura.xml import delete_element
from trafilatura.xpaths import OVERALL_DISCARD_XPATH, PRECISION_DISCARD_XPATH

from seedcrawl.pipelines.rebound import rebound
from seedcrawl.pipelines.xpath_hits import PageRegexXPath

__all__ = [
    "OVERALL_DISCARD",
    "PrecisionPrunedRecall",
    "baseline",
    "extract_content",
    "html2txt",
    "justext_rescue",
    "prune_nodes",
]

OVERALL_DISCARD = PageRegexXPath(OVERALL_DISCARD_XPATH)
_PRECISION_DISCARD = PageRegexXPath(PRECISION_DISCARD_XPATH)


class PrecisionPrunedRecall(Extractor):
    """trafilatura's options for a recall run whose candidate bodies are pruned as in precision
    mode (see the module's docstring); takes `Extractor`'s arguments, with `recall=True`."""

    __slots__ = ("prune_options",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prune_options = Extractor(**{**kwargs, "precision": True, "recall": False})


def prune_nodes(
    tree: HtmlElement, nodelist: PageRegexXPath | list[XPath], with_backup: bool = False
) -> HtmlElement:
    """trafilatura's `prune_unwanted_nodes`, taking a `PageRegexXPath` as well as a list of XPath."""
    if not isinstance(nodelist, PageRegexXPath):
        return prune_unwanted_nodes(tree, nodelist, with_backup)
    if not with_backup:
        for selected in nodelist.select(tree):
            for element in selected:
                delete_element(element)  # the tail text is kept
        return tree
    # trafilatura's guard, as it writes it: prune nothing when that would remove too much text
    matches = dict.fromkeys(element for selected in nodelist.select(tree) for element in selected)
    outer = [element for element in matches if not any(a in matches for a in element.iterancestors())]
    old_len = len(tree.text_content())
    if old_len - sum(len(element.text_content()) for element in outer) > old_len / 7:
        for element in outer:
            delete_element(element)
    return tree


_trafilatura_prune_sections = rebound(
    main_extractor.prune_unwanted_sections,
    prune_unwanted_nodes=prune_nodes,
    OVERALL_DISCARD_XPATH=OVERALL_DISCARD,
    PRECISION_DISCARD_XPATH=_PRECISION_DISCARD,
)


def _prune_sections(
    tree: HtmlElement, potential_tags: set[str], options: Extractor, keep_teasers: bool = False
) -> HtmlElement:
    """`prune_unwanted_sections`, in precision mode for a `PrecisionPrunedRecall` run."""
    if isinstance(options, PrecisionPrunedRecall):
        options = options.prune_options
    return _trafilatura_prune_sections(tree, potential_tags, options, keep_teasers)


_extract_content = rebound(
    main_extractor.extract_content,
    _extract=rebound(main_extractor._extract, prune_unwanted_sections=_prune_sections),
    recover_wild_text=rebound(main_extractor.recover_wild_text, prune_unwanted_sections=_prune_sections),
)


def extract_content(cleaned_tree: HtmlElement, options: Extractor) -> tuple[_Element, str]:
    """What `trafilatura.main_extractor.extract_content(cleaned_tree, options)` returns."""
    return _extract_content(cleaned_tree, options)


# baseline's own cleaning, which tests a case-insensitive cookie-banner regex on every element's class
# and id, answered from the page's values as well (5.2 against 1.8 ms on a dev page's body); the
# recall run's page-share test (`html2txt`), the baseline and the jusText rescue clean with it
_basic_cleaning = rebound(basic_cleaning, BASIC_CLEAN_XPATH=PageRegexXPath([BASIC_CLEAN_XPATH]))
html2txt = rebound(trafilatura_html2txt, basic_cleaning=_basic_cleaning)
baseline = rebound(trafilatura_baseline, basic_cleaning=_basic_cleaning)
justext_rescue = rebound(external.justext_rescue, basic_cleaning=_basic_cleaning)
