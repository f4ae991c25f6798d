"""A page whose URL names a tag, category or collection archive is not an article, even when its
theme prints og:type `article` on it; a JSON-LD article at such a URL is kept, and so is a page
under the look-alike segments magazines file articles under."""

from __future__ import annotations

import json

import pytest

from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract
from tests.support.docs import page_doc

ARCHIVE_REASON = "URL names a tag, category or collection archive"
# an archive page's text can read like prose: the first paragraphs of the posts it lists
PROSE = "".join(
    f"<p>{sentence}.</p>"
    for sentence in (
        "Air fryers cook with hot air blown around a small basket, so food crisps with little oil",
        "This recipe makes crisp potato wedges in twenty minutes, turned once halfway through the cooking",
        "Salmon fillets need eight minutes at a high heat, and a brush of oil keeps them from drying out",
        "Vegetables roast well too: cut them the same size so that they are ready at the same time",
        "Clean the basket after each use, since fat left in it burns and smokes the next time round",
    )
)


def run(url: str, og_type: str | None = "article", json_ld: object | None = None) -> Document:
    head = f'<meta property="og:type" content="{og_type}">' if og_type else ""
    if json_ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(json_ld)}</script>'
    html = (
        f"<html lang='en'><head><title>Air fryer recipes</title>{head}</head>"
        f"<body><main><h1>Air fryer recipes</h1>{PROSE}</main></body></html>"
    )
    return extract(page_doc(html, url), ExtractOptions())


@pytest.mark.parametrize(
    "url",
    [
        "https://food.example/category/recipes/cooking-method/airfryer/",
        "https://food.example/tag/air-fryer/",
        "https://food.example/blog/tags/air-fryer",
        "https://podcasts.example/podcasts/category/Technology",
        "https://shop.example/collections/kitchen",
        "https://shop.example/product-category/outdoor-gear/",
        "https://food.example/Categories/air%20fryer",
    ],
)
def test_a_taxonomy_archive_is_not_an_article_even_when_its_theme_says_article(url: str) -> None:
    with pytest.raises(Rejected) as caught:
        run(url)
    assert ARCHIVE_REASON in str(caught.value)


def test_a_json_ld_article_at_an_archive_url_is_an_article() -> None:
    doc = run("https://food.example/category/recipes/air-fryer-wedges", json_ld={"@type": "BlogPosting"})
    assert doc.text.startswith("Air fryers cook with hot air")


@pytest.mark.parametrize(
    "url",
    [
        "https://magazine.example/collection/moseley-coffee",  # singular: an essay in a collection
        "https://food.example/topics/cooking/air-fryer-guide",
        "https://news.example/sport/tag-team-wins-the-relay",  # a word in a slug, not a segment
        "https://games.example/playground/tag",  # the game, not a taxonomy: no term after it
    ],
)
def test_look_alike_paths_stay_articles(url: str) -> None:
    assert run(url).text.startswith("Air fryers cook with hot air")


def test_a_declared_listing_is_named_for_its_declaration_even_when_its_text_is_all_links() -> None:
    links = "".join(f'<li><a href="/recipes/{n}">Recipe number {n}</a></li>' for n in range(30))
    html = (
        "<html><head><title>Recipes</title>"
        '<script type="application/ld+json">{"@type": "CollectionPage"}</script></head>'
        f"<body><main><ul>{links}</ul></main></body></html>"
    )
    with pytest.raises(Rejected) as caught:
        extract(page_doc(html, "https://food.example/recipes/"), ExtractOptions())
    assert "declares collectionpage" in str(caught.value)
