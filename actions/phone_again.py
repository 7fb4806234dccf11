"""The phone typed again at a results code question: the code already sent stays good.

Conversation set 17's N40 (tuning material, returning): a wife checking her husband's
gastroscopy typed his phone at "请选择就诊人", the code went to it, she said she would ask
him for it, then typed the same phone again at "请输入短信里的6位验证码". The results form
sent a second code (refused: "验证码发送太频繁"), counted the phone as a wrong code, and
asked for the phone again, so the code she then typed was read as a bad phone and the
check failed. The same phone at the code question now only says where the code went,
counts no attempt and keeps the question; another phone is still checked and sent to.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import identify
from actions.base import previous_value

CODE_QUESTION = "otp_code"
SENT_ALREADY = "验证码已经发到 {phone} 了，5分钟内有效，不用再输手机号，请直接输入短信里的6位验证码。"


def the_phone_again(value: Any, tracker: Tracker) -> Optional[str]:
    """The phone the code went to, when the patient types it again at the code question;
    None for another phone, no phone, or another question."""
    if tracker.get_slot("requested_slot") != CODE_QUESTION:
        return None
    sent_to = previous_value(tracker, "phone")
    typed = identify.typed_phone(value, tracker)
    return str(sent_to) if typed and sent_to and identify.same_phone(typed, str(sent_to)) else None


def say_sent_already(dispatcher: CollectingDispatcher, phone: str) -> None:
    """Where the code went, masked as the edge shows phones, and that it is still good."""
    shown = identify.shown_phone(phone) or "您的手机"
    dispatcher.utter_message(response="utter_backend_message", message=SENT_ALREADY.format(phone=shown))
