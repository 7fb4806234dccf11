"""Round on set K (tuning material after its one sealed scoring): families of wording fixed, issue 10.

Every family is asked in our own words (never a vignette's), of the rules alone unless it is the
learned layer's threshold that changed, with look-alikes that must keep their level, so that no
emergency is lost by the narrowing. Sources are cited beside each rule in data/triage/*.yml.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract
from services.clinical.triage.findings import Findings

EMERGENCY = TriageLevel.EMERGENCY


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


def _flags(engine: TriageEngine, text: str) -> list[str]:
    return engine.assess(TriageInput(text=text)).red_flags


def _findings(engine: TriageEngine, text: str) -> Findings:
    normalized = engine.normalize(text)
    return engine._findings(normalized, extract(normalized))


# -- 1. a prolonged erection said with 勃起 alone (EAU 2022 priapism) -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "勃起五个小时了 还是下不去 胀痛",
        "早上勃起到现在六个钟头了",
        "勃起以后一直不消 好几个小时了 有点疼",
        "那个勃起4个多小时了",
    ],
)
def test_a_long_erection_named_only_by_boqi_is_an_emergency(rules: TriageEngine, text: str) -> None:
    assert "priapism" in _flags(rules, text)
    assert _level(rules, text) is EMERGENCY


@pytest.mark.parametrize("text", ["勃起有点困难 想咨询一下", "最近勃起不太好", "勃起不了 是不是压力大"])
def test_erectile_trouble_is_not_priapism(rules: TriageEngine, text: str) -> None:
    assert "priapism" not in _flags(rules, text)


# -- 2. the learned layer raises to emergency from P >= 0.40 (cross-validation's choice) -------


def test_the_learned_emergency_threshold_is_the_cross_validated_one(engine: TriageEngine) -> None:
    assert engine.learned is not None
    assert engine.learned.settings.emergency == pytest.approx(0.40)


# -- 3. a worry about vomiting blood after gum bleeding is not a haematemesis -------------------


@pytest.mark.parametrize(
    "text",
    [
        "早上刷牙牙龈出血了 吐的泡沫是粉的 不会是吐血吧",
        "牙龈老出血 漱口水红红的 该不会是呕血吧",
    ],
)
def test_the_worried_question_about_vomiting_blood_is_not_the_flag(rules: TriageEngine, text: str) -> None:
    assert "major_bleeding" not in _flags(rules, text)
    assert _level(rules, text) is not EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["刚才吐血了 一大口", "胃不舒服 吐了好多血", "是不是吐血了 吐出来一口红的", "呕血 头晕"],
)
def test_vomiting_blood_said_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 4. heavy period with dizziness denied (leftover of the round on J) -------------------------


@pytest.mark.parametrize("text", ["月经量多 没有头晕", "这次例假特别多 不头晕 也不心慌", "大姨妈量很大 人不晕"])
def test_a_heavy_period_with_dizziness_denied_is_not_an_emergency(rules: TriageEngine, text: str) -> None:
    assert "heavy_menstrual_bleeding" not in _flags(rules, text)


@pytest.mark.parametrize(
    "text",
    ["月经量特别多 一个小时就湿透 头晕", "例假量很大 站起来眼前发黑", "大姨妈特别多 有点晕"],
)
def test_a_heavy_period_with_dizziness_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 5. painless irregular tightening late in pregnancy (Braxton Hicks; NHS) -------------------


@pytest.mark.parametrize(
    "text",
    [
        "孕33周 肚子有时候发紧一下 不疼 没有规律 过一会就松了",
        "怀孕36周 偶尔肚子发硬 也不痛 不规律",
    ],
)
def test_braxton_hicks_is_not_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "孕33周 肚子发紧 很痛 越来越频繁",
        "怀孕36周 肚子发硬 不痛 可是下面流水了",
        "孕30周 肚子一阵一阵发硬 不疼 但是越来越规律",
        "孕32周 肚子痛 一阵一阵的",
    ],
)
def test_tightening_with_pain_waters_or_rhythm_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 6. a newborn: posseting and jaundice after the first day in a well baby -------------------


@pytest.mark.parametrize(
    "text",
    ["宝宝18天 喂完奶吐一点奶 体重长得好", "出生三周 吃完奶漾一口奶 精神好 吃得多"],
)
def test_posseting_in_a_thriving_newborn_is_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "宝宝出生12天 吐了两口绿色的",
        "出生两周 喷射状吐奶 尿少了",  # bare projectile vomiting is urgent since the cross-set round (NICE NG1)
        "宝宝18天 吃完奶吐一点奶 精神不好",
        "出生三周 吐奶 吃奶也少了",
    ],
)
def test_a_newborn_vomiting_with_danger_signs_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


@pytest.mark.parametrize("text", ["宝宝出生第四天 脸和胸口有点黄 吃奶好 尿也多", "出生一周 脸黄黄的 吃奶睡觉都好"])
def test_jaundice_after_the_first_day_in_a_well_baby_is_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "宝宝出生第四天 越来越黄",
        "出生一周 手心脚心都黄了",
        "宝宝出生第五天 黄疸 老是睡 叫不醒",
        "刚生下来一天 脸就黄了",
        "出生十天 身上黄 吃奶没劲",
    ],
)
def test_worsening_deep_or_first_day_jaundice_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 7. 中毒 said of a phone habit --------------------------------------------------------------


@pytest.mark.parametrize("text", ["刷手机刷得中毒了 停不下来", "感觉自己短视频中毒了 一刷就是一晚上"])
def test_a_phone_habit_called_poisoning_is_not_poisoning(rules: TriageEngine, text: str) -> None:
    assert "poisoning" not in _flags(rules, text)


@pytest.mark.parametrize("text", ["家里烧炭 好像一氧化碳中毒了", "吃了野蘑菇 怕是中毒了 在吐", "农药中毒"])
def test_real_poisoning_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 8. burning in the stomach is heartburn, not a fever ----------------------------------------


@pytest.mark.parametrize("text", ["胃里烧得厉害", "心口烧得厉害 反酸", "胸口烧得厉害 吃完辣的"])
def test_a_burning_stomach_is_not_a_fever(rules: TriageEngine, text: str) -> None:
    assert "fever" not in {r.rule for r in rules.assess(TriageInput(text=text)).reasons}


@pytest.mark.parametrize("text", ["孩子烧得厉害", "身上烧得厉害 39度", "晚上烧得很厉害"])
def test_a_fever_said_as_shaode_is_still_a_fever(rules: TriageEngine, text: str) -> None:
    assert "fever" in {r.rule for r in rules.assess(TriageInput(text=text)).reasons}


# -- 9. numbers: a spoken range is not one number; how often is not how long ---------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [("咳嗽三四天了", 96), ("嗓子疼两三天", 72), ("头疼一两天", 48), ("拉肚子五六个小时", 6), ("腰疼二十三天", 552)],
)
def test_a_spoken_range_is_its_upper_end(rules: TriageEngine, text: str, hours: float) -> None:
    assert _findings(rules, text).duration_hours == hours


@pytest.mark.parametrize("text", ["大便两三天一次", "三四天才解一次大便", "两天拉一次"])
def test_how_often_is_not_how_long(rules: TriageEngine, text: str) -> None:
    assert _findings(rules, text).duration_hours is None


def test_a_cough_of_a_few_days_without_danger_signs_is_self_care(rules: TriageEngine) -> None:
    assert _level(rules, "咳嗽 有点白痰 三四天了 不发烧 不喘") is TriageLevel.SELF_CARE


def test_constipation_for_years_stays_routine(rules: TriageEngine) -> None:
    assert _level(rules, "便秘好多年了 三四天才解一次 很费力") is TriageLevel.ROUTINE


# -- 10. recurring normal discomforts of pregnancy and of young babies --------------------------


@pytest.mark.parametrize(
    "text",
    ["新生儿十来天 老是打喷嚏 不发烧 吃奶好", "宝宝出生二十天 经常打嗝 吃奶睡觉都好", "怀孕五个月 老是鼻塞 不是感冒"],
)
def test_recurring_normal_discomforts_of_babies_and_pregnancy_are_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "新生儿老是打喷嚏 有点发烧",
        "宝宝一个月 经常打嗝 吃奶少了",
        "最近老是打嗝 好几个月了",
        "鼻子老是堵 一到春天就这样",
    ],
)
def test_recurrence_still_blocks_self_care_elsewhere(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not TriageLevel.SELF_CARE


# -- 11. irregular periods are not period pain --------------------------------------------------


@pytest.mark.parametrize("text", ["例假不规律 有时候三个月才来一次", "月经乱了 一个月来两次月经"])
def test_irregular_periods_get_no_period_pain_advice(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not TriageLevel.SELF_CARE


# -- 12. a child's head bump: back to playing, cried at once (NICE NG232) -----------------------


@pytest.mark.parametrize(
    "text",
    ["四岁孩子额头撞到柜子角 鼓了个包 当时就哭出来了 现在又在玩积木", "娃脑门碰了下门 哭了一声 马上又跑去玩了 没吐"],
)
def test_a_minor_head_bump_in_a_child_back_to_play_is_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    ["孩子头磕了一下 马上就哭了 现在老想睡", "娃额头撞桌角 当时哭了 后来吐了一次", "孩子从床上掉下来磕到头 又在玩了"],
)
def test_a_head_bump_with_a_warning_sign_gets_no_home_advice(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) > TriageLevel.SELF_CARE


# -- 13. brief positional vertigo (BPPV; NICE CKS Vertigo) ------------------------------------


@pytest.mark.parametrize("text", ["早上起床一低头就天旋地转 十几秒就停了", "躺下翻身就天旋地转 半分钟就过去了"])
def test_brief_positional_vertigo_is_routine(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.ROUTINE


@pytest.mark.parametrize(
    "text",
    ["一翻身就天旋地转 几秒就好 可是走路站不稳", "天旋地转 一直吐", "抬头就天旋地转 说话也不清楚了"],
)
def test_vertigo_that_lasts_or_comes_with_signs_keeps_its_level(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) >= TriageLevel.URGENT


# -- 14. a kidney stone found on a scan, no pain ----------------------------------------------


def test_a_painless_kidney_stone_found_on_a_scan_is_routine(rules: TriageEngine) -> None:
    assert _level(rules, "单位体检彩超提示右肾一个小结石 从来没疼过") is TriageLevel.ROUTINE


@pytest.mark.parametrize("text", ["体检发现肾结石 今天腰绞痛", "B超说有肾结石 不痛 可是尿是红的"])
def test_a_kidney_stone_with_colic_or_blood_stays_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) >= TriageLevel.URGENT


# -- 15. a passive wish to die without a plan: same-day assessment (WHO mhGAP 2019; NICE NG225) ---


@pytest.mark.parametrize(
    "text",
    [
        "这阵子总想着晚上睡过去不醒就好了 我不会真做什么",
        "老是想到死 可是没有什么计划",
        "觉得活着没什么意思 但是没想好怎么做 就想聊聊",
    ],
)
def test_a_passive_death_wish_without_a_plan_is_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "活着没意思",
        "活着没意思 安眠药都攒好了",
        "活着没什么意思 想死 不会告诉家里",
        "觉得活着没意思 今晚就结束吧",
    ],
)
def test_hopelessness_without_a_stated_no_plan_is_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


def test_a_denied_death_wish_is_no_net(rules: TriageEngine) -> None:
    assert _level(rules, "最近压力大 没有想死的念头 就是睡不好") < TriageLevel.URGENT


# -- 16. unexplained pinpoint bleeding spots (NICE NG12; ITP consensus) -------------------------


@pytest.mark.parametrize("text", ["小腿上出了一片针尖大小的红点 刷牙还出血", "这两天身上冒出好多出血点 不痛不痒"])
def test_petechiae_are_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.URGENT


@pytest.mark.parametrize("text", ["发烧 腿上有出血点 压了不褪色", "孩子发高烧 身上出了紫色的点点 精神很差"])
def test_petechiae_with_fever_are_still_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 17. a red, painful lump that keeps growing: an abscess (NICE CKS Boils) --------------------


def test_a_growing_red_painful_lump_is_urgent(rules: TriageEngine) -> None:
    assert _level(rules, "腋下长了个疙瘩 又红又疼 一天比一天大 这两天越来越大了") is TriageLevel.URGENT


@pytest.mark.parametrize("text", ["脖子上有个包 越来越大 不痛", "胳膊上有个包 不红不痛 越来越大"])
def test_a_painless_growing_lump_is_not_an_abscess(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.ROUTINE


# -- 18. a child word naming who speaks about "me" is no child patient --------------------------


@pytest.mark.parametrize(
    "text", ["宝宝说我脸色不好", "儿子陪我来看看 我头晕", "闺女催我来问问 我血压有点高", "女儿嫌我老咳嗽"]
)
def test_a_child_speaking_about_me_does_not_make_me_a_child(text: str) -> None:
    assert not extract(text).is_child


@pytest.mark.parametrize(
    "text", ["女儿让我问问，她发烧了", "孩子说他肚子疼", "宝宝说肚子疼", "宝宝发烧 女儿说我也有点烫"]
)
def test_a_child_who_is_the_patient_stays_a_child(text: str) -> None:
    assert extract(text).is_child


# -- 19. sore, cracked nipples while breastfeeding (NICE CKS Breastfeeding problems) -------------


def test_cracked_nipples_while_breastfeeding_are_self_care(rules: TriageEngine) -> None:
    assert _level(rules, "喂母乳这几天乳头皲裂了 一喂就疼 没发烧") is TriageLevel.SELF_CARE


@pytest.mark.parametrize("text", ["喂奶乳头裂了 右边乳房红肿发烫 有硬块", "哺乳期乳头破了 今天发烧发冷"])
def test_nipple_pain_with_signs_of_mastitis_is_not_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) > TriageLevel.SELF_CARE


# -- 20. a minor fall, walking normally (NHS "Bruises"; NHS 111 "Falls") -------------------------


def test_a_minor_fall_walking_normally_is_self_care(rules: TriageEngine) -> None:
    assert _level(rules, "刚才在家滑倒了 胳膊肘有点疼 活动都正常") is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    [
        "摔了一跤 脚踝肿起来了 还能走",
        "摔了一下 磕到头了 走路没问题",
        "从梯子上摔下来 屁股疼 能走",
        "摔了一跤 大腿根疼 还能走",
    ],
)
def test_a_fall_with_a_warning_sign_is_not_self_care(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) > TriageLevel.SELF_CARE


def test_an_elder_fall_is_still_an_emergency(rules: TriageEngine) -> None:
    # Still walking with nothing else said is urgent since the cross-set round (NICE CG124; C421 J129 K124 L088).
    assert _level(rules, "我妈八十三了 摔了一跤 胯那里疼 还能走") is TriageLevel.URGENT
    assert _level(rules, "我妈八十三了 摔了一跤 胯那里疼 站不起来") is EMERGENCY


# -- 21. snoring with pauses or daytime sleepiness is not a cold (NICE CKS OSAHS) ---------------


@pytest.mark.parametrize(
    "text", ["我爸睡觉鼾声很大 半夜憋气好几秒 白天开车都犯困", "孩子睡觉老是张着嘴打呼 扁桃体很大"]
)
def test_snoring_with_apnoea_or_big_tonsils_is_routine(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.ROUTINE
