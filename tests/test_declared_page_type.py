"""A page that declares itself a collection or a product, and no article, is rejected with that
reason whatever its text; a product inside an article (a review's itemReviewed) does not count."""

from __future__ import annotations

import json

import pytest

from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.errors import Rejected
from seedcrawl.pipelines.extract import ExtractOptions, extract
from tests.support.docs import page_doc

URL = "https://shop.example/kettles/stovetop-kettle"
PROSE = "".join(
    f"<p>{sentence}.</p>"
    for sentence in (
        "This stovetop kettle holds two litres and boils water on gas, electric and induction hobs alike",
        "Its whistle sounds when the water boils, and the handle stays cool enough to hold without a cloth",
        "The body is brushed steel with a copper base that spreads the heat evenly across the bottom",
        "We tested it for a month in a busy kitchen and it kept its finish after daily washing by hand",
        "Reviewers liked the wide lid, which makes filling and cleaning easy, and the quiet pour",
    )
)


def run(og_type: str | None, json_ld: object | None) -> Document:
    head = f'<meta property="og:type" content="{og_type}">' if og_type else ""
    if json_ld is not None:
        head += f'<script type="application/ld+json">{json.dumps(json_ld)}</script>'
    html = f"<html lang='en'><head><title>Stovetop kettle</title>{head}</head><body><main><h1>Stovetop kettle</h1>{PROSE}</main></body></html>"
    return extract(page_doc(html, URL), ExtractOptions())


def rejection(og_type: str | None, json_ld: object | None) -> str:
    with pytest.raises(Rejected) as caught:
        run(og_type, json_ld)
    return str(caught.value)


def test_the_same_text_with_no_declaration_is_an_article() -> None:
    assert run(None, None).text.startswith("This stovetop kettle holds two litres")


@pytest.mark.parametrize("og_type", ["product", "product.group", "product.item"])
def test_og_type_product_is_not_an_article(og_type: str) -> None:
    assert "declares a product page" in rejection(og_type, None)


def test_a_product_entity_in_the_graph_is_not_an_article() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "WebPage"}, {"@type": "Product", "name": "Kettle"}],
    }
    assert "declares a product page" in rejection("website", graph)


def test_a_collection_page_is_not_an_article() -> None:
    assert "declares collectionpage" in rejection("website", {"@type": "CollectionPage"})


def test_a_collection_page_is_not_an_article_though_its_theme_prints_og_type_article() -> None:
    assert "declares collectionpage" in rejection("article", {"@type": "CollectionPage"})


def test_a_collection_page_that_also_declares_a_json_ld_article_is_an_article() -> None:
    declared = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "CollectionPage"}, {"@type": "BlogPosting"}],
    }
    assert run("website", declared).text.startswith("This stovetop kettle")


def test_a_page_declaring_an_article_and_a_product_is_an_article() -> None:
    assert run("article", {"@type": "Product", "name": "Kettle"}).text.startswith("This stovetop kettle")


def test_a_review_of_a_product_is_an_article() -> None:
    review = {"@type": "Review", "itemReviewed": {"@type": "Product", "name": "Kettle"}}
    assert run("website", review).text.startswith("This stovetop kettle")
