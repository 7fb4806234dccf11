"""The chat edge's symptom routing (services/conversation/symptom_routing.py), rule by
rule: which understood messages are handed to triage and which are left to their own
journey. Messages are written here in patients' words; none is copied from an
evaluation set."""

from __future__ import annotations

import pytest

from integrations.rasa.client import Understanding
from services.clinical.triage.edge import worth_assessing
from services.conversation.symptom_routing import describes_complaint, should_reroute


def _fell_back(text: str) -> bool:
    return should_reroute(Understanding("nlu_fallback", 0.3), text, True)


def _understood(intent: str, text: str) -> bool:
    return should_reroute(Understanding(intent, 0.9), text, False)


@pytest.mark.parametrize(
    "text",
    [
        "早上测血糖 十二点多",  # a reading with its number
        "我爸血压老是偏高 吃着药也下不来",  # a reading said to be off
        "心跳特别快 躺着都停不下来",  # the heart felt
        "晚上起夜四五次 尿尿要等半天",  # passing water
        "最近头发掉得厉害 枕头上一层",  # hair falling out
        "孩子背上红了一大片 还脱皮",  # skin changed
        "脖子侧面摸到一个硬块",  # a lump found
        "体检说肺上有结节 要紧吗",  # a nodule asked about
        "左手拿筷子使不上劲",  # a limb that does not work
        "脑梗出院后左腿一直不太灵活",
        "肚子右边有个硬块 按着不疼",
        "我奶奶今天老说胡话",  # confusion
        "娃偷偷吃了好几片安眠药",  # tablets swallowed
        "这两天没胃口 啥也吃不下",  # appetite
    ],
)
def test_a_complaint_the_router_has_no_word_for_reaches_triage_when_the_nlu_falls_back(text: str) -> None:
    assert describes_complaint(text)
    assert _fell_back(text)
    assert _understood("faq", text)
    assert _understood("out_of_scope", text)


@pytest.mark.parametrize(
    "text",
    [
        "太麻烦您了 多谢",  # 麻 of 麻烦 is no numbness
        "不用麻烦了",
        "能不能抽空帮我查一下",  # 抽 of 抽空 is no fit
        "钱包好像丢在门诊了",  # 包 of 钱包 is no lump
        "这个药一天吃几片",  # a dose asked, nothing swallowed
        "手机号填错了",
        "医院几点开门",
    ],
)
def test_everyday_words_and_real_questions_are_not_complaints(text: str) -> None:
    assert not _fell_back(text)
    assert not _understood("thank", text)


@pytest.mark.parametrize(
    "text",
    [
        "想挂个号 腿疼得走不了路",  # the booking's own words do not hide its complaint
        "给我爸预约一下 他血压一直偏高",
        "帮忙约个号 我眼睛看东西模糊",
    ],
)
def test_a_booking_with_a_complaint_and_no_department_goes_to_triage(text: str) -> None:
    assert _understood("book_appointment", text)


@pytest.mark.parametrize(
    "text",
    [
        "约个皮肤科 脸上起了好多红疹",  # the patient asks to book a named department
        "神经内科帮我约一个 头晕一礼拜了",
        "帮我约个号 下周二上午",  # a booking with no complaint
        "想预约拔罐",
    ],
)
def test_a_booking_that_names_its_department_or_no_complaint_stays_a_booking(text: str) -> None:
    assert not _understood("book_appointment", text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("query_result", "我的血糖报告出来了吗 空腹8点多"),  # errands naming a symptom or a reading
        ("request_refill", "降压药吃完了 血压还是150"),
        ("cancel_appointment", "孩子不烧了 明天的号帮我退了"),
        ("reschedule_appointment", "腿还肿着 去不了 改到下周吧"),
        ("inform", "38度6"),  # an answer inside a form
        ("affirm", "对 一直咳"),
    ],
)
def test_errands_and_journey_answers_are_never_hijacked(intent: str, text: str) -> None:
    assert not _understood(intent, text)


@pytest.mark.parametrize(
    "text",
    [
        "想约个号 帮我看看膝盖",  # a part of the body to be looked at is where the complaint is
        "挂一个号吧 查一下我这个肩膀",
        "给孩子预约 看一下耳朵",
        "约个号，瞧瞧俺的后背",
    ],
)
def test_a_booking_that_asks_for_a_body_part_to_be_looked_at_goes_to_triage(text: str) -> None:
    assert _understood("book_appointment", text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("book_appointment", "挂个号 看看明天有没有空"),  # looking at a day, not a body part
        ("book_appointment", "约个号 看看我的报告"),
        ("faq", "看看腰要挂几楼"),  # outside a booking the family is not read
        ("query_result", "帮我查一下胃镜的结果"),
    ],
)
def test_looking_at_something_else_or_outside_a_booking_is_not_a_complaint(intent: str, text: str) -> None:
    assert not _understood(intent, text)


@pytest.mark.parametrize(
    "text",
    [
        "空腹血糖总在十几徘徊",  # a reading said roughly
        "我爸肌酐三百多 脚也肿",  # a blood test's value with its number
        "查出来血小板一直低",
        "胸口时不时咯噔一下 感觉心跳停了一下",  # a beat missed
        "老觉得心脏漏跳 一阵一阵的",
        "透析的人 这几天尿量越来越少",  # less water passed
        "闺女五岁多了晚上还尿床",
        "锁骨上面鼓起来一个 按着软软的",  # something bulging
        "小腿青筋都鼓起来了 走多了酸",
        "儿子写作业注意力老是不集中",  # attention
        "这阵子动不动就想哭",  # mood
        "舌头上烂了好几处 吃饭疼",  # the mouth
        "蹲下再起来 眼前一下发黑",  # dark eyes on standing
        "老人大便干结 一周才一次",  # the bowels
        "娃嘴巴里起了好多小水泡",
    ],
)
def test_more_complaint_wording_reaches_triage_when_the_nlu_falls_back(text: str) -> None:
    assert _fell_back(text)
    assert _understood("faq", text)


@pytest.mark.parametrize(
    "text",
    [
        "我家猫咪两天没吃东西了 咋整",  # a pet is unwell: not the hospital's patient
        "狗狗老是拉稀怎么办",
        "仓鼠眼睛肿了能看吗",
        "吹泡泡机在哪买",  # a bubble is no blister
        "血常规报告能手机上看吗",  # a test's name without its value
        "流感疫苗现在能打吗 在几楼",  # a vaccine asked about, its disease's name no complaint
        "娃的乙肝疫苗第二针什么时候打",
    ],
)
def test_a_pets_complaint_and_everyday_words_are_not_the_patients(text: str) -> None:
    assert not _fell_back(text)
    assert not _understood("out_of_scope", text)


@pytest.mark.parametrize(
    "text",
    [
        "被邻居家的狗咬了一口 出血了",  # a bite is the patient's own wound
        "宝宝咳起来跟小狗叫似的 喘得厉害",  # croup's bark is a simile, not a dog
        "让猫抓了一道 要打针吗",
        "手被狗咬破了 狂犬疫苗要打几针",
        "打了流感疫苗以后一直发烧",
    ],
)
def test_an_animal_bite_or_an_animal_simile_is_still_a_complaint(text: str) -> None:
    assert _fell_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "想挂个号 看看我的脚气",  # a booking's words do not hide its complaint, however short
        "约个号看湿疹",
        "挂个号 血糖老是二十多",
    ],
)
def test_a_short_booking_with_a_complaint_is_worth_the_edges_assessment(text: str) -> None:
    assert worth_assessing(text)


@pytest.mark.parametrize("text", ["约个号 下周三", "挂个号", "两天", "预约皮肤科"])
def test_a_short_booking_with_no_complaint_is_not_assessed(text: str) -> None:
    assert not worth_assessing(text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("faq/hours", "孩子发烧三天了 要不要去医院"),
        ("faq/address", "我妈头晕得厉害 你们医院在哪"),
        ("faq/insurance", "腰疼得直不起来 能用医保看吗"),
    ],
)
def test_a_complaint_read_as_an_faq_answer_reaches_triage(intent: str, text: str) -> None:
    """The live turn names the FAQ's answer ("faq/hours"), not only its family: the
    complaint must be re-routed all the same (it was not while only "faq" was compared)."""
    assert _understood(intent, text)


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("faq/fever_clinic", "发烧了去哪个门诊"),
        ("faq/test_preparation", "查血脂要空着肚子去吗"),
        ("faq/hours", "医院几点开门"),
        ("faq/parking", "开车去有地方停吗"),
    ],
)
def test_an_faq_about_a_complaint_or_a_test_keeps_its_answer(intent: str, text: str) -> None:
    assert not _understood(intent, text)
