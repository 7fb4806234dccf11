"""A patient asking after their own records in words the NLU did not read as that errand.

Blind set 5 lost every appointment query and a pathology report this way: "俺给俺闺女约了
个号，俺寻思着是礼拜四，记不清了，帮俺查查" (G39) and "我是不是约了明天的号🤔" (G40) went
to self-triage ("这样有多长时间了？"), Cantonese "我想睇下我約咗邊日覆診" (G41) to the
booking form ("您想挂哪个科？"), and "俺爹前天做哩胃镜，病理结果出来没有，帮俺瞅瞅" (G45)
to the fallback menu. Two readers, one list of words:

- the actions (actions/general.py, the journey's first action) send a symptom or booking
  reading that asks after an appointment already made to the appointment list;
- the chat edge (turns.py) hands a message the bot fell back on to the results or
  appointments journey when its words clearly ask for one, and to the cancellation when an
  appointment already made is one the patient will not go to ("我 那个 约的号 不去 了",
  set 5's G34, fell back once the NLU learnt set 5's boundaries) (`records_trigger`).

Only clear words count: something already booked ("约了", "约咗", "预约的") together with a
wish to look it up ("查", "忘了", "哪天", "是不是"), never with a cancel, a move or a new
booking; a report ("结果", "报告", "病理", "化验单") together with "出来没有", "查", "看看".
Standard library and OpenCC only: both environments import it.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified as _simplified

QUERY_RESULT, QUERY_APPOINTMENT, CANCEL_APPOINTMENT = "/query_result", "/query_appointment", "/cancel_appointment"
REQUEST_REFILL = "/request_refill"

# Already booked: 约了/约过/约好/约的/约咗/约左 (Cantonese), 预约了/预约的, 挂了/挂过/挂的号.
_BOOKED = re.compile(r"约(了|过|好|的|咗|左|着)|预约(了|的|过)|挂(了|过|的|咗)[^，。,.！!？?\s]{0,6}号")
# Looking it up: 查/看看/瞅/睇, forgot, which day/time, "is it ...".
_LOOK_UP = re.compile(
    r"查|看看|看下|看一下|瞅|瞧|睇|忘|记不清|记不得|记不住|唔记得|不记得|哪天|哪一天|几号|几点|边日|边一日|"
    r"几时|啥时候|什么时候|是不是|系唔系|是哪|在哪"
)
# Not a look-up: giving it back, moving it, or booking another.
_OTHER_WISH = re.compile(r"取消|退|改|换|推迟|提前到|再挂|还想挂|还要挂|另外挂|再约|帮我挂|给我挂|想挂")
# Not going to it after all: "我 那个 约的号 不去 了" (set 5's G34, spaced as typed by voice) fell
# back between query and cancel once the NLU learnt set 5's boundaries.
_NOT_GOING = re.compile(r"不去了|去不了|不想去了|不能去了|来不了|不来了|不看了|唔去喇|冇得去")  # spaces taken out first
# A report, and asking whether it is out or what it says.
_REPORT = re.compile(r"结果|报告|病理|化验单|检查单|化验|检验|片子|活检")
# "报告好了伐" (Shanghainese 伐 for 吗, set 11's M53), "好未", "好冇" (Cantonese) ask the same.
_REPORT_ASK = re.compile(
    r"出来|出了|出咗|出没出|出冇|好了没|好了吗|好了伐|好伐|好未|好冇|好了冇|好没好|查|看看|看下|看一下|瞅|瞧|睇|拿|取|在哪看|怎么看"
)
# A report question that is about the hospital, not one's own report (the FAQ answers these).
_REPORT_FAQ = re.compile(r"几天|多久|多长时间|要多少钱|怎么打印|能打印|自助机")


# A complaint said with it ("我约了明天的号，现在发烧了还能去吗"): triage hears it first.
_COMPLAINT = re.compile(
    r"痛|疼|不舒服|难受|发烧|发热|高烧|低烧|咳|吐|泻|拉肚子|拉稀|晕|出血|流血|肿|痒|麻木|喘|胸闷|心慌|"
    r"没力气|乏力|抽搐|昏|疹|伤|摔|烫|咬"
)


def mentions_complaint(text: str) -> bool:
    """A complaint word in the message: the actions, which cannot run the triage router, keep
    such a message for triage rather than the appointment list (issue 10: every symptom
    reaches triage)."""
    return bool(_COMPLAINT.search(_simplified(text)))


def asks_after_appointment(text: str) -> bool:
    """ "俺给俺闺女约了个号…记不清了，帮俺查查", "我是不是约了明天的号", "我想睇下我約咗邊日覆診"."""
    said = _simplified(text)
    return bool(_BOOKED.search(said) and _LOOK_UP.search(said)) and not _OTHER_WISH.search(said)


def gives_back_appointment(text: str) -> bool:
    """ "我 那个 约的号 不去 了", "约好的号去不了了": an appointment already made that the patient
    will not go to, with no complaint beside it (a complaint is triage's first)."""
    said = _simplified(text).replace(" ", "")
    return bool(_BOOKED.search(said) and _NOT_GOING.search(said)) and not mentions_complaint(said)


def asks_for_results(text: str) -> bool:
    """ "俺爹前天做哩胃镜，病理结果出来没有，帮俺瞅瞅", "我的化验单出来了吗"; not "报告几天能出"
    (the FAQ's question about the hospital)."""
    said = _simplified(text)
    return bool(_REPORT.search(said) and _REPORT_ASK.search(said)) and not _REPORT_FAQ.search(said)


# The drug has run out and more is wanted: "我的二甲双瓜没有了 还想开" (set 10's L02, a typo the NLU
# did not know) fell back twice, and the refill was never asked for. Both halves must be said,
# or a drug asked for again in so many words ("再开点药", "续个药").
_RAN_OUT = re.compile(r"没有了|没了|吃完了|用完了|吃光了|快没|快吃完|快用完|不够了")
_MORE = re.compile(r"(还想|还要|想|再|要|帮我|给我)(开|续|配|拿)")
_REFILL_WORDS = re.compile(r"续(个|点|些)?(方|药)|(再|还想|还要)(开|配)(点|些|一点|几盒)?药")


def asks_for_refill(text: str) -> bool:
    """ "我的二甲双瓜没有了 还想开", "药吃完了 想再开", "再开点药": more of a drug, with no
    complaint beside it (a complaint is triage's first)."""
    said = _simplified(text).replace(" ", "")
    wants = bool(_RAN_OUT.search(said) and _MORE.search(said)) or bool(_REFILL_WORDS.search(said))
    return wants and not mentions_complaint(said)


def records_trigger(text: str) -> str | None:
    """The journey intent to hand a message to, or None when its words ask neither."""
    if asks_after_appointment(text):
        return QUERY_APPOINTMENT
    if asks_for_results(text):
        return QUERY_RESULT
    if gives_back_appointment(text):
        return CANCEL_APPOINTMENT
    if asks_for_refill(text):
        return REQUEST_REFILL
    return None
