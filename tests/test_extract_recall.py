"""What the extract step takes back that trafilatura's precision mode alone would lose.

Each fixture under tests/fixtures/extract_recall/ is a small hand-written page showing one case:
a boxed paragraph precision mode drops in the middle of the article, a body buried in widget
divs only the jusText candidate finds, an inline "Related:" label in a news paragraph, a
rating written as a fraction, and section headings a table of contents links to.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from seedcrawl.pipelines.chrome import Block, ChromeOptions, Cleaned, LineMemo, PageFacts, clean
from seedcrawl.pipelines.extract import ExtractOptions, extract
from seedcrawl.pipelines.vote import body_block, body_run, extend_ends, fill_gaps, restates, vote
from tests.support.docs import page_doc

FIXTURES = Path(__file__).parent / "fixtures" / "extract_recall"
URL = "https://news.example/2026/11/story"


def run(name: str, options: ExtractOptions | None = None) -> str:
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return extract(page_doc(html, URL), options or ExtractOptions()).text


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def test_a_box_precision_mode_drops_mid_article_comes_back_in_place() -> None:
    text = paragraphs(run("boxed_list.html"))
    box = "Three rules keep a small plot easy to work:"
    assert box in text
    # where it stands on the page: after the paragraph before the box, before the one after it
    before = next(i for i, p in enumerate(text) if p.startswith("Start by watching"))
    after = next(i for i, p in enumerate(text) if p.startswith("Next, choose crops"))
    assert before < text.index(box) < after
    assert any(p.startswith("- Leave paths wide enough") for p in text[text.index(box) : after])
    # what precision mode drops at the edges of the text stays dropped: the site's menu
    assert not any("Events" in p for p in text)


def test_without_gap_filling_the_box_is_lost() -> None:
    text = run("boxed_list.html", dataclasses.replace(ExtractOptions(), fill_gaps=False))
    assert "Finally, plan for succession." in text
    assert "Three rules keep a small plot easy to work:" not in text


def test_a_body_buried_in_widget_divs_is_found_by_the_justext_candidate() -> None:
    text = run("widget_body.html")
    assert text.startswith("Winter days are short")
    for name in ("Snake plant", "ZZ plant", "Cast-iron plant", "Radiator plant", "Pothos"):
        assert name in paragraphs(text)
    assert "Yellow leaves usually mean too much water" in text


def test_an_inline_related_label_does_not_cut_the_article() -> None:
    text = run("related_inline.html")
    assert "has cost the region more than ten million euros" in text
    # the paragraphs after it are the rest of the story, not a related-links list
    assert text.endswith("asked the council to light the quay for early departures in winter.")


def test_a_comments_heading_followed_by_a_comment_still_cuts_the_tail() -> None:
    story = [
        Block(f"Paragraph {n} of the story, long enough to count as the body of the article.")
        for n in range(4)
    ]
    comment = Block("I have lived by the harbour for forty years and never seen a storm like it.")
    kept = clean([*story, Block("Comments:"), comment], PageFacts(), ChromeOptions()).blocks
    assert kept == story
    label = [*story, Block("Related:"), comment]
    assert clean(label, PageFacts(), ChromeOptions()).blocks == [*story, comment]


def test_a_rating_in_prose_is_not_a_page_counter() -> None:
    text = paragraphs(run("rating.html"))
    assert "4.3/5" in text
    assert "2/3" not in text  # the pager under the review is still chrome


def test_gap_filling_takes_only_runs_between_two_precision_blocks_that_pass_the_check() -> None:
    menu, lede, box, middle, links, end, related = (
        Block("Home News Sport"),
        Block("The lede of the story."),
        Block("A boxed paragraph precision mode dropped."),
        Block("The middle of the story."),
        Block("Another story's headline", linked=True),
        Block("The end of the story."),
        Block("More stories from the site"),
    )
    precision = [lede, middle, end]
    recall = [menu, lede, box, middle, links, end, related]
    merged = fill_gaps(precision, recall, lambda run, after: not any(b.linked for b in run))
    assert merged == [lede, box, middle, end]
    # a paragraph the two modes cut differently is kept once, as precision mode has it
    recut = [lede, Block("The middle of the story, as recall mode cut it."), end]
    assert fill_gaps(precision, recut, lambda run, after: True) == precision


def test_a_gap_run_of_other_articles_stays_out_and_a_linked_section_heading_comes_back() -> None:
    def taken(run: list[Block], after: Block) -> bool:
        return body_run(run, after, ChromeOptions(), LineMemo())

    prose = Block(
        "Learning to play an instrument trains memory and attention, and the habit of practice lasts."
    )
    assert taken([Block("A paragraph precision mode dropped, with nothing linked in it.")], prose)
    # a section heading the table of contents links to, with its section's prose after it
    heading = Block("Cognitive benefits of music", tag="head", linked=True)
    assert taken([heading], prose)
    # the same shape before a card's category label is a card's headline
    assert not taken([heading], Block("Startups"))
    # headline links and teasers of other articles, a share row
    assert not taken(
        [Block("Another story's headline", linked=True), Block("And another one", linked=True)], prose
    )
    assert not taken([Block("What a teaser of another article says.", teaser=True)], prose)
    assert not taken([Block("Share on Facebook")], prose)


def test_headings_a_table_of_contents_links_to_are_the_bodys_not_a_headline_list() -> None:
    text = paragraphs(run("toc_headings.html"))
    assert text[:2] == [
        "Our picks for self-employed accounting software",
        "QuickBooks Online: best overall software",
    ]
    assert text[2].startswith("QuickBooks Online covers invoicing")
    assert "Zoho Books: best for long-term scalability" in text
    assert "Contents" not in text  # the table of contents itself is still not the body


def test_a_key_points_list_precision_mode_drops_before_the_text_comes_back() -> None:
    text = paragraphs(run("lead_list.html"))
    assert (
        text[0]
        == "- Winter crops now go in about two weeks later than a generation ago on the valley's allotments."
    )
    assert text[3].startswith("When the allotment society planned its winter planting")
    assert "Valley gardeners plant later" not in text  # the title stays out, as before


def test_a_list_precision_mode_drops_after_the_text_comes_back_but_not_a_heading_after_it() -> None:
    text = paragraphs(run("tail_list.html"))
    assert text[-5] == "After three seasons of notebooks, the members agree on three rules:"
    assert text[-2].startswith("- Fleece is for lettuces: the early lettuces need it in January")
    assert text[-1] == "- Write it down."  # short, but a sentence
    assert "Next season" not in text
    assert "Index of steps" not in text


def test_the_ends_take_prose_and_list_items_but_not_a_dek_that_restates_the_summary() -> None:
    first, last = Block("The article's first paragraph, which precision mode kept."), Block("Its last one.")
    dek = Block("Allotment notebooks show winter planting moving two weeks later in the valley this decade.")
    intro = Block(
        "An introduction precision mode dropped, which is long enough to be a paragraph of prose here."
    )
    items = [
        Block(f"- A point of the list at the end, number {n}, which is long enough to be prose.", "item")
        for n in range(2)
    ]
    after = Block("A note after the article that is a paragraph, not a list item, and stays out of it.")
    summary = "Notebooks show winter planting moving two weeks later in the valley."

    def lead(block: Block) -> bool:
        return body_block(block, ChromeOptions(), LineMemo(), ("p", "item", "head")) and not restates(
            block, summary
        )

    def tail(block: Block) -> bool:
        return body_block(block, ChromeOptions(), LineMemo(), ("item",))

    recall = [dek, intro, first, last, *items, after]
    assert extend_ends([first, last], recall, lead, tail) == [intro, first, last, *items]


def test_a_box_whose_list_has_one_linked_item_among_prose_items_still_comes_back() -> None:
    text = paragraphs(run("boxed_list_linked.html"))
    box = text.index("Three rules keep a small plot easy to work:")
    assert text[box + 1].startswith("- Measure the beds")  # the whole item is a link to a guide
    assert text[box + 4].startswith("- Mark each bed")
    assert text[box + 5].startswith("Next, choose crops")


def test_a_gap_run_mostly_of_links_stays_out_even_with_a_paragraph_in_it() -> None:
    prose = Block("A paragraph of the story that is long enough to count as prose in the body here.")
    headline = Block("Another story's headline on the same site", linked=True)
    assert not body_run([headline, prose], prose, ChromeOptions(), LineMemo())
    assert not body_run([headline, prose, prose, headline], prose, ChromeOptions(), LineMemo())
    assert body_run([headline, prose, prose, prose], prose, ChromeOptions(), LineMemo())


def test_a_short_list_item_at_an_end_is_the_bodys_only_when_it_is_a_sentence() -> None:
    def taken(text: str) -> bool:
        return body_block(Block(text, "item"), ChromeOptions(), LineMemo(), ("item",))

    assert taken("- Fold it flat.")
    assert not taken("- Contact sales")
    assert not taken("- Posts")


# Chinese puts no spaces between words: counted by whitespace, a paragraph of it was one "word",
# never prose, so precision mode's losses in Chinese articles were never taken back.
ZH_PROSE = "市政府周四宣布，从下个月起，城市轮渡将恢复冬季时刻表，最后一班渡轮的时间从午夜提前到晚上九点。"
ZH_ITEM = "- 持有季票的乘客继续享受折扣。"


def test_chinese_prose_and_sentences_are_prose_at_the_ends_and_in_the_gaps() -> None:
    def taken(block: Block) -> bool:
        return body_block(block, ChromeOptions(), LineMemo(), ("p", "item"))

    assert taken(Block(ZH_PROSE))
    assert taken(Block(ZH_ITEM, "item"))  # short, but a sentence: it ends with a full-width stop
    assert not taken(Block("- 联系销售", "item"))  # a button
    assert not taken(Block("相关新闻"))  # a label, not a paragraph
    headline = Block("港口扩建工程明年开工", linked=True)
    prose = Block(ZH_PROSE)
    assert body_run([headline, prose, prose, prose], prose, ChromeOptions(), LineMemo())
    assert not body_run([headline, prose], prose, ChromeOptions(), LineMemo())


def test_the_vote_weighs_chinese_texts_by_their_words_not_their_paragraphs() -> None:
    # precision kept the whole article in two long paragraphs; recall split it in six, with a label
    precision = Cleaned([Block(ZH_PROSE * 3), Block(ZH_PROSE * 3)], Counter())
    recall = Cleaned([Block("相关新闻"), *[Block(ZH_PROSE) for _ in range(6)]], Counter())
    assert vote([precision, recall], 0.8) == 0
    short = Cleaned([Block(ZH_PROSE)], Counter())  # precision returned only the introduction
    assert vote([short, recall], 0.8) == 1
