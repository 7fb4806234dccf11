"""Set W's misses and over-calls (issue 10), each fixed by a general discriminator, with look-alikes.

Blind set W (now tuning material) missed two emergencies: a button battery pushed into a child's
ear, and a fall off an e-bike landing on the belly (said in traditional characters, "著地"). It
under-triaged same-day cases whose words the rules did not read ("烧38.6" with no 发 or 度, a bean
"塞鼻子里" with no 进, one calf swollen and sore, a back sprain "疼得下不了床", a head bump followed
by headache, a ten-day-old "还有点黄" with the age between, fever with pain on bowing the head),
and set R's back pain with a past cancer, night pain and weight loss. It sent to 120 same-day
cases a general rule over-read: light spotting without pain before 24 weeks, movements "好像少了点",
lips swollen "但是不喘", a reading of 180/110 with only a full head, fever on steroids or
immunosuppressants without any sign of sepsis, a past stroke or chest pain asking for follow-up.
And it kept from home care a vaccine's low-grade temperature, a toddler's bump soon comforted,
late-pregnancy ankle swelling with a normal pressure and morning sickness eased by biscuits.
Phrases here are our own, not the blind set's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from tests.triage.assessing import level_and_flags, level_and_rules

SAME_DAY_OR_MORE = (TriageLevel.URGENT, TriageLevel.EMERGENCY)

# --- a button battery in the ear or nose: removal now, not a same-day foreign body ---
# (National Capital Poison Center Button Battery Guideline; ENT UK foreign bodies)


@pytest.mark.parametrize("text", ["儿子把一粒纽扣电池塞进鼻孔了", "小孩往耳朵眼里放了个小电池 掏不出来"])
def test_a_button_battery_in_the_ear_or_nose_is_an_emergency(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    for judge in (rules, engine):
        level, _ = level_and_flags(judge, text, age=4)
        assert level is TriageLevel.EMERGENCY
    assert "button_battery_ear_nose" in level_and_flags(rules, text, age=4)[1]


@pytest.mark.parametrize("text", ["孩子把一颗黄豆塞鼻子里了", "闺女拿花生米塞耳朵里 抠不出来"])
def test_a_bean_pushed_in_is_same_day_not_an_emergency(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=3)
    assert level is TriageLevel.URGENT
    assert "ear_nose_foreign_body" in fired


def test_a_battery_only_played_with_is_not_this_rule(rules: TriageEngine) -> None:
    _, flags = level_and_flags(rules, "孩子在玩遥控器的电池 没塞进鼻子也没吞", age=4)
    assert "button_battery_ear_nose" not in flags


# --- a two-wheeler fall landing on the trunk: blunt abdominal or chest injury (MTS "Major trauma") ---


@pytest.mark.parametrize("text", ["騎摩托車摔了 胸口著地", "骑电瓶车翻了 电动车摔了 肚皮先着地"])
def test_a_fall_off_a_bike_onto_the_trunk_is_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=35)
    assert level is TriageLevel.EMERGENCY


def test_a_bike_fall_onto_a_knee_stays_same_day(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "骑自行车摔了 膝盖着地 蹭破点皮", age=30)
    assert level is TriageLevel.URGENT


# --- temperature said straight after 烧 (NICE NG143: 3 months to 3 years with fever, same day) ---


def test_shao_then_a_number_is_a_temperature(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "娃四个月 烧38.4 奶还在吃", age=0.35)
    assert level is TriageLevel.URGENT
    assert "fever" in fired


def test_a_fire_is_not_a_temperature(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "厨房燃烧38分钟才灭 我们都没事", age=30)
    assert "fever" not in fired


# --- one calf swollen and sore: suspected DVT, same day (NICE NG158) ---


@pytest.mark.parametrize("text", ["右边一侧小腿肿了 按着疼", "腿肚子一边肿起来了 胀痛"])
def test_one_swollen_painful_calf_is_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=58)
    assert level in SAME_DAY_OR_MORE
    assert "leg_swelling_hot" in fired


def test_a_calf_swollen_without_pain_is_not_this_rule(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "一侧小腿有点肿 不痛 按着也不疼", age=58)
    assert "leg_swelling_hot" not in fired


# --- pain that keeps one in bed is severe (Manchester Triage System pain assessment) ---


def test_a_sprain_too_painful_to_get_up_is_same_day(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "搬东西闪了腰 疼得起不来床", age=40)
    assert level is TriageLevel.URGENT


def test_a_mild_sprain_stays_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "脚崴了一下 有点酸 能走", age=30)
    assert level is TriageLevel.SELF_CARE


# --- headache after a head bump: seen the same day (NICE NG232 1.1.3) ---


def test_a_head_bump_then_headache_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "起身脑袋磕到柜门 没晕 这会儿头有点疼", age=33)
    assert level is TriageLevel.URGENT
    assert "head_injury_any" in fired


def test_a_bump_without_headache_stays_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "脑门碰到门框 起了个小包 没晕 不吐 也不头疼", age=33)
    assert level is TriageLevel.SELF_CARE


# --- a newborn under two weeks still yellow: bilirubin the same day (NICE CG98) ---


def test_a_ten_day_old_still_yellow_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "新生儿第9天 还是有点黄 吃奶挺好", age=0.025)
    assert level is TriageLevel.URGENT
    assert "jaundice" in fired


def test_a_three_week_old_still_yellow_is_not_read_by_the_day_count(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "宝宝二十二天 还有点黄 吃得好睡得好", age=0.06)
    assert "jaundice" not in fired


# --- fever with neck pain on bowing the head: rule out meningitis the same day (NICE NG240) ---


def test_fever_with_pain_on_bowing_the_head_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "发烧38度5 脖子疼 低头就疼", age=22)
    assert level in SAME_DAY_OR_MORE
    assert "fever_neck_pain_on_flexion" in fired


def test_bowing_pain_without_fever_is_not_this_net(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "落枕了 低头就疼 不发烧", age=22)
    assert "fever_neck_pain_on_flexion" not in fired


# --- back pain with a cancer history and night pain or weight loss (NICE NG234, NICE NG59) ---


@pytest.mark.parametrize("text", ["前列腺癌做过手术 最近腰疼得半夜醒", "以前得过肺癌 后背越来越疼 人也瘦了"])
def test_back_pain_after_cancer_with_night_pain_is_same_day(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=64)
    assert level in SAME_DAY_OR_MORE
    assert "spinal_pain_with_cancer" in fired


def test_back_pain_at_night_without_cancer_is_not_this_net(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "腰疼半夜醒 没得过肿瘤", age=50)
    assert "spinal_pain_with_cancer" not in fired


# --- light spotting without pain before 24 weeks: early pregnancy unit the same day (NICE NG126 1.3) ---


def test_light_painless_spotting_early_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "怀孕9周 内裤上一点点见红 肚子不疼", age=29)
    assert level is TriageLevel.URGENT
    assert "early_pregnancy_spotting" in fired


@pytest.mark.parametrize(
    "text",
    ["怀孕9周 一点点见红 不疼 但是有点头晕", "怀孕9周 见红了 肚子疼", "孕30周 有一点见红 不痛"],
)
def test_spotting_with_danger_or_later_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=29)
    assert level is TriageLevel.EMERGENCY


# --- movements "a bit less" but felt: same-day monitoring, not 120 (RCOG GTG 57) ---


def test_movements_a_bit_less_are_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "怀孕27周 今天胎动有点少 还能感觉到", age=30)
    assert level is TriageLevel.URGENT
    assert "fetal_movement_less_than_usual" in fired


@pytest.mark.parametrize("text", ["怀孕31周 今天胎动少了很多", "怀孕31周 一上午感觉不到胎动"])
def test_movements_much_less_or_absent_stay_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=30)
    assert level is TriageLevel.EMERGENCY


# --- swollen lips or eyelids with breathing denied: same day; a swollen tongue stays 120 ---
# (Resuscitation Council UK 2021: anaphylaxis needs airway, breathing or circulation trouble)


def test_swollen_lips_with_breathing_denied_are_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "上嘴唇肿起来了 没有憋气", age=30)
    assert level is TriageLevel.URGENT
    assert "lip_or_face_swelling" in fired


@pytest.mark.parametrize("text", ["嘴唇肿了 有点喘", "舌头肿起来了 不喘"])
def test_swelling_with_breathing_trouble_or_a_tongue_is_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=30)
    assert level is TriageLevel.EMERGENCY


# --- 180/110 with only a full head and nothing else: same day (NICE NG136 1.5; 中国高血压防治指南 2018) ---


def test_a_high_reading_with_only_a_full_head_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "量了血压185/108 头有点发胀 其他都还好", age=60)
    assert level is TriageLevel.URGENT
    assert "bp_180_no_symptoms" in fired


@pytest.mark.parametrize("text", ["血压185/108 头有点胀 还有点恶心", "血压190/125 头有点胀 别的没啥"])
def test_a_high_reading_with_another_symptom_or_a_high_lower_number_stays_an_emergency(
    rules: TriageEngine, text: str
) -> None:
    level, _ = level_and_rules(rules, text, age=60)
    assert level is TriageLevel.EMERGENCY


# --- fever on steroids or immunosuppressants without signs of sepsis: same day (NICE NG51; BSR 2019) ---


def test_fever_on_steroids_without_sepsis_signs_is_same_day(rules: TriageEngine) -> None:
    level, fired = level_and_rules(rules, "肾病综合征吃着泼尼松 今天发热38.4 有点咳", age=40)
    assert level is TriageLevel.URGENT
    assert "immunosuppressant_fever_without_sepsis_signs" in fired


@pytest.mark.parametrize(
    "text",
    ["吃着泼尼松 发烧38.4 打寒颤", "吃着泼尼松 发烧38.4 有点喘", "肝移植后吃着他克莫司 发烧38.4", "在化疗 发烧38.4"],
)
def test_fever_with_sepsis_signs_transplant_or_chemo_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=40)
    assert level is TriageLevel.EMERGENCY


# --- a past stroke or chest pain asking for follow-up is not a new event ---
# (中国脑卒中早期康复治疗指南 2017; NICE CG95)


def test_rehab_after_a_stroke_is_not_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "脑梗以后走路不稳 想挂康复科", age=70)
    assert level is not TriageLevel.EMERGENCY


def test_a_stroke_with_sudden_change_stays_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "脑梗以后 今天突然走路不稳 想做康复", age=70)
    assert level is TriageLevel.EMERGENCY


def test_a_checked_past_chest_pain_follow_up_is_not_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "之前胸口疼做过检查说没问题 想再复查一次", age=52)
    assert level is not TriageLevel.EMERGENCY


def test_a_past_chest_pain_that_came_back_stays_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "之前胸口疼 检查说没事 今天胸口又疼了 想复查", age=52)
    assert level is TriageLevel.EMERGENCY


# --- home care: a vaccine's 37.x, a bump soon comforted, ankle swelling, morning sickness ---
# (国家卫健委 预防接种工作规范 2016 一般反应; NICE NG143 fever ≥38; NICE NG232; NHS swollen ankles in
# pregnancy, NICE NG133; NICE CKS nausea and vomiting in pregnancy)


def test_a_vaccine_low_grade_temperature_is_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "宝宝五个月 打完预防针 体温37.6 打针那块有点红", age=0.42)
    assert level is TriageLevel.SELF_CARE


@pytest.mark.parametrize("text", ["宝宝五个月 打完预防针 体温38.3", "宝宝五个月 打完预防针 发烧38.1度 有点蔫"])
def test_a_vaccine_fever_of_38_is_same_day(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=0.42)
    assert level in SAME_DAY_OR_MORE


def test_a_bump_soon_comforted_is_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "孩子脑门撞到椅子 鼓了个包 哭了一会儿就不哭了 现在在玩", age=3)
    assert level is TriageLevel.SELF_CARE


def test_late_pregnancy_ankle_swelling_with_normal_pressure_is_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "孕晚期了 脚有点肿 血压正常", age=29)
    assert level is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text", ["孕34周 脚踝有点肿 脸也肿了 血压正常", "孕34周 脚踝有点肿 血压正常 头有点痛", "孕34周 一侧小腿肿 血压正常"]
)
def test_swelling_of_the_face_with_headache_or_one_leg_is_not_home_care(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=29)
    assert level is not TriageLevel.SELF_CARE


def test_morning_sickness_eased_by_biscuits_is_home_care(rules: TriageEngine) -> None:
    level, _ = level_and_rules(rules, "怀孕六周 早上有点恶心 吃几块饼干就好多了", age=28)
    assert level is TriageLevel.SELF_CARE
