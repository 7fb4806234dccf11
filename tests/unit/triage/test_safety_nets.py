"""Every dangerous-number and risk-group safety net of nets.yml, each way round.

Each case names the net that must decide it and the level; the counter-cases
show the threshold is a threshold (a number just on the safe side, or the
same words without the risk factor, do not fire that net).
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

E, U = TriageLevel.EMERGENCY, TriageLevel.URGENT


def rules(engine: TriageEngine, text: str, **fields: object) -> tuple[TriageLevel, set[str]]:
    result = engine.assess(TriageInput.model_validate({"text": text, **fields}))
    return result.level, {reason.rule for reason in result.reasons}


FIRES = [
    ("血氧只有88", "spo2_below_92", E),
    ("量了血压80/50，头晕", "systolic_below_90", E),
    ("老公血压190/120，头很疼", "bp_180_with_symptoms", E),
    ("血压185/100，没什么不舒服", "bp_180_no_symptoms", U),
    ("心率150，心慌", "pulse_above_130", E),
    ("心跳才38次", "pulse_below_40", E),
    ("宝宝心率200", "pulse_child_above_180", E),
    ("发烧41度", "temperature_41", E),
    ("发烧40度，精神还行", "temperature_40", U),
    ("奶奶80岁，发烧40度", "temperature_40_at_risk", E),
    ("老人体温34.5，手脚冰凉", "temperature_below_35", E),
    ("测了血糖3.5，打胰岛素的", "glucose_low_insulin", U),
    ("血糖25，口渴没劲", "glucose_20_with_symptoms", E),
    ("血糖22", "glucose_20", U),
    ("吃了20片布洛芬", "overdose_count", E),
    ("孩子把奶奶的降压药当糖吃了两片", "child_ingested_tablets", E),
    ("宝宝出生12天，有点烫", "newborn_unwell", E),
    ("新生儿，吃奶少", "newborn_unwell", E),
    ("宝宝出生20天，体温35.6", "newborn_temperature", E),
    ("3周大的宝宝体温38.1", "newborn_temperature", E),
    ("孩子出生50天，体温38.2", "infant_fever_38", E),
    ("两个月的宝宝精神很差，不吃奶", "infant_unwell", E),
    ("宝宝刚满20天，摸着有点热，量了37.9", "newborn_temperature", E),
    ("宝宝出生第二天，全身发黄", "newborn_unwell", E),
    # 喷射样吐奶本身当天看（projectile_vomiting_young_infant，NICE NG1；跨蓝本轮 session 26），带一个危险表现照旧急诊。
    ("宝宝一个多月，吐奶吐得像喷出来一样，尿很少", "infant_unwell", E),
    ("宝宝10个月，拉肚子两天，尿比平时少", "child_dehydration", U),
    ("怀孕7个月，今天一天都没感觉到胎动", "pregnancy_reduced_movements", E),
    ("怀孕28周，头疼，血压150/100", "pregnancy_20w_headache_bp", E),
    ("怀孕30周，头疼，看东西模糊", "pregnancy_20w_headache_vision", E),
    ("怀孕25周，有点头疼", "pregnancy_20w_headache", U),
    ("孕32周，量血压145/95", "pregnancy_bp_140", U),
    ("孕8个月，肚子一阵一阵发紧", "pregnancy_20w_abdominal_pain", E),
    ("产后一周，出血很多，止不住", "postpartum_danger", E),
    ("剖腹产后第5天，胸口疼，喘不上气", "postpartum_danger", E),
    ("产后10天，头疼得厉害，血压160/100", "postpartum_headache_bp", E),
    ("坐月子发烧38.5", "postpartum_fever_or_headache", U),
    ("爸爸吃华法林，刚才磕到头了", "anticoagulant_head_injury", E),
    ("在吃利伐沙班，牙龈出血止不住", "anticoagulant_bleeding", E),
    ("老人在吃华法林，牙龈出血", "anticoagulant_minor_bleeding", U),
    ("爷爷75岁，摔倒后头撞到桌角", "elder_head_injury", E),
    ("80岁奶奶摔倒了，起不来，大腿根疼", "elder_fall_serious", E),
    ("我爸卧床多年，今天从床上摔下来", "frail_fall", U),
    ("肾移植后吃免疫抑制剂，发烧38.3", "immunosuppressed_fever", E),
    # 吃激素发烧又发冷打颤（脓毒症表现）才是120；只说发烧、别的都没有是当天（set W 的 W316；NICE NG51）。
    ("长期吃激素，今天发烧了，还打寒颤", "immunosuppressed_fever", E),
    ("长期吃激素，今天发烧了", "immunosuppressant_fever_without_sepsis_signs", U),
    ("尿毒症透析的，这周漏了一次透析", "dialysis_missed", E),
    ("血透病人，浑身没劲，手脚发麻", "dialysis_high_potassium", E),
    ("化验血钾6.5", "high_potassium", E),
    ("打胰岛素的，现在心慌出汗手抖", "insulin_hypo_symptoms", U),
    ("有房颤，今天心慌得很", "af_stroke_or_fast", U),
    ("从二楼阳台摔下来了", "fall_from_height", E),
    ("出车祸了，胸口疼", "traffic_with_injury", E),
    ("打架被捅了一刀在肚子上，刀扎进去了", "penetrating_trunk", E),
    ("糖尿病，吐了好几次，肚子疼", "diabetes_dka_signs", E),
    ("发烧三天，腰疼，尿痛", "fever_urinary_loin", U),
    ("发烧咳嗽，胸口疼", "fever_chest", U),
]


@pytest.mark.parametrize(("text", "net", "level"), FIRES)
def test_each_net_fires_and_sets_its_level(engine: TriageEngine, text: str, net: str, level: TriageLevel) -> None:
    got, fired = rules(engine, text)
    covering = next(n.spec.covered_by for n in engine.knowledge.nets.nets if n.spec.id == net)
    assert net in fired or fired.intersection(covering), fired
    assert got >= level


@pytest.mark.parametrize(
    ("text", "net"),
    [
        ("血氧96", "spo2_below_92"),
        ("血压95/60", "systolic_below_90"),
        ("血压170/100，头疼", "bp_180_with_symptoms"),
        ("心率125", "pulse_above_130"),
        ("发烧39.9度", "temperature_40"),
        ("体温35.5", "temperature_below_35"),
        ("血糖3.5", "glucose_below_3"),
        ("血糖18，口渴", "glucose_20_with_symptoms"),
        ("吃了2片布洛芬", "overdose_count"),
        ("宝宝出生40天，吃奶少", "newborn_unwell"),
        ("宝宝4个月，体温38.2", "infant_fever_38"),
        ("怀孕12周，有点头疼", "pregnancy_20w_headache"),
        ("没有吃抗凝药，刚才磕到头了", "anticoagulant_head_injury"),
        ("在化疗，没有发烧", "immunosuppressed_fever"),
        ("30岁，打球摔了一跤，膝盖擦破点皮", "elder_fall_serious"),
    ],
)
def test_the_safe_side_of_each_threshold(engine: TriageEngine, text: str, net: str) -> None:
    assert net not in rules(engine, text)[1]


def test_explicit_age_field_counts_for_infant_nets(engine: TriageEngine) -> None:
    level, fired = rules(engine, "体温38.3", age=0.05)
    assert level is E and fired & {"infant_fever", "newborn_temperature", "infant_fever_38"}


def test_emergency_nets_run_in_the_fast_edge_check(engine: TriageEngine) -> None:
    for text, net, level in FIRES:
        ids = {hit.id for hit in engine.red_flags(text)}
        if level is E:
            assert ids, text  # a red flag or the net itself answers at the edge
        else:
            assert net not in ids, text


def test_a_net_names_its_source_and_the_findings_it_used(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="血氧只有88"))
    reason = next(r for r in result.reasons if r.rule == "spo2_below_92")
    assert "Manchester" in reason.source and any("spo2=88" in f for f in reason.findings)
    assert result.departments[0] == "emergency" and "120" in result.advice
