"""Chinese and Japanese articles are deduplicated like any other: a near copy is caught by MinHash.

These scripts put no spaces between words. Counted by spaces, a whole article was one or two
"words": below `min_words`, so only exact copies were ever dropped. Normalisation now makes each
CJK character a word of its own (shingles are runs of characters) and `word_count` counts two
characters as a word, the same for extraction and for dedup.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seedcrawl.pipelines.dedup import DedupConfig, Deduplicator, LocalStore, normalize_text
from seedcrawl.pipelines.words import word_count
from tests.support.docs import make_doc

ZH = (
    "新华社北京三月五日电，第十四届全国人民代表大会第二次会议今天上午在人民大会堂开幕。"
    "国务院总理在政府工作报告中说，今年国内生产总值增长预期目标为百分之五左右，城镇新增就业一千二百万人以上，"
    "居民消费价格涨幅百分之三左右。报告指出，过去一年经济总体回升向好，高质量发展扎实推进，"
    "现代化产业体系建设取得重要进展，科技创新实现新的突破，改革开放持续深化，安全发展基础巩固夯实，"
    "民生保障有力有效。报告同时提出，要大力推进现代化产业体系建设，加快发展新质生产力，"
    "深入实施科教兴国战略，着力扩大国内需求，坚定不移深化改革，扩大高水平对外开放，"
    "更好统筹发展和安全，切实增进民生福祉，不断满足人民日益增长的美好生活需要。"
    "与会代表表示，报告实事求是，振奋人心，对做好今年各项工作具有重要指导意义。"
)
JA = (
    "気象庁によりますと、強い寒気の影響で、日本海側を中心に大雪となっている所があります。"
    "北陸地方では、きょう夕方までの二十四時間に多い所で六十センチの雪が降る見込みで、"
    "交通機関への影響や路面の凍結に十分な注意が必要です。東北地方の山沿いでも雪が強まり、"
    "あすにかけて警報級の大雪となるおそれがあります。また、太平洋側の平野部でも気温が下がり、"
    "水道管の凍結やスリップ事故に警戒するよう呼びかけています。鉄道各社は、除雪作業のため"
    "一部の路線で運転を見合わせる可能性があるとして、最新の運行情報を確認するよう求めています。"
    "高速道路でも通行止めが予想される区間があり、不要不急の外出を控えるよう呼びかけています。"
    "気象庁は、今後も最新の気象情報に注意し、早めの対策を取るよう話しています。"
)
# Unrelated text in the same script, as long: must not be taken for a copy.
ZH_OTHER = (
    "本报讯，本市今年春季植树活动日前在城郊森林公园启动，来自机关、学校和社区的志愿者共计三千余人参加。"
    "活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水，种下银杏、香樟、樱花等树苗两万余株。"
    "据园林部门介绍，近年来本市持续推进国土绿化行动，城市森林覆盖率逐年提高，公园绿地服务半径覆盖率超过九成。"
    "今年还将新建口袋公园五十个，改造提升绿道一百公里，让市民出门见绿、推窗见景。"
    "园林部门同时提醒，春季气候干燥，进入林区要注意防火，不要携带火种，共同守护绿色家园。"
    "不少家长带着孩子一同参加，孩子们在认养牌上写下心愿，期待小树和自己一起成长。"
)


def small_edit(text: str) -> str:
    """What a republisher does to a short wire story: a credit line added, a few characters changed."""
    cut = len(text) // 3
    return (
        "（转载）"
        + text[:cut]
        + "据报道，"
        + text[cut + 4 :].replace("重要", "关键", 1).replace("注意", "用心", 1)
    )


@pytest.fixture
def dedup(tmp_path: Path) -> Deduplicator:
    return Deduplicator(DedupConfig(), LocalStore(tmp_path / "dedup"))


@pytest.mark.parametrize("text", [ZH, JA], ids=["chinese", "japanese"])
def test_a_near_copy_of_a_cjk_article_is_caught_by_minhash(dedup: Deduplicator, text: str) -> None:
    assert len(text) >= 280
    copy = small_edit(text)
    assert normalize_text(copy) != normalize_text(text)  # not an exact copy
    results = {doc.id: verdict for doc, verdict in dedup.process([make_doc("a", text), make_doc("b", copy)])}
    assert results["a"].kept
    assert (results["b"].duplicate_of, results["b"].kind) == ("a", "near")
    assert results["b"].similarity is not None and results["b"].similarity >= 0.5


def test_unrelated_cjk_articles_are_both_kept(dedup: Deduplicator) -> None:
    results = {doc.id: v for doc, v in dedup.process([make_doc("zh", ZH), make_doc("other", ZH_OTHER)])}
    assert results["zh"].kept and results["other"].kept


@pytest.mark.parametrize("text", [ZH, JA, "Talks end without a deal, again."])
def test_word_count_is_the_same_for_a_text_and_its_normalised_form(text: str) -> None:
    assert word_count(normalize_text(text)) == word_count(
        text.replace("，", "").replace("。", "").replace("、", "")
    )


def test_word_count_counts_two_cjk_characters_as_a_word() -> None:
    assert word_count("和平谈判没有达成协议") == 5
    assert word_count("Apple 发布 新款 iPhone") == 2 + 2
    assert word_count(ZH) >= DedupConfig().min_words  # a ~300-character article is long enough
