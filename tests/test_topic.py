from __future__ import annotations

import doctest
import importlib
import json
import math
from pathlib import Path

import pytest

from seedcrawl.contract.topic import (
    DEFAULT_THRESHOLD,
    Background,
    TopicProfile,
    background_provenance,
    tokenize,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_FILES = sorted((SHARED / "seeds").glob("*.txt"))
GROUND_TRUTH = SHARED / "bench" / "aeb-dev" / "ground-truth.json"

needs_shared = pytest.mark.skipif(
    len(SEED_FILES) != 5 or not GROUND_TRUTH.exists(),
    reason="shared/ seeds and aeb-dev benchmark not beside the repo",
)


@pytest.fixture(scope="module")
def seeds() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in SEED_FILES]


@pytest.fixture(scope="module")
def aeb_bodies() -> list[str]:
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    return [truth[key]["articleBody"] for key in sorted(truth)]


class TestTokenize:
    def test_lowercase_unicode_words_without_stopwords_numbers_or_single_letters(self) -> None:
        assert tokenize("The Kremlin said: Лавров и Керри, 2015!") == [
            "kremlin",
            "лавров",
            "керри",
        ]  # "и": too short

    def test_plurals_fold_but_not_words_ending_in_s(self) -> None:
        assert tokenize("talks sanctions policies news crisis analysis Lavrov's") == [
            "talk", "sanction", "policy", "news", "crisis", "analysis", "lavrov",
        ]  # fmt: skip

    def test_underscores_and_punctuation_split_words(self) -> None:
        assert tokenize("kerry_meets-lavrov/in.sochi 1990s") == ["kerry", "meet", "lavrov", "sochi"]


@needs_shared
class TestSeparation:
    def test_each_seed_is_relevant_to_a_profile_of_the_other_four(self, seeds: list[str]) -> None:
        for i, seed in enumerate(seeds):
            profile = TopicProfile.from_examples(seeds[:i] + seeds[i + 1 :])
            assert profile.score_text(seed) >= DEFAULT_THRESHOLD, SEED_FILES[i].name

    def test_unrelated_news_is_not_relevant(self, seeds: list[str], aeb_bodies: list[str]) -> None:
        profile = TopicProfile.from_examples(seeds)
        scores = [profile.score_text(body) for body in aeb_bodies]
        assert sum(score < DEFAULT_THRESHOLD for score in scores) >= 30
        assert sorted(scores)[len(scores) // 2] < DEFAULT_THRESHOLD / 3

    def test_separation_holds_with_a_background_that_never_saw_the_scored_articles(
        self, seeds: list[str], aeb_bodies: list[str]
    ) -> None:
        background = Background.from_texts(aeb_bodies[0::2])
        for i, seed in enumerate(seeds):
            assert TopicProfile.from_examples(seeds[:i] + seeds[i + 1 :], background=background).score_text(
                seed
            ) >= (DEFAULT_THRESHOLD)
        profile = TopicProfile.from_examples(seeds, background=background)
        held_out = aeb_bodies[1::2]
        assert sum(profile.score_text(body) < DEFAULT_THRESHOLD for body in held_out) >= 30

    def test_terms_shared_by_several_examples_outweigh_one_site_s_chrome(self, seeds: list[str]) -> None:
        profile = TopicProfile.from_examples(seeds)
        assert {"kerry", "lavrov", "putin", "syria", "moscow"} <= set(profile.terms)
        assert "ad" not in profile.terms and "პრეზიდენტი" not in profile.terms  # chrome of one seed each

    def test_keyword_profile_separates_too(self, seeds: list[str], aeb_bodies: list[str]) -> None:
        profile = TopicProfile.from_keywords("kerry lavrov syria")
        assert all(profile.score_text(seed) >= DEFAULT_THRESHOLD for seed in seeds)
        assert sum(profile.score_text(body) < DEFAULT_THRESHOLD for body in aeb_bodies) >= 30

    def test_bundled_background_matches_a_rebuild_from_the_benchmark(self, aeb_bodies: list[str]) -> None:
        rebuilt = Background.from_texts(aeb_bodies).to_json(**background_provenance())
        assert Background.bundled() == Background.from_json(rebuilt)


class TestKeywordProfiles:
    def test_keywords_become_terms_weighted_by_rarity(self) -> None:
        profile = TopicProfile.from_keywords("Kerry Lavrov the state")
        assert set(profile.terms) == {"kerry", "lavrov", "state"}
        assert profile.terms["kerry"] == 1.0 and profile.terms["state"] < 1.0  # "state" is common news

    def test_keyword_lists_and_phrases(self) -> None:
        assert set(TopicProfile.from_keywords(["Sergei Lavrov", "Syria"]).terms) == {
            "sergei",
            "lavrov",
            "syria",
        }

    def test_keywords_boost_an_example_profile(self) -> None:
        profile = TopicProfile.from_examples(
            ["Kerry met Lavrov.", "Kerry spoke to Lavrov."], keywords="nuland"
        )
        assert profile.terms["nuland"] == 1.0

    @pytest.mark.parametrize("keywords", ["", "the and of", "2015"])
    def test_empty_topics_are_refused(self, keywords: str) -> None:
        with pytest.raises(ValueError, match="no usable terms"):
            TopicProfile.from_keywords(keywords)
        with pytest.raises(ValueError, match="no usable terms"):
            TopicProfile.from_examples([], keywords)


class TestScores:
    profile = TopicProfile.from_keywords("kerry lavrov putin syria sochi")

    def test_scores_stay_within_bounds(self) -> None:
        assert self.profile.score_text("") == 0.0
        assert self.profile.score_text("football results") == 0.0
        flood = self.profile.score_text("kerry lavrov putin syria sochi " * 200_000)
        assert 0.9 < flood <= 1.0

    def test_more_mentions_score_higher_with_diminishing_returns(self) -> None:
        filler = " weather report rain " * 50
        once, twice, many = (self.profile.score_text(("Kerry Lavrov " * n) + filler) for n in (1, 2, 20))
        assert once < twice < many
        assert twice - once > (many - twice) / 18

    def test_is_relevant_uses_the_threshold(self) -> None:
        strict = TopicProfile(self.profile.terms, self.profile.avg_doc_length, threshold=0.99)
        text = "Kerry and Lavrov met in Sochi."
        assert self.profile.is_relevant(text) and not strict.is_relevant(text)

    def test_links_about_the_topic_rank_above_others(self) -> None:
        profile = TopicProfile.from_examples(
            ["Kerry met Lavrov and Putin in Sochi on Syria.", "Lavrov and Kerry discussed Syria and Ukraine."]
        )
        on_topic = profile.score_link(
            "https://news.example/world/kerry-meets-lavrov-in-sochi", "Kerry meets Lavrov", 0.5
        )
        off_topic = profile.score_link("https://news.example/sport/football-results", "Football results", 0.5)
        assert on_topic > off_topic
        assert 0.0 <= off_topic <= on_topic <= 1.0

    def test_slug_alone_and_parent_share(self) -> None:
        slug_only = self.profile.score_link("https://news.example/2015/05/kerry-lavrov-sochi", "", 0.0)
        assert slug_only > 0.5
        parent_only = self.profile.score_link("https://news.example/about", "About us", 1.0)
        assert parent_only == pytest.approx(self.profile.link_parent_share)
        assert self.profile.score_link("https://news.example/about", "About", 0.2) < parent_only

    @pytest.mark.parametrize("parent", [math.nan, -3.0, 7.0, math.inf])
    def test_link_score_survives_odd_inputs(self, parent: float) -> None:
        assert 0.0 <= self.profile.score_link("http://[broken/", "Kerry", parent) <= 1.0


class TestSerialisation:
    def test_json_round_trip_keeps_scores(self, tmp_path: Path) -> None:
        profile = TopicProfile.from_examples(
            ["Kerry met Lavrov in Sochi.", "Lavrov and Kerry on Syria."], "nuland"
        )
        path = tmp_path / "topic.json"
        profile.save(path)
        loaded = TopicProfile.load(path)
        assert loaded == profile
        text = "Kerry and Lavrov talked about Syria in Sochi."
        assert loaded.score_text(text) == profile.score_text(text)
        assert json.loads(path.read_text())["terms"] == profile.terms

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"format": "other"}, "not a seedcrawl topic profile"),
            ({"tokenizer": "0"}, "another tokenizer"),
            ({"terms": {}}, "at least one term"),
            ({"terms": {"kerry": -1}}, "positive finite"),
            ({"threshold": 2}, "threshold"),
            ({"unexpected": 1}, "malformed"),
        ],
    )
    def test_bad_profiles_are_refused_clearly(self, change: dict[str, object], message: str) -> None:
        data = json.loads(TopicProfile.from_keywords("kerry lavrov").to_json()) | change
        with pytest.raises(ValueError, match=message):
            TopicProfile.from_json(json.dumps(data))

    def test_background_json_is_checked(self) -> None:
        with pytest.raises(ValueError, match="another format or tokenizer"):
            Background.from_json(json.dumps({"format": "x"}))


@pytest.mark.parametrize("module", ["seedcrawl.contract.topic"])
def test_docstring_examples_hold(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0
