"""Self-care round 2 (issue 10): the ordinary course after a birth, a young baby's snuffly nose and
newborn spots, and an adult's long-standing constipation.

After a birth the code used to rule out all home care. Entries written for ``groups: [postpartum]``
(``data/triage/self_care.yml``) now let a mother through for the normal course only - lochia tailing
off, hair shedding two to four months on, engorgement without redness or fever, sore nipples, mild
constipation, and baby blues in the first two weeks with self-harm denied (NICE NG194 postnatal care,
NICE CG192, NHS "Your body after the birth", 中国围产期抑郁筛查与诊治专家共识 2021) - and never when
one of her danger signs is said: heavy bleeding or clots, fever, headache or blood pressure, a
swollen leg, breathlessness, a red breast, thoughts of harming herself or the baby, or strange
beliefs and voices (postpartum psychosis). Long-standing constipation in an adult without alarm
features is self-care (NICE CKS Constipation; 中国慢性便秘诊治指南 2013); a child's is seen (NICE
CG99).

Beyond birth: a child who tasted a little of a low-toxicity household product (crayon, lipstick,
soap, children's toothpaste, silica-gel desiccant: NPIS TOXBASE, NHS 111 "Poisoning"); a hot-oil
splash on the hand (NHS 111 "Burns and scalds"; the eye is seen); a voice hoarse after singing, a
Northeastern "刺挠" (itchy) throat and "咳两声" (NICE NG84, NG120); everyday trifles (sleep talking,
yawning, drowsy after meals, food stuck between teeth); and words that only say how long ("好几天",
"一周了", lexicon.yml ``lasting``) no longer rule home care out by themselves - each entry's
``max_days`` judges the duration, and they still raise a complaint to its ``severe_level``. Early
pregnancy nausea with eating and drinking kept up is self-care (NICE CKS Nausea/vomiting in
pregnancy; RCOG Green-top 69): its entry stands in for the pregnancy vomiting modifier written for
pre-eclampsia after 20 weeks, which still applies later in pregnancy or when she cannot keep food
down. Every text is our own paraphrase, never a vignette's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel

SELF_CARE = TriageLevel.SELF_CARE
ROUTINE = TriageLevel.ROUTINE
URGENT = TriageLevel.URGENT


def _level(engine: TriageEngine, text: str, **given: object) -> TriageLevel:
    return engine.assess(TriageInput(text=text, **given)).level


HOME_CARE = [
    ("生完小孩第八天 恶露颜色淡了 量也少了 不发烧", {}),
    ("剖腹产后一个半月 最近梳头掉好多头发 正常吗", {}),
    ("顺产完三个月 洗头的时候头发一掉一大把", {"sex": "female", "age": 29}),
    ("产后第三天 有点涨奶 两边胀胀的 不红不烫", {}),
    ("生完孩子12天 喂奶的时候乳头有点裂 疼一下", {}),
    ("刚生完一周 有点便秘 两天没大便", {}),
    ("产后第六天 老是莫名想掉眼泪 但能照顾娃 也没有伤害自己的想法", {}),
    ("长期便秘 差不多三天一次 吃点水果好一些 没有便血", {"age": 35}),
    ("宝宝一个半月 鼻子里有鼻痂 呼噜呼噜的 吃奶睡觉都好", {}),
    ("出生八天 鼻子上有好多小白点", {}),
]


@pytest.mark.parametrize(("text", "given"), HOME_CARE)
def test_the_ordinary_course_is_home_care(rules: TriageEngine, text: str, given: dict[str, object]) -> None:
    assert _level(rules, text, **given) is SELF_CARE


KEPT_OUT = [
    # postpartum danger signs (WHO; NICE NG194; RCOG Green-top 52)
    ("生完孩子一周 恶露突然多起来 还有血块", {}),
    ("产后十天 头发掉得多 还发烧38度5", {}),
    ("产后两周 掉头发 这两天头痛 看东西有点花", {}),
    ("剖腹产第九天 左边小腿肿了 有点疼", {}),
    ("产后第四天 涨奶 右边乳房有个硬块 发红", {}),
    ("生完十天 便秘 走两步就喘", {}),
    ("生完两个月 恶露还没干净", {}),
    # baby blues past two weeks, or with thoughts of harm, strange beliefs or no sleep at all
    ("产后两个月了 天天想哭 什么都不想做", {}),
    ("生完孩子第五天 老想哭 还有想把宝宝摔了的念头", {}),
    ("老婆生完一周 这两天说有人要害孩子 一直不睡觉", {}),
    ("媳妇生完十来天 说总听见声音让她把孩子丢掉", {}),
    # long-standing constipation with alarm features, or in a child
    ("便秘好多年了 最近半年大便变细 体重也掉了", {"age": 55}),
    ("孩子长期便秘 四五天才拉一次", {"age": 5}),
    # a young baby's nose with a danger sign
    ("宝宝二十天 鼻子里呼噜响 吃奶比平时少一半", {}),
]


@pytest.mark.parametrize(("text", "given"), KEPT_OUT)
def test_a_danger_sign_keeps_it_out_of_home_care(
    rules: TriageEngine, engine: TriageEngine, text: str, given: dict[str, object]
) -> None:
    assert _level(rules, text, **given) >= ROUTINE
    assert _level(engine, text, **given) >= ROUTINE


def test_hair_loss_without_a_birth_is_not_the_postpartum_entry(rules: TriageEngine) -> None:
    result = rules.assess(TriageInput(text="头发掉得多 一个多月了", age=30))
    assert "self_care_postpartum_hair_loss" not in [r.rule for r in result.reasons]


def test_a_postpartum_fever_stays_same_day(rules: TriageEngine) -> None:
    assert _level(rules, "产后第五天 涨奶 发烧38.6") >= URGENT


def test_an_elder_constipation_is_still_seen(rules: TriageEngine) -> None:
    assert _level(rules, "长期便秘 三四天一次", age=72) is ROUTINE


MORE_HOME_CARE = [
    ("女儿三岁 刚才舔了两下我的唇膏", {}),
    ("儿子把鞋盒里的硅胶干燥剂咬开了 吃了几粒透明珠子", {"age": 4}),
    ("娃拿蜡笔啃了一小口 已经吐掉了", {"age": 2}),
    ("煎鸡蛋的时候热油溅到手腕上 红了一点点", {}),
    ("前天晚上唱歌唱太久 现在嗓子沙哑", {}),
    ("嗓子有点刺挠 咳几声 没发烧", {}),
    ("我家闺女晚上老说梦话", {"age": 8}),
    ("中午吃完饭就犯困", {"age": 30}),
    ("眼皮一直跳 好几天了 不疼", {"age": 30}),
    ("怀孕六周多 早上起来犯恶心 还能正常吃饭喝水", {}),
    ("孕11周 早上有点反胃 吐了一次 吃东西还行", {"sex": "female", "age": 30, "pregnant": True}),
    ("热水洒到手背 红了一块 起了两个小泡 冲完凉水不怎么疼了", {}),
]


@pytest.mark.parametrize(("text", "given"), MORE_HOME_CARE)
def test_more_mild_complaints_are_home_care(rules: TriageEngine, text: str, given: dict[str, object]) -> None:
    assert _level(rules, text, **given) is SELF_CARE


MORE_KEPT_OUT = [
    ("孩子舔了一口石灰干燥剂 嘴巴有点红", {"age": 3}),
    ("孩子啃了一块肥皂 吐了三次", {"age": 3}),
    ("宝宝咬了一口口红 一直在咳", {"age": 1}),
    ("儿子吃了一整管牙膏", {"age": 4}),
    ("炒菜热油溅到眼睛里了", {}),
    ("嗓子哑了一个多月了", {"age": 58}),
    ("吃完饭就犯困 最近口渴得厉害 尿也多 瘦了好几斤", {"age": 45}),
    ("开车的时候老犯困 打哈欠", {"age": 40}),
    ("手背烫了 起了个鸡蛋那么大的水泡", {}),
]


PREGNANCY_SAME_DAY = [
    ("怀孕九周 一天吐了六七次 喝水都吐", {}),
    ("孕30周 有点恶心 能吃东西", {}),
    ("怀孕十周 早上恶心 能吃 今天头痛得厉害", {}),
]


@pytest.mark.parametrize(("text", "given"), PREGNANCY_SAME_DAY)
def test_pregnancy_vomiting_beyond_morning_sickness_stays_same_day(
    rules: TriageEngine, text: str, given: dict[str, object]
) -> None:
    assert _level(rules, text, **given) >= URGENT


@pytest.mark.parametrize(("text", "given"), MORE_KEPT_OUT)
def test_more_danger_signs_keep_it_out(
    rules: TriageEngine, engine: TriageEngine, text: str, given: dict[str, object]
) -> None:
    assert _level(rules, text, **given) >= ROUTINE
    assert _level(engine, text, **given) >= ROUTINE


@pytest.mark.parametrize("text", ["头痛好几天了", "孩子拉肚子好几天了", "发烧一周了"])
def test_a_duration_word_still_raises_its_complaint(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) >= URGENT
