"""Cross-set round (session 26, issue 10): over-triage families that erred on three or more tuning sets.

Each family narrows a rule where a careful emergency physician would say "be seen today" (or "home
care"), with its source beside the rule in data/triage/*.yml. Every family is asked with the rows as
their authors wrote them, in our own words, and with look-alikes that must stay emergencies, of the
rules alone (the chat edge's engine); the self-care family is asked of the combined engine too.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.models import TriageResult

EMERGENCY = TriageLevel.EMERGENCY
URGENT = TriageLevel.URGENT
ROUTINE = TriageLevel.ROUTINE
SELF_CARE = TriageLevel.SELF_CARE


def _assess(engine: TriageEngine, text: str, **given: object) -> TriageResult:
    return engine.assess(TriageInput(text=text, **given))


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return _assess(engine, text, **given).level


def _rules_fired(engine: TriageEngine, text: str, **given: object) -> list[str]:
    return [reason.rule for reason in _assess(engine, text, **given).reasons]


# -- 1. Bell's palsy: forehead or eye closure involved, limbs and speech said normal (NICE CKS Bell's palsy) --


@pytest.mark.parametrize(
    "text",
    [
        "今天早上发现右边脸动不了，额头也皱不起来，耳朵后面痛，说话和手脚都正常",  # D244
        "早上起床發現半邊臉不能動 眼睛閉不起來 喝水會漏出來 手腳都正常",  # H320
        "脸一边动不了了，喝水从嘴角漏，闭眼闭不紧，额头皱不起来，其它都好",  # I063
        "脸一边动不了 眼睛闭不上 喝水从嘴角漏出来 额头也皱不起来 手脚都好的",  # J285
        "一觉醒来左半边脸僵住了 抬头纹没了 刷牙漏水 胳膊腿都挺好",
        "嘴角往右边歪 左眼合不拢 说话也正常 手脚有劲",
        "右边脸耷拉下来 额头皱不了 四肢都正常",
    ],
)
def test_bells_palsy_picture_is_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is URGENT
    assert "bells_palsy_picture" in _rules_fired(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "右边脸动不了 嘴歪 说话不清",
        "半边脸动不了 额头皱不起来 手脚都正常 头晕",  # dizziness: a stroke is not excluded
        "半边脸动不了 嘴歪了",  # forehead not said: a central palsy spares it (FAST)
        "嘴歪了 额头皱不起来 右手也没劲",
        "脸一边动不了 眼睛闭不上 手脚都好的 看东西重影",
        "爷爷突然嘴歪 额头皱不起来 手脚都正常 说话含糊",
        "半边脸不能动 额头皱不起来",  # limbs and speech not said normal
    ],
)
def test_face_droop_with_any_other_sign_stays_a_stroke(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 2. a stroke feared or said in a figure of speech is not a stroke said (BE-FAST needs a sign) --


@pytest.mark.parametrize(
    "text",
    [
        "熬夜之后眼皮一直跳，左眼跳财右眼跳灾，是不是要中风了",  # D238
        "左眼皮一直跳 跳三天了 阿嬤說是不是要中風 好擔心",  # H243
        "我要被这个老板气出脑溢血了 天天开会开到头疼",  # I014
        "早上起来右手麻 是压着睡的 甩一甩十分钟就好了 现在完全正常 说话走路都好 我还以为中风了 35岁",  # B386
        "血压有点高 会不会要中风啊",
        "天天加班 迟早气出个脑梗",
    ],
)
def test_a_feared_stroke_is_not_the_flag(rules: TriageEngine, text: str) -> None:
    assert "stroke_signs" not in _assess(rules, text).red_flags
    assert _level(rules, text) is not EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "我妈是不是中风了 嘴歪了",
        "我爸好像中风了",
        "怕是中风了 快点",
        "刚才突然说不出话 是不是脑梗",
        "以为是累的 结果是中风",
    ],
)
def test_a_stroke_said_or_asked_about_now_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 3. a swallowed coin without symptoms: X-ray today (NASPGHAN 2015) --


@pytest.mark.parametrize(
    "text",
    [
        "四岁孩子吞了一个一元硬币 没咳嗽 呼吸正常 能喝水 不流口水",  # B137
        "孩子吞了一个一毛钱硬币，不咳不吐，能吃东西",  # C355
        "娃吞了个硬币，没啥反应",  # D328
        "孩子吞了一個一元硬幣 不咳 不吐 能吃東西 能喝水",  # J163
        "儿子玩的时候把五毛硬币咽下去了 现在跟没事人一样",
        "宝宝刚才吃进去一枚硬币，吃喝都正常",
        "宝宝十个月 吞了一枚一毛钱硬币 吃喝正常 没吐",  # K410 (spaces fall away in normalising)
        "宝宝刚才吃进去一枚硬币 吃喝都正常",
    ],
)
def test_a_swallowed_coin_without_symptoms_is_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is URGENT
    assert "coin_swallowed" in _rules_fired(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "孩子吞了硬币喘不上气",  # E388
        "個仔吞咗粒硬幣，而家一直流口水，吞唔落嘢",  # G062
        "孩子吞了个硬币 一直吐 喝水都吐",
        "女儿吞了硬币 说胸口疼",
        "孩子吞了硬币 咳个不停",
        "孩子吞了一颗纽扣电池 现在没事",  # button battery: still an emergency
        "孩子吞了两颗磁珠",
        "孩子吞了硬币",  # how the child is not said yet
        "孩子吞了硬币 吃喝正常 但是一直流口水",
    ],
)
def test_a_swallowed_coin_with_symptoms_or_a_battery_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 4. projectile vomiting in a well young baby: same-day review for pyloric stenosis (NICE NG1) --


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("喷射状吐奶，每次吃完都吐", 0.07),  # E110
        ("宝宝22天 每次吃完奶都喷射一样吐出来 吐完又饿着要吃 这两天更厉害", None),  # F313
        ("宝宝生下来两周，吐奶吐得像喷泉一样喷出来，每次吃完都吐，饿得直哭", None),  # G254
        ("宝宝20天，每次吃完奶都喷射状地吐，吐得很远，吐完还饿，体重不长", None),  # I146
        ("宝宝20天 每次喝完奶就喷射状地吐 吐完还饿 这几天体重往下掉", None),  # L271
        ("女儿出生三周 这两天喂完奶就喷射样地吐 吐完马上又要吃", None),
        ("宝宝一个月 喝完奶跟喷泉似的吐出来 还是很想吃", None),
    ],
)
def test_projectile_vomiting_in_a_well_baby_is_urgent(rules: TriageEngine, text: str, age: float | None) -> None:
    given = {"age": age} if age is not None else {}
    assert _level(rules, text, **given) is URGENT
    assert "projectile_vomiting_young_infant" in _rules_fired(rules, text, **given)


@pytest.mark.parametrize(
    "text",
    [
        "出生第24天的儿子 这两天喂完就喷射一样吐出来 吐完还饿得哭 今天尿布只湿了两片",  # K435
        "宝宝20天 喷射状地吐 吐的是绿色的",
        "宝宝三周 喷射状吐奶 精神不好 老是睡",
        "宝宝20天 喷射样吐 今天摸着有点烫 37.8",
        "宝宝18天 喷射状吐奶 不肯吃了",
        "宝宝两周 喷射状吐 吐出来带血丝",
        "宝宝20天 喷射状吐奶 嘴唇干 哭没有眼泪",
    ],
)
def test_projectile_vomiting_with_any_danger_sign_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is EMERGENCY


# -- 5. an older person who fell, hip or buttock sore, still walking: X-ray today (NICE CG124) --


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("八十五岁的奶奶在家摔了，自己爬起来了，说屁股有点疼，能走路，没吃抗凝药", None),  # C421
        ("老妈83 前天摔了一跤 屁股疼 还能扶着走几步 就是疼得越来越厉害", None),  # J129
        ("摔了一跤 屁股痛 还能走", 78),  # K124
        ("摔了一跤 屁股有点痛 还能走", 86),  # L088
        ("我奶奶78了 在厕所摔了一跤 胯有点疼 走路还行", None),
        ("外公摔了个屁股墩 尾巴骨疼 自己站起来了 能走", None),
    ],
)
def test_an_elder_still_walking_after_a_fall_is_urgent(rules: TriageEngine, text: str, age: int | None) -> None:
    given = {"age": age} if age is not None else {}
    assert _level(rules, text, **given) is URGENT
    assert "elder_fall_hip_pain_walking" in _rules_fired(rules, text, **given)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("摔了一跤 屁股痛 站不起来", 80),
        ("我妈82 摔了一跤 胯疼 不能走", None),
        ("我妈82 摔了一跤 胯疼 能走 但是撞到头了", None),
        ("爷爷摔了 大腿根疼 还能走 吃华法林的", None),
        ("奶奶80了 摔了 在地上躺了一晚上 现在能走 屁股疼", None),
        ("奶奶摔了 屁股疼 能走 但是右腿看着短了一截", 85),
        ("摔了一跤 屁股有点疼", 86),  # walking not said
    ],
)
def test_an_elder_fall_with_any_serious_sign_stays_an_emergency(
    rules: TriageEngine, text: str, age: int | None
) -> None:
    given = {"age": age} if age is not None else {}
    assert _level(rules, text, **given) is EMERGENCY


# -- 6. a known, recurring panic attack with tingling: seen today (NICE CKS Panic disorder) --


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("最近压力大，这两天反复心慌手抖透不过气，觉得自己要疯了，没想过伤害自己", None),  # E196
        ("突然喘不过气手脚发麻 心跳好快 觉得自己要死了 以前也有过这样 查过心脏没问题", None),  # G428
        ("又来了 透不过气 手指头发麻 心慌 很害怕 以前也发作过几次", 25),
        ("一紧张就喘不上气 嘴周围发麻 老毛病了", 30),
    ],
)
def test_a_known_panic_attack_is_urgent(rules: TriageEngine, text: str, age: int | None) -> None:
    given = {"age": age} if age is not None else {}
    assert _level(rules, text, **given) is URGENT
    assert "panic_like_breathlessness" in _rules_fired(rules, text, **given)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("我也不知道怎么了，突然就喘，嘴唇发麻，指头抽，血氧九十一，以前没这样过", None),  # C062
        ("救命 我喘不过气了 手脚发麻 胸口闷 刚跟男朋友吵完架", None),  # F143's chest tightness
        ("突然喘不过气手脚发麻 心跳好快 觉得自己要死了 以前也有过这样 查过心脏没问题", 55),
        ("又喘不过气了 手脚麻 害怕 以前也有过 这次嘴唇发紫", None),
        ("透不过气 手麻 害怕 第一次这样", 25),
        ("怀孕30周 透不过气 手脚麻 很害怕 以前也有过", None),
        ("压力大 喘不上气 手麻 以前也有过 腿肿了", None),
    ],
)
def test_breathlessness_that_may_not_be_panic_stays_an_emergency(
    rules: TriageEngine, text: str, age: int | None
) -> None:
    given = {"age": age} if age is not None else {}
    assert _level(rules, text, **given) is EMERGENCY


# -- 7. an otherwise well adult's short fever below 38.5 with a cold: home care (NICE CKS Common cold) --


@pytest.mark.parametrize(
    "text",
    [
        "俺这两天有点发热 37.4 身上没劲 吃得下饭 没咳嗽",  # L239
        "发烧38.2 第一天 全身酸 喉咙痛 没有喘 吃了布洛芬退了",  # L362
        "咳嗽两天 有点发烧38度",  # L393
        "喉咙痛 有点低烧 37.8",  # K239
        "昨天开始发烧38.3 流鼻涕 嗓子疼 没别的不舒服",
        "着凉了 低烧37.9 鼻子不通 浑身酸痛",
        "今天有点发热 37.6 打喷嚏 嗓子干",
    ],
)
def test_an_adult_short_mild_fever_with_a_cold_is_home_care(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    assert _level(rules, text) is SELF_CARE
    assert _level(engine, text) is SELF_CARE


@pytest.mark.parametrize(
    ("text", "floor"),
    [
        ("发烧39.2 咳嗽 嗓子疼", URGENT),  # high fever
        ("发烧38度 咳嗽 五天了", URGENT),  # longer than three days
        ("发烧38.6 咳嗽 流鼻涕 一天", ROUTINE),  # 38.5 and above: not home care (J214)
        ("发烧38度 咳嗽 喘不上气", EMERGENCY),
        ("发烧38.3 咳黄痰 胸口疼", URGENT),
        ("发烧38.6第三天了 咳黄痰 右边吸气有点疼 血氧96 能吃饭", ROUTINE),  # C035, pneumonia
        ("喉嚨痛兩天 有點發燒37.8 吞東西會痛 沒有喘", ROUTINE),  # F175
        ("吃氯氮平的 今天发烧 喉咙痛", ROUTINE),  # H425, agranulocytosis risk
        ("孩子发烧38度 咳嗽", ROUTINE),  # a child of unknown age
        ("怀孕20周 发烧38度 咳嗽", ROUTINE),
        ("我爸80岁 发烧38度 咳嗽", ROUTINE),
        ("发烧38度 浑身酸 打寒战", ROUTINE),
        ("发烧38度 嗓子疼 尿痛", URGENT),
        ("发烧38度 咳嗽 从泰国旅游回来", ROUTINE),
        ("发烧37.8 咳嗽 退了又烧", ROUTINE),
        ("肾移植后 低烧37.8 咳嗽", ROUTINE),
    ],
)
def test_fever_look_alikes_are_not_home_care(rules: TriageEngine, text: str, floor: TriageLevel) -> None:
    assert _level(rules, text) >= floor


@pytest.mark.parametrize("text", ["不发烧 就是浑身没劲 两天了", "没有发烧 浑身乏力三天"])
def test_tiredness_without_fever_is_not_this_family(rules: TriageEngine, text: str) -> None:
    assert "self_care_adult_short_fever_with_cold" not in _rules_fired(rules, text)


# -- 8. Weight loss denied is not weight loss (conversation set 8's J09; NICE NG12 needs it said) --


@pytest.mark.parametrize(
    "text",
    [
        "胃最近三个多月老是烧心反酸 没有黑便 体重也没掉 咽东西不费劲",  # J09's symptoms and denials
        "老是胃胀反酸，体重倒是没怎么减，吃饭也正常",
        "咳嗽两个月了痰里偶尔有血丝，体重没有下降，晚上也不出汗",
    ],
)
def test_weight_loss_denied_raises_nothing(rules: TriageEngine, text: str) -> None:
    fired = _rules_fired(rules, text)
    assert "weight_loss_upper_gi" not in fired and "blood_in_sputum_weight_loss" not in fired


@pytest.mark.parametrize(
    "text",
    [
        "这两个月胃口不好吃一点就饱，体重掉了十来斤",
        "最近老是胃不舒服，体重下降得厉害",
        "咳嗽痰里带血，人瘦了好多，体重减了八斤",
    ],
)
def test_weight_loss_said_still_raises_to_urgent(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) in (URGENT, EMERGENCY)
