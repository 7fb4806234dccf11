"""Every symptom reaches triage (issue 10, item 5), whatever the intent classifier said.

A patient who writes "孩子发烧39度，要不要去医院" describes a symptom even though it reads
as a question; the NLU may call it an FAQ, out of scope, a greeting or nothing it
knows, and the bot would then answer the FAQ or its fallback. The bot's reply comes
with how the message was understood (the turn's own parse, also kept for the
conversation review); when the intent is one of those and the triage engine's own
router says the text describes a complaint, the message is handed to the triage
journey instead: Rasa gets `/report_symptom{"symptom": <the text>}` (an intent it
takes as given, the text as the symptom entity, so the form asks only what is
missing) and the patient sees that answer, not the FAQ or the fallback.

Journey intents (results, a person, yes/no answers inside a form) are never re-routed,
and a booking that names its department books: "我头疼想挂神经内科" (the edge has already
run the whole assessment on it, services/clinical/triage/edge.py, and answers an
emergency before the bot). A booking that names a complaint but no department ("孩子咳嗽，
想挂个号", "我想约个号看看头疼") goes to triage instead: the booking form would only ask
"which department?", which is the question the patient cannot answer and triage can;
triage ends by offering that department's booking. On the blind NLU set 2 (tuning
material), 17 of the 21 symptom messages that did not reach triage were bookings, 2 of
them without a department.

The triage router's complaint test (services/clinical/triage/routing.py) reads a
booking's own words ("挂个号", "预约") as an errand and then wants a complaint word as
well, so "俺想挂个号 腰腿疼"'s complaint was missed: here the booking words are taken out
first and the rest is read as a complaint or not. Messages the NLU fell back on or sent
to the FAQ, out of scope or small talk are also read with :func:`describes_complaint`,
families of complaint wording the router has no word for (a reading with its number,
a fast heart, trouble passing water, hair falling out, skin changes, a weak limb,
confusion, tablets swallowed, a lump or nodule asked about). Errands (results, a refill,
a cancellation), journey answers and a booking that names its department are never
re-routed here, whatever they mention. Everyday words holding a complaint's character
("麻烦你了" holds 麻, "抽空" 抽, "抽血" is a test) are not complaints."""

from __future__ import annotations

import json
import re

from prometheus_client import Counter

from integrations.rasa.client import Understanding
from services.clinical.triage.routing import looks_like_symptom, resolve_department

BOOKING = "book_appointment"
REROUTED_FROM = frozenset({"nlu_fallback", "faq", "out_of_scope", "greet", "goodbye", "thank"})
MAX_SYMPTOM_CHARS = 500

SYMPTOMS_REROUTED = Counter(
    "hospital_symptoms_rerouted_total", "Symptom messages the NLU sent elsewhere, handed to triage", ["intent"]
)


# Everyday words that hold a complaint word's character: "麻烦你了" (麻), "抽空" (抽),
# "吐槽" (吐), "抽血" (a test, not a fit).
_EVERYDAY = re.compile(r"麻烦|麻煩|抽空|抽时间|抽時間|抽个空|抽個空|抽血|吐槽|痛快|疼爱|疼愛")
# A booking's own words, taken out before its complaint is read ("俺想挂个号 腰腿疼").
_BOOKING_WORDS = re.compile(
    r"(?:预约|預約|挂号|掛號|挂个号|掛個號|约个号|約個號|挂一个号|约一个号|挂个|掛個|约个|約個|约一下|約一下|"
    r"挂一下|掛一下|帮忙安排|帮我安排|你帮我安排|安排一下|看哪个科都行|哪个科都行)"
)
_NUMBER = r"(?:\d|[一二三四五六七八九十百两]{2,}|[一二三四五六七八九十]点)"
_GAP = r"[^，。,.!！?？；;]{0,6}?"
# Families of complaint wording, each a sign the patient has something to be assessed.
# Sources: the presenting complaints of the Manchester Triage System and of China's
# 急诊预检分诊专家共识 (2018) - palpitations, urinary retention, new lumps, limb weakness,
# acute confusion, ingestion of drugs or household products, abnormal vital signs.
_COMPLAINT_FAMILIES = {
    # a reading with its number or said to be off: "血糖老是偏高", "一分钟一百四", "血压150多"
    "reading": (
        rf"(?:血压|高压|低压|血糖|心率|心跳|脉搏|体温|血氧|氧饱和度?)(?:测|量)?(?:了|出来|下来)?{_GAP}"
        rf"(?:{_NUMBER}|偏高|偏低|太高|太低|很高|很低|好高|好低|老高|有点高|有点低|高得|低得|超标)"
        rf"|一分钟{_GAP}{_NUMBER}"
    ),
    # the heart felt: "心跳好快", "心口烧得慌", "心口好翳"
    "heart": (
        r"心跳得?(?:好|很|特别|太|有点|老是|一直)?(?:快|慢|乱|不齐|漏)"
        r"|心口(?:好|很|有点)?(?:烧|疼|痛|闷|堵|翳|发慌)"
    ),
    # passing water: "小便不太出得来", "尿不出", "晚上起夜好几次"
    "urine": (
        r"(?:小便|小解|尿尿|撒尿|尿)(?:不太|不大|老是|总是|很|好|有点)?"
        r"(?:出不来|出得来|不出来|不畅|不通|滴|分叉|等半天|频|急|黄|浑|有泡沫)|尿不出|尿不尽|起夜"
    ),
    # hair falling out: "头发一把一把地掉", "掉头发"
    "hair": r"头发.{0,6}掉|掉头发|脱发|頭髮.{0,6}掉",
    # skin changed somewhere: "皮肤干 一块块红", "脸上红红的一片 还起皮"
    "skin": (
        r"(?:皮肤|脸上|臉上|身上|手上|腿上|背上|脖子|屁股|脚上|头皮)[^，。,.!！?？]{0,6}?"
        r"(?:红(?!包)|干|起皮|脱皮|痒|疙瘩|疹|斑|疣|疖|痘|水泡|溃烂|破了|裂|发黄|发紫)"
    ),
    # a lump or nodule found or asked about: "长了个硬硬的疣子", "结节4类 要不要手术"
    "lump": (
        r"(?:(?:长|鼓|冒|摸到|发现)了?(?:一个|个|一些|些)?|有一?个)[^，。,.!！?？]{0,4}?(?:(?<![钱书背面红邮])包(?!子|裹)|疙瘩|疣|疖|肿块|硬块|瘤|结节)"
        r"|(?:结节|肿块|囊肿|息肉)[^，。,.!！?？]{0,10}?(?:要不要|要紧|严重|类|手术|恶性|良性|怎么办)"
    ),
    # a limb that does not work: "右手还是不太灵活", "腿没劲"
    "limb": (
        r"(?:手|脚|腿|胳膊|胳臂|半边身子|半边|嘴角)[^，。,.!！?？机]{0,4}?"
        r"(?:不(?:太|大|怎么)?灵活|不(?:太|大)?听使唤|没劲|没力|无力|使不上劲|发麻|抬不起|动不了|发抖|歪)"
    ),
    # confusion or memory: "说胡话 不认人", "老是忘事"
    "mind": r"说胡话|不认人|认不出人|糊里糊涂|神志不清|忘事|记不住事|控制不住",
    # swallowed: "小孩吃了几颗降压药", "误喝了消毒水"
    "ingestion": (
        r"(?:吃|喝|吞|服)了[^，。,.!！?？]{0,6}?(?:几|好几|一把|一整|十几|一大把|半)(?:颗|片|粒|瓶|板|盒)"
        r"|(?:误|偷偷|不小心)(?:吃|喝|吞|服)"
        r"|(?:吃|喝|吞)了[^，。,.!！?？]{0,6}?(?:农药|老鼠药|消毒|洗衣|洗洁精|漂白|电池|安眠药)"
    ),
    # the stomach and appetite: "不想吃饭", "肚子咕噜咕噜的", "肚屙", "心口烧"
    "belly": r"不想吃饭|吃不下|没胃口|肚子咕噜|反酸|烧心|肚屙|屙肚|屙咗",
    # felt as a whole: "头好烫", "整天不得劲儿", 🤒
    "whole": r"头好烫|额头烫|身上烫|不得劲|冇力|没力气|浑身没劲|🤒|🤮|🤢",
}
_COMPLAINT = re.compile("|".join(f"(?:{p})" for p in _COMPLAINT_FAMILIES.values()))
# A booking that asks for a part of the body to be looked at ("挂个号 看看腰", "约一下 帮我瞧瞧
# 膝盖"): the part is where the complaint is, and the booking cannot say which department;
# back, limb, eye, ear, throat, skin and abdominal problems are presentations of their own
# in the Manchester Triage System. Read only in a booking, with the booking's words out.
_BODY_LOOKED_AT = re.compile(
    r"(?:看看|看下|看一下|瞧瞧|瞧一下|查查|查一下|检查一下)(?:我|俺|他|她|孩子)?(?:的|这个|那个)?"
    r"(?:腰|腰椎|腿|膝盖|颈椎|脖子|肩膀|胳膊|手腕|脚踝|关节|后背|背|眼睛|耳朵|鼻子|嗓子|喉咙|牙|牙齿|"
    r"胃|肚子|皮肤|乳房|心脏|肺)(?=$|[\s，。,.!！?？~、]|吧|呢|啊|呀|嘛)"
)


def describes_complaint(text: str) -> bool:
    """A complaint the triage router has no word for (the families above), in ``text``
    with its everyday words taken out."""
    return _COMPLAINT.search(_EVERYDAY.sub("，", text or "")) is not None


def tells_complaint(text: str) -> bool:
    """The triage router's complaint test, or one of this module's families, on the text
    with its everyday words ("麻烦你了") taken out."""
    plain = _EVERYDAY.sub("，", text or "")
    return looks_like_symptom(plain) or describes_complaint(plain)


def booking_tells_complaint(text: str) -> bool:
    """A booking's complaint, read without the booking's own words ("俺想挂个号 腰腿疼")."""
    plain = _BOOKING_WORDS.sub("，", text or "")
    return tells_complaint(text) or tells_complaint(plain) or _BODY_LOOKED_AT.search(plain) is not None


def should_reroute(understanding: Understanding | None, text: str, bot_fell_back: bool) -> bool:
    """`bot_fell_back`: the bot answered with its fallback (the understanding then names
    the intent the model leaned towards, which may even be `report_symptom`)."""
    intent = understanding.intent if understanding is not None else None
    if intent == BOOKING and not bot_fell_back:
        return resolve_department(text) is None and booking_tells_complaint(text)
    if not bot_fell_back and intent not in REROUTED_FROM:
        return False
    return tells_complaint(text)


def triage_trigger(text: str) -> str:
    """The message Rasa takes as the intent `report_symptom` with the text as its symptom."""
    entities = json.dumps({"symptom": text.strip()[:MAX_SYMPTOM_CHARS]}, ensure_ascii=False)
    return f"/report_symptom{entities}"
