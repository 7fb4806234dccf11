"""A hand-off the patient chooses and can leave.

Why apart from handoff.py: that module opens and pauses; this one decides what
the patient hears around it. After two misunderstood messages the bot *offers*
a person (buttons) instead of transferring on its own; while a ticket is open
the patient can leave the queue ("不要人工了", "返回") or simply ask for a journey
("我要挂号"), which closes the ticket and goes to the bot; and every "wait"
answer says when someone will answer, from the staff rota in data/hospital.yml
(outside hours: what to do instead).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, update

from db import rows_changed
from integrations.rasa.client import BotMessage, Button
from models import HandoffTicket, utcnow
from services import audit
from services.booking.calendar import is_clinic_day
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.conversation.simplified import simplified
from services.hospital_facts import HospitalFacts, load_facts, opening_text
from shared_rules import SHANGHAI

OPEN_STATUSES = ("open", "claimed")

OFFER_TEXT = "抱歉，我还是没听明白。您可以换个说法，或者选一个："
OFFER_BUTTONS = (
    Button("1 找人工客服", "/request_human"),
    Button("2 回到主菜单", "/greet"),
)
LEFT_TEXT = "好的，已经退出人工客服，智能助手继续为您服务。您想办哪件事？"
LEFT_BUTTONS = (
    Button("1 预约挂号", "/book_appointment"),
    Button("2 看病不知道挂哪科（自诊）", "/report_symptom"),
    Button("3 查检查化验结果", "/query_result"),
    Button("4 我的预约（查询/取消/改约）", "/query_appointment"),
)
ON_DUTY_TEXT = "人工客服在班（{hours}），一般几分钟内回复您，请稍候。"
WAITING_PREFIX = "已转人工，请稍候。"
BACK_TO_BOT = "回复“不要人工了”可以回到智能助手。"
QUEUED_TEXT = (
    "您已经在人工客服的队列里了，不用重复发送，位置也不会丢。"
    "可以先把要办的事写在这里（比如扣费的时间和金额），客服一来就能看到。"
)
CALLBACK_TEXT = "收到。客服会在这个对话里回复您，暂时不能按留的号码回电。"
COMPLAINT_TEXT = "非常抱歉让您有这样的经历。投诉和意见由人工客服受理并回复您，要现在转给人工客服吗？"
CANNOT_OPERATE_TEXT = "没关系，慢慢来。可以让人工客服帮您办，也可以直接打医院电话{phone}。要转给人工客服吗？"
CALL_TEXT = "可以打电话：医院电话{phone}。您在这里的排队也保留着。"

# Matched on OpenCC-simplified text, so "結束人工" and "唔駛人工" read as "结束人工", "唔驶人工";
# Cantonese says no with 唔 (唔使/唔洗/唔驶/唔要/唔需要) and "I'll do it myself" with 自己嚟.
# "我还是晚点打电话吧，先退出", "不排了", "再见": a patient who says they are done leaves too
# (set 3's E56 said so and stayed in the queue, its ticket open for good).
_LEAVE = re.compile(
    r"(不要|不用|不找|不需要|结束|取消|退出|关掉|别|唔(使|驶|洗|要|需要|用|找|揾|搵))(了|喇|啦)?(转|找|搵|揾)?人工"
    r"|不等了|返回|回到(主菜单|智能助手|机器人)|^算了|我?自己(嚟|来|搞|处理|弄)(啦|喇|吧|了)?$"
    r"|退出|不排了|不排队了|不等(啦|喇|咯)|(晚点|晚些|回头|等会|一会|改天)儿?再?(打|拨|来)?(电话|过去|问)(?!给我|给俺)"
    r"|我?(自己)?打电话(问|吧)|^(不用了|没事了|先这样吧?|我先走了|不聊了)|(^|[，,。 ])(再见|拜拜|88)[。!！]?$"
)
_JOURNEY = re.compile(
    r"(我要|我想|帮我|给我|想要|要|再)(挂|约|预约|查|看|开|续|取消|改|退)"
    r"|^(挂号|预约|查报告|查结果|续方|开药|自诊|取消预约|改约)"
)


# While waiting: a callback asked for, a phone call asked about, a person asked for again.
_CALLBACK = re.compile(
    r"回电|回个电话|(给|打给)(我|俺)(打|回|来)?个?电话|电话给(我|俺)|打(过来|回来)|联系我|我(的)?(电话|手机)(号)?是"
)
_ASKS_TO_CALL = re.compile(r"电话|致电|打过去")
# A complaint about the hospital or its staff, not a symptom ("态度" and "差" about people or service).
_COMPLAINT = re.compile(
    r"投诉|(态度|服务)(太|很|真|好|特别|非常)?(差|恶劣|不好)|破医院|什么破|垃圾(医院|服务)|爱答不理|爱理不理|"
    r"不耐烦|(把我|就把我)?打发(我|了我|走|了)|骗钱|黑心|太不负责"
)
# The chat itself is the trouble: the screen, the typing, how to work it.
_CANNOT_OPERATE = re.compile(
    r"字(太|好|有点)?小|看不清(字|屏幕|手机|上面)|(这个?|这东西|手机)?怎么(弄|用|操作|点)(啊|呀)?[？?。 ]*(我)?不会|"
    r"我?不会(弄|用|操作|打字|点|玩)|弄不来|搞不懂(这个|手机)|不会用手机"
)
# Outside a queue, the patient asks to be rung ("你们能不能打个电话给我 我慢慢说", "让人给我回个电话",
# set 8's J18, an elder who could not type): the hospital does not call out, but a person can
# answer in this chat, so it is a hand-off (not the hospital's number, which faq/phone gave).
_CALL_ME = re.compile(
    r"回电话?给?(我|俺)|给(我|俺)回个?电话|(给|打给)(我|俺)(打|回|来)?个?电话|打个?电话(过来)?给(我|俺)"
    r"|(打|回)个?电话过来|(来|找|叫|派)个?人(给|跟|和|同)(我|俺)(打|说|讲|聊)"
)
CALL_ME_TEXT = "收到。医院这边不能往外打电话，我给您转人工客服，客服会在这个对话里一句一句帮您办。"
HANDOFF_TRIGGER = "/request_human"
_ASKS_PERSON = re.compile(r"人工|真人|客服|工作人员|管事|负责人|领导|活人|跟人说|找人")
_PERSON_AGAIN = re.compile(f"{_ASKS_PERSON.pattern}|投诉")


def _simplified(text: str) -> str:
    """The words as the patterns are written: simplified, whatever script was typed."""
    return simplified(text.strip())


def wants_to_leave(text: str) -> bool:
    """ "不要人工了", "结束人工", "返回", "算了", "結束人工", "唔使人工喇", "我自己嚟":
    the patient leaves the queue."""
    return bool(_LEAVE.search(_simplified(text)))


# Only the words that say "no person" (not "返回"/"算了", which mean other things outside a queue).
_NO_HUMAN = re.compile(
    r"(不要|不用|不找|不需要|结束|取消|退出|关掉|别|唔(使|驶|洗|要|需要|用|找|揾|搵))(了|喇|啦)?(转|找|搵|揾)?人工"
    r"|^我?自己(嚟|来|搞|处理|弄)(啦|喇|吧|了)?$"
)


def declines_human(text: str) -> bool:
    """ "结束人工", "唔使人工喇" with no queue to leave: the NLU read the 人工 in it as a
    request for a person and opened a hand-off the patient had just said no to."""
    said = _simplified(text)
    return bool(_NO_HUMAN.search(said)) and not asks_for_journey(said)


def asks_for_journey(text: str) -> bool:
    """ "我要挂号", "帮我查报告", "我要掛號": a request the bot serves, so the queue is left for it."""
    return bool(_JOURNEY.search(_simplified(text)))


def when_answered(ctx: ServiceContext, now: datetime | None = None, facts: HospitalFacts | None = None) -> str:
    """When a person will answer, by the rota; outside it, what to do meanwhile."""
    facts = facts or load_facts()
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    rota = facts.rota
    if rota.on_duty(now, is_clinic_day):
        return ON_DUTY_TEXT.format(hours=facts.template_values()["rota_hours"])
    opening = rota.next_opening(now, is_clinic_day)
    return rota.outside_hours.format(
        next_opening=opening_text(opening, now),
        emergency_location=facts.emergency_location,
        phone=facts.phone,
    )


def waiting_reply(ctx: ServiceContext, now: datetime | None = None) -> BotMessage:
    return BotMessage(f"{WAITING_PREFIX}{when_answered(ctx, now)}{BACK_TO_BOT}")


def paused_reply(ctx: ServiceContext, text: str, now: datetime | None = None) -> BotMessage:
    """What a waiting patient hears, by what they said: a callback asked for ("让人给我回电话")
    is told how the answer comes; "打电话行不行" gets the number; a person asked for again
    ("人工 人工客服", "我要真人处理") hears that the place in the queue is kept. The same
    "已转人工，请稍候" three times over read as a bot that had not heard (set 4, F54-F56)."""
    said = _simplified(text)
    if _CALLBACK.search(said):
        told = CALLBACK_TEXT
    elif _ASKS_TO_CALL.search(said):
        told = CALL_TEXT.format(phone=load_facts().phone)
    elif _PERSON_AGAIN.search(said):
        told = QUEUED_TEXT
    else:
        return waiting_reply(ctx, now)
    return BotMessage(f"{WAITING_PREFIX}{told}{when_answered(ctx, now)}{BACK_TO_BOT}")


def asks_to_be_called(text: str) -> bool:
    """ "你们能不能打个电话给我", "能给我回个电话吗", "打个电话过来吧": the patient wants a person
    to talk to; "我能打电话问吗" (calling us) and a journey ("预约好了给我打电话") are not this."""
    said = _simplified(text)
    return bool(_CALL_ME.search(said)) and not asks_for_journey(said)


def offer_reply() -> BotMessage:
    return BotMessage(OFFER_TEXT, OFFER_BUTTONS)


def person_offer(text: str) -> BotMessage | None:
    """A person offered before the bot guesses: an angry complaint, or a patient who
    cannot work the chat ("字太小看不清", "这个怎么弄 我不会"); None for anything else."""
    return complaint_offer(text) or cannot_operate_offer(text)


def cannot_operate_offer(text: str) -> BotMessage | None:
    """An elder who cannot read or work the chat is offered a person and the phone: the
    bot had read "字太小 看不清" as an eye complaint and asked how long (set 4, F55)."""
    said = _simplified(text)
    if not _CANNOT_OPERATE.search(said) or asks_for_journey(said) or _ASKS_PERSON.search(said):
        return None
    return BotMessage(CANNOT_OPERATE_TEXT.format(phone=load_facts().phone), OFFER_BUTTONS)


def complaint_offer(text: str) -> BotMessage | None:
    """An angry complaint ("什么破医院", "态度太差了") is offered a person at once: the NLU
    read such messages as nothing, or as a goodbye, and the patient was told "再见" (set 4, F54)."""
    said = _simplified(text)
    if not _COMPLAINT.search(said) or asks_for_journey(said) or _ASKS_PERSON.search(said):
        return None  # a journey, or a person asked for outright ("投诉！转人工！"): the bot serves it
    return BotMessage(COMPLAINT_TEXT, OFFER_BUTTONS)


# The person offered is taken up in other words (conversation set 12's S46, tuning material: an
# elder who could not read the screen was offered a person and the phone, wrote "有没有人能接电话
# 帮我弄", and was given the hospital's number twice; no ticket was opened). Only right after an
# offer: without one, "医院电话多少" is the phone question the FAQ answers.
OFFER_INTENT = "handoff/offer"  # how the edge's own offer is kept with the message it answered
ASKED = "asked"  # "要转给人工客服吗？": a plain yes takes it too
BUTTONS = "buttons"  # after two fallbacks: "换个说法，或者选一个" - only words that ask for a person
_TAKES_PERSON = re.compile(
    rf"有没有人|有人(?:吗|嘛|么|没|不|在|能|可以|会|帮|接|来|管|理)|你们有人|(?:找|叫|来|派|换|要)个?(?:真|活)?人"
    rf"|人(?:来)?帮|接电话|{_ASKS_PERSON.pattern}"
)
_PLAIN_YES = re.compile(
    r"(?:好的?|好吧|好呀|好啊|要的?|行|可以|嗯+|是的?|对|转吧?|麻烦(?:你|您)?了?|中|得|系|要得|快点?|谢谢)+"
)
_NO_PERSON = re.compile(r"(?:不|别|甭|唔|没)(?:用|要|需要|必|想|使|驶|洗)(?:找|叫|转|麻烦)?个?(?:人|真人|客服)")
_PUNCTUATION = re.compile(r"[\s，,。.！!？?~～、]+")
PHONE_TOO_TEXT = "想打电话的话，医院电话是{phone}（门诊咨询、预约）。"


def offer_pending(previous_status: str | None, previous_intent: str | None, streak: int) -> str | None:
    """Whether the bot's last answer offered a person: the edge's own offer (a complaint, a chat
    the patient cannot work) is kept as `OFFER_INTENT`; the offer after two fallbacks leaves a
    fallback whose streak was set back to nought (handoff.note_bot_answer)."""
    if previous_intent == OFFER_INTENT:
        return ASKED
    if previous_status == "fallback" and streak == 0:
        return BUTTONS
    return None


def accepts_offer(text: str, pending: str | None) -> bool:
    """ "有没有人能接电话帮我弄", "找个人帮我", "有人帮我吗", "我要真人", "你们有人吗" right after a
    person was offered (and "好"/"要" after "要转给人工客服吗？"); never a "no", a leaving or a
    journey ("不用找人", "回到主菜单", "我要挂号")."""
    if pending is None:
        return False
    said = _simplified(text)
    if _NO_PERSON.search(said) or wants_to_leave(said) or declines_human(said) or asks_for_journey(said):
        return False
    if _TAKES_PERSON.search(said):
        return True
    return pending == ASKED and bool(_PLAIN_YES.fullmatch(_PUNCTUATION.sub("", said)))


def phone_too(text: str) -> BotMessage | None:
    """The hospital's number as well, when the words that took the offer spoke of a phone."""
    if not _ASKS_TO_CALL.search(_simplified(text)):
        return None
    return BotMessage(PHONE_TOO_TEXT.format(phone=load_facts().phone))


def left_reply() -> BotMessage:
    return BotMessage(LEFT_TEXT, LEFT_BUTTONS)


def leave_queue(ctx: ServiceContext, conversation_id: str) -> bool:
    """Close the conversation's open ticket because the patient left it; False when none was open."""
    conversation_hash = ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)
    with ctx.db.transaction() as session:
        ticket_id = session.scalar(
            select(HandoffTicket.id)
            .where(HandoffTicket.conversation_hash == conversation_hash, HandoffTicket.status.in_(OPEN_STATUSES))
            .limit(1)
        )
        if ticket_id is None:
            return False
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=utcnow()),
        )
        if moved:
            audit.record(ctx, session, action="handoff.patient_left", subject=f"handoff:{ticket_id}")
        return bool(moved)
