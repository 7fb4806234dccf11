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


# -- blood cancers: haematology before oncology ---------------------------------------------


@pytest.mark.parametrize("text", ["淋巴瘤化疗后 身上起了好多出血点", "骨髓瘤复查 最近骨头疼"])
def test_a_blood_cancer_goes_to_hematology(engine: TriageEngine, text: str) -> None:
    assert "hematology" in _top3(engine, text)


def test_a_solid_cancer_keeps_oncology(engine: TriageEngine) -> None:
    assert _top3(engine, "肺癌在做化疗 想约复查")[0] == "oncology"


# -- both ankles swollen: heart, kidney, general medicine; one sprained ankle keeps orthopedics


@pytest.mark.parametrize("text", ["我爸两只脚踝都肿了 按下去一个坑", "脚踝肿了好几天 两边都是 傍晚更明显"])
def test_both_ankles_swollen_go_to_cardiology_or_nephrology(engine: TriageEngine, text: str) -> None:
    assert {"cardiology", "nephrology"} & set(_top3(engine, text))
    assert _top3(engine, text)[0] != "orthopedics"


def test_one_sprained_ankle_keeps_orthopedics(engine: TriageEngine) -> None:
    assert _top3(engine, "下楼崴了右脚踝 肿起来了")[0] == "orthopedics"


# -- an infected wound: general surgery ahead of the fever clinic ---------------------------


@pytest.mark.parametrize("text", ["腿上的伤口化脓了 有点发烧", "刀口这两天红肿 还低烧"])
def test_an_infected_wound_goes_to_general_surgery(engine: TriageEngine, text: str) -> None:
    assert _top3(engine, text)[0] == "general_surgery"


# -- a positive pregnancy test: she is pregnant, obstetrics ---------------------------------


@pytest.mark.parametrize("text", ["今天测了两条杠 小肚子有点隐隐的疼", "验孕棒显示阳性 想问挂哪个科"])
def test_a_positive_pregnancy_test_goes_to_obstetrics(engine: TriageEngine, text: str) -> None:
    assert extract(text).pregnant is True
    assert "obstetrics" in _top3(engine, text)


# -- a child's mental health: paediatrics and psychiatry ------------------------------------


@pytest.mark.parametrize("text", ["女儿12岁 手腕上有自己划的口子 说心里难受", "儿子10岁 老是坐不住 注意力不集中"])
def test_a_childs_mental_health_keeps_psychiatry_beside_pediatrics(engine: TriageEngine, text: str) -> None:
    assert {"pediatrics", "psychiatry"} <= set(_top3(engine, text))


def test_a_childs_cough_is_pediatrics_alone(engine: TriageEngine) -> None:
    top = _top3(engine, "孩子5岁 咳嗽两天 有点流鼻涕")
    assert top[0] == "pediatrics"
    assert "psychiatry" not in top


# -- words the catalogue lacked: gynaecology, endocrinology, orthopedics ---------------------


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("每次同房完都会流一点血", "gynecology"),
        ("备孕一年多一直没怀上", "gynecology"),
        ("降糖药快吃完了 想再开一点", "endocrinology"),
        ("尾椎骨那块一坐就疼", "orthopedics"),
    ],
)
def test_specific_words_reach_their_department(engine: TriageEngine, text: str, department: str) -> None:
    assert _top3(engine, text)[0] == department


def test_bleeding_from_behind_keeps_its_departments(engine: TriageEngine) -> None:
    # "屁股…疼" near the tailbone words is orthopedics; piles are still general surgery.
    assert "general_surgery" in _top3(engine, "大便的时候屁股疼 纸上有血 痔疮犯了")
