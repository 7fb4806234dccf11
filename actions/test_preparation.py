"""Getting ready for a blood or urine test: which answer a question about it gets.

Why words and not only the response selector: an elderly patient asks "明天抽血要空腹吗", then
"水能喝吗", then "降压药早上能吃不". The two follow-ups name no test, so on their own they read
as anything (a refill, a symptom); said right after the bot answered a test question, they ask
about that test, and they get the part of the answer they ask for (water, or the morning
tablets), not the whole list again. A refill ("降压药吃完了 想再开点"), a result ("抽血结果
出来没") or a reading told as a worry ("空腹血糖13 正常吗") is never this topic.

What the answers say (bot/domain.yml utter_faq/test_preparation and its two parts), in our
own words from these sources:
- WS/T 661-2020《静脉血液标本采集指南》(national health industry standard): tests that need
  fasting (glucose, lipids, liver function among them) are drawn after at least 8 hours without
  food, about 12 being usual and more than 16 too long; a little plain water is allowed; the
  evening before, a light meal and no alcohol; fasting samples are taken in the morning,
  roughly 7 to 9 o'clock.
- EFLM Working Group on the Preanalytical Phase, "Joint EFLM-COLABIOCLI recommendation for
  venous blood sampling" (Clin Chem Lab Med 2018;56:2015-38) and Simundic et al., fasting
  requirements (Clin Chim Acta 2014;432:33-7): water is fine; no coffee, tea, milk or juice,
  no smoking or hard exercise beforehand.
- 中国2型糖尿病防治指南（2020年版）, hypoglycaemia: insulin or tablets taken without the meal
  that goes with them cause low blood sugar (palpitations, sweating, shaking), so on a fasting
  morning they wait until after the draw and food; the patient carries something sweet.
- Usual blood-pressure tablets are taken as every morning with a sip of water: stopping them
  for a test raises the morning pressure for nothing (中国高血压防治指南 2018 asks for steady
  daily control); the ordering doctor's own instruction comes first.
- WS/T 348-2011《尿液标本的收集及处理指南》: the first urine of the morning, midstream, in
  the clean cup given, brought in within about 2 hours.
The answers end with "ask the doctor who ordered the test": the lab decides nothing for them.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from actions.simplified import simplified

TOPIC = "utter_faq/test_preparation"
WATER = "utter_test_preparation_water"
MEDICINE = "utter_test_preparation_medicine"
ANSWERS = (TOPIC, WATER, MEDICINE)

# A test that may need preparing for.
_TEST = re.compile(r"抽血|抽雪|验血|化验|查血|采血|体检|生化|血糖|血脂|肝功|肾功|尿检|尿常规|小便化验|留尿|空腹|空肚")
# What to do before it: fast, eat, drink, the tablets, when to come, how to collect urine.
_WATER = re.compile(r"喝.{0,3}水|饮水|饮啖水|水.{0,4}喝|喝.{0,2}(?:牛奶|豆浆|咖啡|茶|饮料)|(?:牛奶|咖啡|茶)[能可]")
_MEDICINE = re.compile(r"药|胰岛素|停药")
_OTHER_PREPARATION = re.compile(
    r"要空腹|空腹吗|空不空腹|空腹几|空腹多|唔使空|使唔使空|空肚|空着肚|饿|吃饭|吃.{0,2}早饭|早饭|早餐|吃东西|吃得|吃莫|喝酒"
    r"|准备|注意|几点(?:去|到|来)|几点.{0,2}最好|最晚几点|留尿|接尿|怎么接|怎么留|第一次.{0,2}尿"
)
# Not preparing: a result, a reading told as a worry, a refill, a place.
_NOT_PREPARING = re.compile(
    r"结果|报告|出来|出了|化验单.{0,3}好|正常吗|高不高|偏高|偏低|\d+\.\d|\d{2,3}/\d{2,3}"
    r"|(?:血糖|血脂|血压|空腹|糖)(?:是|有|到|才)?\s*\d+(?!\s*(?:个|小时|钟|点[钟前后到去]|号))"
    r"|[一二三四五六七八九十]+点[一二三四五六七八九]"
    r"|吃完|吃光|没了|快没|剩不多|再开|续方|续药|开药|开点|配药|拿药"
)


def not_preparing(text: str) -> bool:
    """A result, a reading or a refill: words that rule this topic out whatever else is said."""
    return bool(_NOT_PREPARING.search(simplified(text or "")))


def _preparation_words(said: str) -> bool:
    return bool(_WATER.search(said) or _MEDICINE.search(said) or _OTHER_PREPARATION.search(said))


def asks_test_preparation(text: str) -> bool:
    """ "明天抽血要空腹吗", "驗血前可以吃藥嗎": a test named with what to do before it."""
    said = simplified(text or "")
    if _NOT_PREPARING.search(said) or not _TEST.search(said):
        return False
    rest = _TEST.sub(" ", said, count=1)  # "空腹" alone names the test, not yet the question
    return _preparation_words(rest) or bool(re.search(r"空腹|空肚", said) and re.search(r"[吗嘛么不呢?？]", said))


def follow_up(text: str) -> bool:
    """ "水能喝吗", "药能吃吗", "那降糖药呢": a short question that, right after an answer about a
    test, asks about that test (a refill or a result said with it is not one)."""
    said = simplified(text or "")
    return len(said) <= 20 and not _NOT_PREPARING.search(said) and _preparation_words(said)


def part_asked(text: str) -> str:
    """The answer a question asks for: water alone, the tablets alone, or the whole list."""
    said = simplified(text or "")
    water, medicine = bool(_WATER.search(said)), bool(_MEDICINE.search(said))
    if _OTHER_PREPARATION.search(_TEST.sub(" ", said)) or water == medicine:
        return TOPIC
    return WATER if water else MEDICINE


def answered_just_before(events: List[Dict[str, Any]]) -> bool:
    """Whether the bot's last answer before the patient's current message was about a test."""
    users_seen = 0
    for event in reversed(events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen > 1:
                return False
        elif event.get("event") == "bot" and users_seen == 1:
            utter_action = str((event.get("metadata") or {}).get("utter_action") or "")
            if utter_action:
                return utter_action in ANSWERS
    return False


def preparation_response(
    text: str, events: List[Dict[str, Any]], selected: Optional[str], responses: Dict[str, Any]
) -> Optional[str]:
    """The test-preparation answer for this message, among those the model's domain has, or None
    when the message is about something else."""
    said = simplified(text or "")
    if not_preparing(said):
        return None
    if not (selected == TOPIC or asks_test_preparation(said) or (follow_up(said) and answered_just_before(events))):
        return None
    part = part_asked(said)
    if responses and part not in responses:
        part = TOPIC
    return None if responses and part not in responses else part
