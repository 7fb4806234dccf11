"""Set J as tuning material, the precision side (issue 10): benign messages answered too high.

Each family: the J vignette on the whole engine (what a patient gets), paraphrases in our
own words on the rules alone, and look-alike emergencies that must stay emergencies. The
families: a look-alike word that fired a red flag ("冇气喘" read as 没气, a child given a fever
medicine read as a poisoning), wording the rules did not know ("咳了一个礼拜", "脚崴了",
"坐车头晕"), a denial the black-stool flag did not read ("没头晕"), and the learned layer
raising a self-care answer the patient had earned by denying its red flags in words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.blend import LEARNED_RULE

BLIND_J = Path(__file__).resolve().parents[2] / "triage" / "blind" / "set_j.jsonl"


def _vignette(case_id: str) -> dict[str, object]:
    for line in BLIND_J.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["id"] == case_id:
            case: dict[str, object] = json.loads(line)
            return case
    raise KeyError(case_id)


def level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


@pytest.mark.parametrize("case_id", ["J116", "J212", "J313", "J406"])
def test_the_j_vignette_is_self_care_on_the_whole_engine(engine: TriageEngine, case_id: str) -> None:
    case = _vignette(case_id)
    given = {k: case[k] for k in ("age", "sex", "pregnant") if case.get(k) is not None}
    result = engine.assess(TriageInput.model_validate({"text": case["text"], **given}))
    assert result.level is TriageLevel.SELF_CARE, case["text"]
    assert "如果" in result.advice, "self-care always says when to come in"


@pytest.mark.parametrize(
    ("case_id", "highest"),
    [("J406", TriageLevel.ROUTINE), ("J219", TriageLevel.URGENT)],
)
def test_the_j_look_alike_is_no_emergency_on_the_whole_engine(
    engine: TriageEngine, case_id: str, highest: TriageLevel
) -> None:
    case = _vignette(case_id)
    assert level(engine, str(case["text"])) <= highest, case["text"]


# -- a cough said as "咳了一个礼拜" -----------------------------------------------------------------
@pytest.mark.parametrize("text", ["孩子咳了一个星期了，不发烧，照样玩", "咳了一个礼拜，没有发烧，能吃能睡"])
def test_a_week_of_cough_with_nothing_else_is_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize("text", ["娃儿咳了一个礼拜，喘得厉害", "咳了一个星期，今天咳出一口鲜血"])
def test_a_week_of_cough_with_a_red_flag_stays_an_emergency(
    engine: TriageEngine, rules: TriageEngine, text: str
) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY
    assert level(engine, text) is TriageLevel.EMERGENCY


# -- an ankle sprain said as "脚崴了" (Ottawa ankle rules) ---------------------------------------
@pytest.mark.parametrize("text", ["脚崴了，有点肿，能走路", "下楼梯脚崴了一下，走路还行，有点疼"])
def test_a_sprain_the_patient_walks_on_is_self_care_on_the_rules(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "脚崴了，走不得路了",
        "脚崴了，脚是歪的，骨头顶着皮",
        "脚踝扭了，听到咔嚓一声，脚歪了",
        "脚崴了，肿得厉害，不能着地",
    ],
)
def test_a_sprain_that_cannot_bear_weight_or_looks_broken_is_not_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) > TriageLevel.SELF_CARE


# -- travel sickness said as "坐车头晕" --------------------------------------------------------
@pytest.mark.parametrize("text", ["坐车头晕想吐", "坐船晕得想吐"])
def test_travel_sickness_is_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize("text", ["坐车头晕，胸口痛，出冷汗", "坐车的时候突然头晕，说话不清，一边手没劲"])
def test_dizziness_in_a_car_with_a_red_flag_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY


# -- a stool darkened by iron, the patient saying "没头晕" ------------------------------------------
def test_iron_darkened_stool_with_no_dizziness_is_self_care(rules: TriageEngine, engine: TriageEngine) -> None:
    for text in ("吃了补铁的药，大便发黑，没有头晕", "在吃铁剂，大便黑黑的，没头晕"):
        assert level(rules, text) is TriageLevel.SELF_CARE, text
        assert level(engine, text) is TriageLevel.SELF_CARE, text


@pytest.mark.parametrize(
    "text",
    ["大便发黑，有点头晕", "吃了铁剂，大便发黑，没头晕，但是心慌", "吃了铁剂，拉黑色的大便，没头晕，吐了咖啡色的东西"],
)
# "大便发黑，没头晕" with no cause named is seen today since the over-triage round (NHS: black poo -> urgent GP
# or 111): tests/triage/test_overtriage_round.py.
def test_black_stool_without_a_cause_or_with_a_bleeding_sign_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY


def test_the_layer_does_not_raise_a_self_care_answer_the_patient_earned_in_words(engine: TriageEngine) -> None:
    """The entries with ``needs`` (iron stool, a child's bump) reach self-care only on the patient's own denial."""
    result = engine.assess(TriageInput(text=str(_vignette("J212")["text"])))
    assert result.level is TriageLevel.SELF_CARE
    layer = [r for r in result.reasons if r.rule == LEARNED_RULE]
    assert layer and layer[0].level is None and "不由学习模型提高" in layer[0].label


# -- a fever medicine given to a child is no poisoning --------------------------------------------
@pytest.mark.parametrize("text", ["宝宝发烧38度5，吃了退烧药降下来了，精神挺好", "孩子吃了退热药，烧退了，照样玩"])
def test_a_child_given_a_fever_medicine_is_no_poisoning(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) < TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text", ["孩子把一瓶退烧药都吃了", "宝宝偷吃了退烧药", "孩子吃了退热药一整板", "孩子吃了奶奶的降压药"]
)
def test_a_child_who_took_medicine_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY


# -- "没有气喘" (Cantonese 冇气喘) is not 没气 --------------------------------------------------
@pytest.mark.parametrize("text", ["皮肤好痒，起了些红点，冇气喘", "有点咳嗽，没有气喘，不发烧"])
def test_no_wheeze_is_not_no_breath(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) < TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text", ["叫不醒，没气了", "老人倒在地上，没有呼吸了", "吃了虾，全身起风团，喘不上气", "荨麻疹，有点气喘"]
)
def test_no_breath_and_allergy_with_wheeze_stay_emergencies(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY


# -- 肚脐眼 is the navel, not an eye ----------------------------------------------------------------
def test_the_navel_is_not_an_eye(rules: TriageEngine) -> None:
    found = rules.rules_only(TriageInput(text="孩子肚脐眼痛，照样玩"))
    assert "eye_problem" not in [m.id for m in found.matched]
    assert "eye_problem" in [m.id for m in rules.rules_only(TriageInput(text="眼痛，有点红")).matched]


# -- a hangover and a child's chickenpox get home care with their warning signs ------------------
@pytest.mark.parametrize("case_id", ["J121", "J257"])
def test_hangover_and_chickenpox_vignettes_are_self_care(engine: TriageEngine, case_id: str) -> None:
    result = engine.assess(TriageInput(text=str(_vignette(case_id)["text"])))
    assert result.level is TriageLevel.SELF_CARE
    assert "如果出现" in result.advice


@pytest.mark.parametrize("text", ["昨晚喝多了，今天头疼", "宿醉，有点想吐", "孩子出水痘了，不发烧，照样玩"])
def test_hangover_and_chickenpox_paraphrases_are_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "昨晚喝多了，今天上腹痛到后背，一直吐",  # pancreatitis
        "宿醉，头痛，昨天还吃了头孢",  # disulfiram-like reaction
        "孩子出水痘，痘周围红肿流脓",  # secondary infection
        "孩子出水痘，发高烧，喘",
        "宝宝8个月，出水痘了",  # under the entry's minimum age
    ],
)
def test_hangover_and_chickenpox_with_a_warning_sign_are_not_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) > TriageLevel.SELF_CARE


@pytest.mark.parametrize("text", ["宿醉，一直吐，叫不醒", "昨晚喝多了，现在叫不醒，呼吸很慢"])
def test_a_drinker_who_cannot_be_woken_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY


# -- "没有气喘" also no longer counts as a worrying word against home care ---------------------------
def test_a_denied_wheeze_is_no_worrying_word_but_a_wheeze_is(rules: TriageEngine) -> None:
    assert level(rules, "咳嗽，没有气喘，别的都没事") is TriageLevel.SELF_CARE
    assert level(rules, "咳嗽，有点气喘") > TriageLevel.SELF_CARE


# -- found while checking the poisoning look-alike: a febrile fit said as "抽了" ----------------------
@pytest.mark.parametrize("text", ["孩子发烧抽了", "宝宝发烧到39度，突然抽起来了", "孩子吃了退烧药以后抽了"])
def test_a_child_who_fits_with_a_fever_is_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.EMERGENCY
    assert level(engine, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["孩子发烧，腿抽筋了", "孩子发烧，去医院抽了血", "孩子发烧，爸爸抽了烟"])
def test_cramp_blood_test_or_smoking_beside_a_fever_is_no_fit(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) < TriageLevel.EMERGENCY


# -- "大便黑了": black stool said with 了, no colour word ---------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["这两天大便黑了，有点头晕", "我爸大便黑了两天 人没力气", "大便变黑了", "拉的屎黑了好几天", "便便黑啦 心慌"],
)
def test_black_stool_said_as_turned_black_is_an_emergency(rules: TriageEngine, text: str) -> None:
    """Found while reading J: "大便黑了, 有点头晕" (melaena with dizziness) was self-care (NICE CG141)."""
    assert level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["吃了补铁药以后大便黑了，人没事", "昨天吃了鸭血 今天大便黑了 没别的不舒服"])
def test_food_darkened_stool_said_as_turned_black_stays_self_care(rules: TriageEngine, text: str) -> None:
    assert level(rules, text) is TriageLevel.SELF_CARE
