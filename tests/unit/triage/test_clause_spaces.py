"""Spaces between clauses (phone typing) end a denial's reach (issue 10, session 26).

Patients on phones write "孩子吞了硬币 吃喝正常 玩得挺好": the space ends a clause. Normalisation
joins the words for the rules (they were written so, and a sign may straddle a space), but keeps
where the space stood so that negation ("不/没有 X", "X 正常", "X 已经半年了") stays inside its own
clause. Before, "吞了电池吃喝正常" read as "the battery is normal" and a swallowed battery was
routine. Sources: NASPGHAN 2015 (a swallowed coin, child well: X-ray the same day; a button
battery or magnets: emergency), NICE NG143 (fever under 3 months), NICE CG95 (chest pain with
sweating). Sentences are our own, not blind vignettes.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.negation import is_negated
from services.clinical.triage.normalize import Normalized


def level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


def test_the_reported_coin_is_urgent_with_spaces_as_with_commas(engine: TriageEngine) -> None:
    assert level(engine, "孩子吞了硬币 吃喝正常 玩得挺好") is TriageLevel.URGENT
    assert level(engine, "孩子吞了一枚硬币，吃喝正常，玩得挺好") is TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "孩子把硬币吞了 吃喝都正常 还在玩",
        "我家娃吞了个硬币 吃饭正常 玩得挺好",
    ],
)
def test_a_well_child_with_a_coin_is_seen_today_not_sent_home(engine: TriageEngine, text: str) -> None:
    assert level(engine, text) >= TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "孩子吞了电池 吃喝正常",
        "宝宝吞了磁铁 呼吸正常 玩得挺好",
        "儿子吞了两颗磁珠 吃饭正常 没哭",
        "孩子误吃了降压药 精神挺好 吃喝正常",
        "两个月宝宝发烧 吃奶也正常",
        "胸口疼 呼吸正常 出冷汗",
        "肚子疼 吐血了",
        "不发烧 拉黑便",
        "不头晕 胸口压着疼 出冷汗",
        "没发烧 脖子硬 头疼得厉害",
        "头不疼 半边身子没劲 说话不清",
        "不咳嗽 喘不上气 嘴唇发紫",
        "摔了一跤 走路正常 头疼呕吐",
    ],
)
def test_a_danger_sign_after_a_space_still_counts(engine: TriageEngine, rules: TriageEngine, text: str) -> None:
    assert level(engine, text) is TriageLevel.EMERGENCY
    assert level(rules, text) is TriageLevel.EMERGENCY  # the rules alone, not the learned layer's luck


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("不胸痛 就是咳嗽", "胸痛"),
        ("没有 胸痛 就是咳嗽", "胸痛"),
        ("没有发烧 就是嗓子疼", "发烧"),
        ("咳嗽三天 不发烧 吃喝正常", "发烧"),
    ],
)
def test_a_denial_still_denies_its_own_clause(engine: TriageEngine, text: str, term: str) -> None:
    normalized = engine.normalize(text)
    start = normalized.index(term)
    assert is_negated(normalized, start, start + len(term))
    assert level(engine, text) is not TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("孩子吞了电池 吃喝正常", "电池"),
        ("胸口疼 呼吸正常", "胸口疼"),
        ("不头晕 胸口疼", "胸口疼"),
        ("晕倒 已经半年了", "晕倒"),
    ],
)
def test_a_denial_does_not_reach_across_a_space(engine: TriageEngine, text: str, term: str) -> None:
    normalized = engine.normalize(text)
    start = normalized.index(term)
    assert not is_negated(normalized, start, start + len(term))


@pytest.mark.parametrize(
    ("text", "joined", "breaks"),
    [
        ("孩子吞了硬币 吃喝正常 玩得挺好", "孩子吞了硬币吃喝正常玩得挺好", (6, 10)),
        ("胸 口 疼", "胸口疼", ()),  # letter-spacing is typing noise
        ("胸口 疼", "胸口疼", ()),  # one character alone is not a clause
        ("没有 胸痛", "没有胸痛", ()),  # after a negation cue: one denial
        ("不 发烧", "不发烧", ()),
        ("发烧 38 度", "发烧 38 度", ()),  # numbers and units untouched
        ("血压 180/110 头晕", "血压 180/110 头晕", ()),
        ("張小明 發燒", "张小明发烧", (3,)),  # traditional, then the break
        ("胸口疼\ue000出汗", "胸口疼出汗", ()),  # the internal mark cannot be typed in
    ],
)
def test_normalised_text_keeps_clause_spaces_as_offsets(
    engine: TriageEngine, text: str, joined: str, breaks: tuple[int, ...]
) -> None:
    normalized = engine.normalize(text)
    assert normalized == joined
    assert isinstance(normalized, Normalized)
    assert normalized.breaks == breaks


def test_a_plain_string_reads_as_before(engine: TriageEngine) -> None:
    """Text built without normalisation has no breaks: the denial reaches as it always did."""
    text = "孩子吞了电池吃喝正常"
    start = text.index("电池")
    assert is_negated(text, start, start + 2)


# A fall's own sore joint (NHS "Bruises"; NHS 111 "Falls"): "活动都正常" used to deny the pain
# of the clause before it; now the pain counts, and a minor fall moving normally stays self-care.
@pytest.mark.parametrize(
    "text",
    ["刚才在家滑倒了 胳膊肘有点疼 活动都正常", "早上绊倒了，手腕有点疼，活动都正常", "跌了一跤 膝盖有点疼 走路没问题"],
)
def test_a_minor_fall_with_a_sore_joint_moving_normally_is_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "摔了一跤 膝盖疼 肿起来了 走路没问题",  # swelling
        "下楼梯摔了 膝盖疼 走路没问题",  # stairs
        "跌了一跤 手腕疼 活动正常 75岁",  # an elder
        "摔了一跤 手腕疼 活动都正常 在吃华法林",  # anticoagulated
        "膝盖疼 活动都正常",  # no fall: not this entry
    ],
)
def test_a_fall_with_a_sore_joint_and_a_worry_is_not_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) > TriageLevel.SELF_CARE
