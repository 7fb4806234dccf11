"""Red-flag families learned from the misses of blind set A (issue 10).

Each case is a paraphrase written for this file, never the blind vignette's own
text, so that these tests check the clinical discriminator (a lay wording, a
number threshold, a risk group) rather than one sentence. The second table holds
ordinary messages the widened rules must leave alone.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

EMERGENCIES = [
    # Rhythm: a counted or wearable-reported rate of 150+ is a number, not a word.
    ("心跳特别快，自己数了数每分钟170次", None, "cardiac_arrhythmia_unstable"),
    ("智能手表上心率一直160多，人有点发飘", None, "cardiac_arrhythmia_unstable"),
    # Cardiac pain in lay words: "not right" chest with sweating, pallor, failed nitrates.
    ("我爸心窝子不对劲，说不上来，出了一身汗", None, "chest_pain_cardiac"),
    ("心口突然疼起来，脸色惨白", None, "chest_pain_cardiac"),
    ("胸前疼，速效救心丸吃了两回还是闷", None, "chest_pain_cardiac"),
    # Sudden worst headache phrased with the body part first.
    ("搬重物时忽然后脑勺剧痛", None, "thunderclap_headache"),
    ("胸口疼，气越喘越急，喘气越来越难", None, "breathing_difficulty"),
    # Haemorrhage: spurting, not stopped by pressure; postpartum pad counts; toilet full of blood.
    ("小腿被铁皮割了，血一股一股往外涌出来", None, "major_bleeding"),
    ("鼻子出血快一个钟头了，按着也按不住", None, "major_bleeding"),
    ("顺产后第三天，一小时就湿透了两个夜用卫生巾", None, "major_bleeding"),
    ("大便后马桶里全是红的", None, "major_bleeding"),
    ("屙咗好多血", None, "major_bleeding"),  # Cantonese verb and aspect marker
    # Mental health: a parent threatening to die together with the child.
    ("她这几天总说要抱着宝宝一块儿去跳", None, "suicide_risk"),
    # Poisoning families: child into family medicines, organophosphate, narrow-margin drugs, CO.
    ("三岁女儿把外公的药片翻出来吃了好几颗", None, "poisoning"),
    ("下地喷了杀虫剂，回来满头大汗、口水直流、拉稀", None, "organophosphate_exposure"),
    ("奶奶把华法林多吃了几片", None, "poisoning"),
    ("冬天屋里烧炭取暖，两个人都头晕想吐", None, "carbon_monoxide_suspected"),
    # Vision: a curtain or shadow blocking part of the field.
    ("右眼前面好像有块黑幕遮着，下半边看不到", None, "sudden_vision_loss"),
    # Pregnancy: reduced movements in lay wording, a gush of fluid, blurred sight.
    ("怀孕33周，今天胎动比往常少了一大半", True, "pregnancy_waters_or_fetal_movement"),
    ("孕36周，早上感觉不到孩子动", True, "pregnancy_waters_or_fetal_movement"),
    ("怀孕31周，下面忽然涌出了一大股水", True, "pregnancy_waters_or_fetal_movement"),
    ("怀孕28周，头疼，看东西模糊", True, "pregnancy_preeclampsia"),
    ("生完孩子十天，发烧38.8，恶露有臭味", None, "postpartum_infection"),
    # Acute abdomen and infants.
    ("皮肤眼白都发黄了，发烧打摆子，右上腹疼", None, "cholangitis_suspected"),
    ("宝宝11个月，一阵一阵哭，拉出来的便便像果酱", None, "intussusception_suspected"),
    ("孩子拉肚子两天，哭的时候没有眼泪", None, "severe_dehydration_child"),
    ("女儿9岁，肚子痛，右下边按着更疼，低烧", None, "appendicitis_signs"),
    ("一岁半孩子高烧，刚刚抽了两分钟", None, "febrile_or_child_seizure"),
    # Urinary retention with hours counted; limb ischaemia; long lie; pupils; drowning; cold.
    ("老伴十几个小时尿不出来，小肚子胀得受不了", None, "urinary_retention_severe"),
    ("左脚一下子冰凉发紫，脚背摸不到脉", None, "limb_ischaemia"),
    ("我妈摔了在地上躺了一晚上才被发现", None, "long_lie_or_dark_urine"),
    ("他摔倒撞了头，两个瞳孔一大一小", None, "unequal_pupils"),
    ("孩子在河里呛了水，捞上来后一直咳", None, "environmental_emergency"),
    ("老人体温34.5度，手脚冰凉", None, "environmental_emergency"),
    # Diabetes: ketones in the urine.
    ("血糖很高，尿酮两个加，一直吐", None, "diabetic_emergency"),
    # Airway: drooling, noisy breathing in, floor-of-mouth swelling.
    ("嗓子肿，口水都吞不下，吸气的时候声音很响", None, "stridor_or_drooling"),
    ("智齿发炎，下颌都肿了，嘴张不开", None, "deep_neck_infection"),
    ("孩子对鸡蛋过敏，吃了蛋糕后眼皮肿，还吐了", None, "allergen_two_systems"),
]


@pytest.mark.parametrize(("text", "pregnant", "rule"), EMERGENCIES)
def test_blind_a_family_is_an_emergency(engine: TriageEngine, text: str, pregnant: bool | None, rule: str) -> None:
    result = engine.assess(TriageInput(text=text, pregnant=pregnant))
    assert result.level is TriageLevel.EMERGENCY, (result.level, result.red_flags)
    assert rule in result.red_flags, result.red_flags


@pytest.mark.parametrize(
    "text",
    [
        "心率一分钟80次，体检说正常",
        "孩子感冒了，给他吃了退烧药，现在好多了",
        "吃了降压药有点头晕",
        "擦破了点皮，流了点血，已经不流了",
        "体温36.5度，就是有点咳嗽",
        "对花生过敏，想问问能不能吃花生油",
        "咽口水有点疼，嗓子发干",
        "我们屋里开着窗烧水，没事吧",
        "月经量比平时多一点，没有头晕",
    ],
)
def test_widened_rules_leave_ordinary_messages_alone(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is not TriageLevel.EMERGENCY, (text, result.red_flags)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("吃完螃蟹手臂上几个红疙瘩，呼吸也正常", "anaphylaxis"),
        ("被黄蜂叮了一下脚背，有点肿，喘气都正常", "anaphylaxis"),
        ("头在门框上磕了一下，没吃什么抗凝药", "anticoagulant_head_injury"),
    ],
)
def test_a_function_reported_normal_is_not_a_finding(engine: TriageEngine, text: str, rule: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert rule not in result.red_flags and result.level is not TriageLevel.EMERGENCY, result.red_flags


def test_asking_whether_it_is_normal_still_counts(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="宝宝嘴唇发紫，呼吸很快正常吗"))
    assert result.level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "昨天健身练了胸，今天胳膊酸得抬不太起来",
        "坐船晕船吐了一回，上岸就好了",
        "右眼皮跳了三天",
        "宝宝红屁股了，别的都挺好",
        "冬天嘴唇干裂起皮",
    ],
)
def test_everyday_minor_complaints_get_self_care_with_advice(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text, age=30 if "宝宝" not in text else 1))
    assert result.level is TriageLevel.SELF_CARE, (text, result.level, [r.rule for r in result.reasons])
    assert "请及时就医" in result.advice or "就医" in result.advice


def test_object_pushed_into_a_childs_nostril_is_seen_today(engine: TriageEngine) -> None:
    text = TriageInput(text="儿子把一颗珠子塞进了鼻孔，取不出来")
    rules = TriageEngine(engine.knowledge).assess(text)
    assert rules.level is TriageLevel.URGENT and "ent" in rules.departments
    # Known over-triage of the learned layer (docs/triage-blind.md): the corpus's nasal foreign
    # bodies with noisy breathing are emergencies and character n-grams cannot see that this
    # one breathes normally. It may raise, never lower, and must say so.
    result = engine.assess(text)
    assert result.level >= TriageLevel.URGENT and "ent" in result.departments
    if result.level is TriageLevel.EMERGENCY:
        assert result.red_flags == ["learned_level"]


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("左边小腿肿胀发烫，比右腿粗一圈", "leg_swelling_hot"),
        ("这几天一上楼胸口就发紧，停下来就好", "exertional_chest_tightness"),
        ("我爸吃饭时晕了一下，几秒就醒了", "transient_faint"),
        ("他三四天不睡觉了，话多得停不下来", "mania_or_psychosis"),
        ("发现儿子手腕上有好几道割痕", "self_harm_marks"),
        ("我有羊癫风，这个月已经发作了四次", "seizure_increase"),
        ("孩子打架门牙被撞掉了", "tooth_knocked_out"),
        ("这两天血糖一直在22左右", "high_glucose_reading"),
        ("做腹膜透析的，今天透出来的水有点浑浊", "chemo_or_dialysis_problem"),
        ("化疗以后口腔溃疡，疼得吃不下饭", "chemo_or_dialysis_problem"),
        ("宝宝十天了，大便是灰白色的", "jaundice"),
    ],
)
def test_same_day_families_are_urgent(engine: TriageEngine, text: str, symptom: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level >= TriageLevel.URGENT, (text, result.level, [r.rule for r in result.reasons])
    assert symptom in {r.rule for r in result.reasons}


@pytest.mark.parametrize("text", ["血糖8.5，想问问饮食", "门牙有点黄", "爬楼梯膝盖有点酸"])
def test_same_day_families_leave_ordinary_messages_alone(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level < TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "睡醒发现落枕，头扭不过来",
        "连着加班盯屏幕，眼睛酸涩",
        "下飞机以后左耳朵一直发闷，不疼",
        "吃完饭一直打嗝",
        "傷風咗 流鼻水",
        "出差两天没大便了，别的都好",
        "胳膊上被虫子咬了个包",
    ],
)
def test_more_minor_complaints_get_self_care(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.SELF_CARE, (text, result.level, [r.rule for r in result.reasons])
    assert "就医" in result.advice


@pytest.mark.parametrize("text", ["打嗝三天了停不下来，吞东西困难", "坐飞机后耳朵疼得厉害还流水"])
def test_minor_complaint_with_a_worrying_sign_is_not_self_care(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level is not TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("大笑的时候会漏一点尿", "urology"),
        ("大脚趾的趾甲发黄变厚半年了", "dermatology"),
        ("这半年看远的东西越来越模糊", "ophthalmology"),
        ("体检血脂偏高，低密度脂蛋白4.2", "cardiology"),
        ("每天早上起来手指关节僵硬，要活动半天", "rheumatology"),
        ("奶奶拿筷子时手一直抖", "neurology"),
        ("绝经三年了，这两天又有点流血", "gynecology"),
        ("最近怕热，吃得多反而瘦了", "endocrinology"),
    ],
)
def test_routine_complaints_reach_their_department(engine: TriageEngine, text: str, department: str) -> None:
    result = engine.assess(TriageInput(text=text, age=60))
    assert department in result.departments[:3], (text, result.departments)
    assert result.level is not TriageLevel.EMERGENCY


def test_sudden_new_floaters_are_seen_today(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="今天突然看到眼前飘着一堆黑点"))
    assert result.level >= TriageLevel.URGENT and "ophthalmology" in result.departments


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("换了新的降压药后舌头有点肿，呼吸还好", "lip_or_face_swelling"),
        ("骑车摔了手撑地，现在手腕肿了", "fall_swollen_limb"),
        ("三个月宝宝今天奶量只有平时一半", "infant_poor_feeding"),
    ],
)
def test_same_day_signs_from_set_a_second_pass(engine: TriageEngine, text: str, rule: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level >= TriageLevel.URGENT and rule in {r.rule for r in result.reasons}, result.reasons


def test_one_side_drawn_up_with_sudden_pain_is_torsion(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="16岁男孩，裆里一边突然剧痛，那边好像缩上去了", sex="male"))
    assert "testicular_torsion" in result.red_flags


def test_a_normal_temperature_reading_is_not_fever(engine: TriageEngine) -> None:
    normal = engine.assess(TriageInput(text="孩子有点鼻塞，体温36.9", age=4))
    febrile = engine.assess(TriageInput(text="孩子有点鼻塞，体温38.6", age=4))
    assert "fever" not in {r.rule for r in normal.reasons}
    assert "fever" in {r.rule for r in febrile.reasons} or febrile.level >= TriageLevel.URGENT
