"""A rash on a new medicine is never self-care; a fever medicine counted in hours is not poisoning (issue 10).

Two defects in our own wording:

- NICE CKS "Drug allergy" / NICE CG183: a rash, hives, itching or swelling that starts while taking a
  new medicine is a possible drug reaction - stop the drug if possible and be assessed. It was answered
  self-care (the rash and cough entries fired). Now symptoms.yml ``drug_rash`` (routine) and
  ``drug_rash_spreading`` (widespread or with fever: urgent) have no self-care entry, and red_flags.yml
  ``drug_reaction_severe_skin`` makes blisters in the mouth or eyes, blistering or peeling skin after a
  new medicine an emergency (Stevens-Johnson syndrome / TEN).
- "吃了退烧药两个小时了还是39度": a course told in hours (red_flags.yml ``{COURSE_HOURS}``) stands down
  the plain child poisoning form like the other courses, unless an accidental marker, someone else's
  medicine, a high-risk drug or three tablets or more is said; the fever nets decide the level (39 in
  a child over one: urgent; under three months at 38: emergency), and the learned layer's course hold
  keeps such a message at the net's urgent.

Our own words, no vignette's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, findings

EMERGENCY = TriageLevel.EMERGENCY
URGENT = TriageLevel.URGENT
ROUTINE = TriageLevel.ROUTINE
SELF_CARE = TriageLevel.SELF_CARE
RANK = {SELF_CARE: 0, ROUTINE: 1, URGENT: 2, EMERGENCY: 3}


# ---- 1. a rash, hives, itching or swelling on a new medicine: at least routine, never self-care ----

DRUG_RASH = [
    "闺女吃了两天阿莫西林 胳膊上冒出几个小红疹",
    "我这两天在吃头孢，今天腰上起了一些疙瘩，有点痒",
    "医生开的消炎药吃了三天，身上开始痒",
    "换了新的降压药以后脚踝有点肿",
    "儿子打了两天点滴，手背上起了风团",
    "吃了新开的药 背上起了一片红点点 不痛",
    "孩子在吃罗红霉素 今天肚子上长了好多小红疹",
]


@pytest.mark.parametrize("text", DRUG_RASH)
def test_a_rash_on_a_new_medicine_is_never_self_care_on_the_rules(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    assert RANK[result.level] >= RANK[ROUTINE]
    assert "dermatology" in result.departments or "emergency" in result.departments


@pytest.mark.parametrize("text", DRUG_RASH)
def test_a_rash_on_a_new_medicine_is_never_self_care_with_the_layer(engine: TriageEngine, text: str) -> None:
    assert RANK[engine.assess(TriageInput(text=text)).level] >= RANK[ROUTINE]


DRUG_RASH_SPREADING = [
    "吃了三天消炎药 现在浑身都是红疹子",
    "老公吃了两天头孢 疹子越来越多 还发烧了",
    "我妈吃了别的医生开的新药 全身起了大片红斑",
    "吃了阿莫西林后身上起疹子，今天烧到38.6度",
]


@pytest.mark.parametrize("text", DRUG_RASH_SPREADING)
def test_a_widespread_or_febrile_rash_on_a_medicine_is_urgent(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    assert RANK[rules.assess(TriageInput(text=text)).level] >= RANK[URGENT]
    assert RANK[engine.assess(TriageInput(text=text)).level] >= RANK[URGENT]


SEVERE_SKIN = [
    "吃了卡马西平十来天 嘴里全是泡 眼睛也红",
    "儿子吃了几天头孢 嘴巴里溃烂了 身上的皮一块块掉",
    "我爸吃了别嘌醇以后身上起了大水泡",
    "打了几天消炎针 皮肤开始脱皮 还起疹子",
]


@pytest.mark.parametrize("text", SEVERE_SKIN)
def test_blisters_or_peeling_on_a_new_medicine_are_an_emergency(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    result = rules.assess(TriageInput(text=text))
    assert result.level is EMERGENCY
    assert "drug_reaction_severe_skin" in result.red_flags
    assert engine.assess(TriageInput(text=text)).level is EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "吃了头孢以后嘴唇肿了 喘不上气",  # anaphylaxis, as before
        "输完头孢 全身起风团 胸闷憋气",
    ],
)
def test_a_drug_reaction_with_breathing_trouble_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert rules.assess(TriageInput(text=text)).level is EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "身上起了几个小红疹 有点痒",  # no medicine said: the rash entry as before
        "胳膊被蚊子咬了起了个包",
        "脸上起疹子 吃了氯雷他定还是有点痒",  # the medicine treats the rash
        "脚气用了药膏以后脚上脱皮",  # a cream for athlete's foot
    ],
)
def test_a_rash_without_a_new_medicine_is_not_a_drug_reaction(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    reasons = {r.rule for r in result.reasons}
    assert not reasons & {"drug_rash", "drug_rash_spreading", "drug_reaction_severe_skin"}
    assert result.level is not EMERGENCY


def test_roseola_after_an_antipyretic_is_not_a_drug_rash(rules: TriageEngine) -> None:
    result = rules.assess(TriageInput(text="小家伙烧了三天 吃了退烧药烧退了 身上冒出好多小红疹"))
    assert not {r.rule for r in result.reasons} & {"drug_rash", "drug_rash_spreading"}


# ---- 2. a fever medicine counted in hours: not poisoning; the fever nets decide ----

COURSE_HOURS = [
    "娃吃了退烧药一个多小时了，还是烧得滚烫",
    "孩子喝了美林快三个小时了还没退",
    "儿子吃了退热药半天了 体温还是下不来",
    "女儿吃了布洛芬以后过了一阵还是烧",
    "小孩吃了泰诺林一上午了也不见退",
    "宝宝喝了退烧药三个钟头了还在发烧",
]


@pytest.mark.parametrize("text", COURSE_HOURS)
def test_a_fever_medicine_counted_in_hours_is_not_poisoning(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    assert "poisoning" not in result.red_flags
    assert result.level is not EMERGENCY


@pytest.mark.parametrize("text", COURSE_HOURS)
def test_a_fever_medicine_counted_in_hours_is_not_raised_to_an_emergency(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is not EMERGENCY
    assert result.red_flags == []


@pytest.mark.parametrize(
    "text",
    [
        "孩子吃了退烧药两个钟头了还是39度5",
        "儿子四岁 喝了美林一个小时了还是39.3",
    ],
)
def test_the_39_degree_net_decides_an_hours_course(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    alone = rules.assess(TriageInput(text=text))
    assert "poisoning" not in alone.red_flags
    assert alone.level is URGENT
    assert engine.assess(TriageInput(text=text)).level is URGENT


@pytest.mark.parametrize(
    "text",
    [
        "宝宝出生40天 吃了退烧药一个小时了还是38.3",  # under three months: infant fever net
        "我家宝宝两个月 喝了退烧药两小时了还是38度6",
    ],
)
def test_a_young_infant_with_fever_after_an_antipyretic_is_an_emergency(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    alone = rules.assess(TriageInput(text=text))
    assert "poisoning" not in alone.red_flags
    assert alone.level is EMERGENCY
    assert engine.assess(TriageInput(text=text)).level is EMERGENCY


def test_a_bare_number_after_a_fever_medicine_is_the_temperature() -> None:
    said = findings._temperature("吃了退烧药俩小时了还是39.4")
    assert said is not None and said[0] == pytest.approx(39.4)
    said = findings._temperature("美林吃了又到38.8")
    assert said is not None and said[0] == pytest.approx(38.8)
    assert findings._temperature("吃了退烧药 孩子还是13岁") is None


@pytest.mark.parametrize(
    "text",
    [
        "孩子吃了药两个小时了 怎么办",  # nothing said either way: as before
        "孩子不小心吃了退烧药 两个小时了还在睡",  # accidental
        "宝宝吃了外婆的降糖药 一个小时了还没什么反应",  # someone else's, high-risk
        "儿子吃了五片退烧药 三个小时了还是烧",  # five tablets
        "孩子偷吃了一板感冒药 半天了还挺精神",
    ],
)
def test_an_ingestion_counted_in_hours_is_still_poisoning(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    alone = rules.assess(TriageInput(text=text))
    assert alone.level is EMERGENCY
    assert "poisoning" in alone.red_flags or "child_ingested_tablets" in alone.red_flags
    assert engine.assess(TriageInput(text=text)).level is EMERGENCY
