"""Department families fixed with set J as tuning material (issue 10, department top-3).

Each family is asked in our own words (never a vignette's), with look-alikes that must keep
their department. Levels are not asserted here except where a look-alike guards safety.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract, mother_speaking


def _top3(engine: TriageEngine, text: str) -> list[str]:
    return list(engine.assess(TriageInput(text=text)).departments[:3])


# -- a mother after delivery: obstetrics, and she is not the child ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        "刚生完娃一个月，这几天情绪很低，老是掉眼泪，不想带孩子",
        "产后五周了，想回去复查一下",
        "月子里头发油想洗一洗行不行",
    ],
)
def test_a_mother_after_delivery_is_sent_to_obstetrics(engine: TriageEngine, text: str) -> None:
    assert _top3(engine, text)[0] == "obstetrics"
    assert not extract(text).is_child


def test_postpartum_low_mood_keeps_psychiatry(engine: TriageEngine) -> None:
    top = _top3(engine, "生完二胎快两个月，心情一直很差，总想哭，不过没想过伤害自己和宝宝")
    assert {"obstetrics", "psychiatry"} <= set(top)


@pytest.mark.parametrize(
    "text",
    ["生完孩子六周了，打喷嚏会漏尿", "生完孩子两个月 晚上睡不着 老想哭", "孩子他妈腰疼好几天了"],
)
def test_the_mothers_weeks_since_birth_are_no_babys_age(text: str) -> None:
    parsed = extract(text)
    assert mother_speaking(text)
    assert parsed.age is None
    assert not parsed.is_child


@pytest.mark.parametrize(
    ("text", "age"),
    [("产后两周，宝宝皮肤发黄", None), ("生完宝宝一个月 宝宝发烧38度", 0.083), ("抱孩子的时候发现他身上很烫", None)],
)
def test_a_baby_still_named_stays_the_patient(text: str, age: float | None) -> None:
    parsed = extract(text)
    assert not mother_speaking(text)
    assert parsed.is_child
    assert parsed.age == age


def test_a_one_month_old_with_fever_said_after_a_birth_word_stays_an_emergency(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="生完宝宝一个月 宝宝发烧38.5度"))
    assert result.level is TriageLevel.EMERGENCY
    assert "pediatrics" in result.departments


# -- smoking cessation: respiratory ---------------------------------------------------------


@pytest.mark.parametrize("text", ["抽了十几年烟 想戒掉 戒烟挂哪里", "我爸想戒烟，医院能帮忙吗"])
def test_quitting_smoking_goes_to_respiratory(engine: TriageEngine, text: str) -> None:
    assert _top3(engine, text)[0] == "respiratory"


# -- gallstones: general surgery; a urinary stone keeps urology -----------------------------


@pytest.mark.parametrize("text", ["体检说胆囊里有结石 一点也不疼", "有胆结石要不要切掉"])
def test_a_gallstone_goes_to_general_surgery_not_urology(engine: TriageEngine, text: str) -> None:
    # The rules put general surgery first (the learned layer may add urology third).
    assert _top3(engine, text)[0] == "general_surgery"


@pytest.mark.parametrize("text", ["体检查出肾结石 不疼", "输尿管结石 B超看到的"])
def test_a_urinary_stone_keeps_urology(engine: TriageEngine, text: str) -> None:
    assert "urology" in _top3(engine, text)


# -- motion sickness: general internal medicine or ENT --------------------------------------


@pytest.mark.parametrize("text", ["一坐船就晕 想吐", "晕机 坐飞机就难受想吐"])
def test_motion_sickness_offers_ent(engine: TriageEngine, text: str) -> None:
    assert {"ent", "general_internal"} <= set(_top3(engine, text))


# -- legs: numbness and restless legs are neurology ------------------------------------------


@pytest.mark.parametrize("text", ["两条腿发麻好几个月了", "一到晚上腿就难受 老想踢来踢去 睡不好"])
def test_leg_numbness_and_restless_legs_go_to_neurology(engine: TriageEngine, text: str) -> None:
    assert "neurology" in _top3(engine, text)


def test_leg_cramps_keep_their_departments(engine: TriageEngine) -> None:
    assert _top3(engine, "晚上小腿抽筋 揉一揉就好")[0] == "general_internal"


# -- chest wall pain: cardiology first, orthopedics and general medicine beside it ----------


@pytest.mark.parametrize("text", ["右边胸口疼 按那里就疼 昨天打球撞了一下", "胸口痛了三天 转身的时候更痛 按着也痛"])
def test_chest_pain_reproduced_by_pressing_adds_orthopedics(engine: TriageEngine, text: str) -> None:
    top = _top3(engine, text)
    assert top[0] in ("cardiology", "emergency")
    assert "orthopedics" in top


def test_chest_pain_not_reproduced_by_pressing_adds_nothing(rules: TriageEngine) -> None:
    assert "orthopedics" not in _top3(rules, "胸口疼了两天 按着不疼 也不喘")


def test_crushing_chest_pain_stays_an_emergency_with_cardiology(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="胸口压着疼半小时了 出冷汗 左胳膊也酸 55岁"))
    assert result.level is TriageLevel.EMERGENCY
    assert list(result.departments[:2]) == ["emergency", "cardiology"]


# -- foamy urine and puffy eyelids: nephrology ----------------------------------------------


@pytest.mark.parametrize("text", ["最近小便起泡泡 好久才散", "尿里面好多泡沫 脚也有点肿"])
def test_foamy_urine_goes_to_nephrology(engine: TriageEngine, text: str) -> None:
    assert "nephrology" in _top3(engine, text)
