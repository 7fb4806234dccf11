"""A cancellation told as past ("上次取消了", "我取消了预约"), read as a new one by the NLU.

Conversation set 17 (tuning material) lost two errands this way: "我取消了预约 钱怎么还没到"
(N21) and "上次取消了 现在想重新挂个皮肤科" (N20) were both read as cancel_appointment, so the
cancellation asked for a phone and an SMS code, the refund went unanswered and the new
dermatology booking never started. When the words tell of a cancellation already made and
ask for none, the journey is what they go on to say:

- money still awaited or how it was paid ("钱怎么还没到", "前天取消的 微信付的"): the refund
  answer (actions/faq.py's topics: back the way it was paid, 1-7 working days, a person if late);
- a new booking ("现在想重新挂个皮肤科", "再约一个"): the booking, with the clinic said.

"帮我取消了吧", "我想取消预约", "取消了能退钱吗" and "刚才那个不取消了" are not this.
"""

from __future__ import annotations

import re
from typing import Optional

from actions.simplified import simplified

REFUND, BOOK = "refund", "book"

# "上次取消了", "已经取消了", "前天取消的", "取消过了", "我取消了预约": a cancellation that happened.
_PAST = re.compile(
    r"(?:已经|已|上次|上回|之前|以前|前天|昨天|前几天|刚才|刚刚|那天|早就)[^，。？?]{0,6}(?:取消|退号|退掉)"
    r"|(?:取消|退号|退掉)(?:过|了|的)(?!吧|啊吧)"
)
# A cancellation asked for now, or one still in doubt: the cancel journey keeps these.
_WANTED = re.compile(
    r"(?:想|要|帮我|给我|请|麻烦|能不能|可以|怎么|如何|得)(?:把)?[^，。？?]{0,6}(?:取消|退号|退掉)"
    r"|(?:取消|退号|退掉)(?:一下|掉|吧)|不(?:想|要|用)?取消|取消了(?:能|会|可以|还)"
)
# Money still to come back, or how it was paid.
_MONEY = re.compile(
    r"钱|款|费|到账|到帐|退回|原路|微信|支付宝|付的|付了|交的|缴的|扣的|扣了|多久到|几天到|啥时候到|什么时候到"
)
# A new booking: "重新挂", "再约一个", "现在想挂", "改挂".
_BOOK = re.compile(r"(?:重新|再|又|现在|另外|改)(?:想|要)?(?:挂|约|预约|看)|(?:想|要)(?:重新|再)?挂")


def after_a_cancellation(text: str) -> Optional[str]:
    """``REFUND`` or ``BOOK`` when the words tell of a cancellation already made and go on to
    the money or a new booking; None for anything else (a cancellation wanted stays one)."""
    said = simplified(text or "")
    if not _PAST.search(said) or _WANTED.search(said):
        return None
    if _BOOK.search(said):
        return BOOK
    return REFUND if _MONEY.search(said) else None


# Said right after the refund answer ("前天取消的 微信付的"): the part that fits, not the whole again.
_WAY = {"微信": "微信付的退回微信（零钱或当时付款的银行卡）", "支付宝": "支付宝付的退回支付宝"}
REFUND_AGAIN = "{way}，一般1-7个工作日到账。超过7个工作日还没收到，回复“转人工”，我们帮您查。"


def refund_again(text: str, last_bot: str) -> Optional[str]:
    """The short refund answer when the bot's last line was the refund answer already; None
    otherwise (the whole answer is given)."""
    if "原路退回" not in (last_bot or ""):
        return None
    said = simplified(text or "")
    way = next((w for key, w in _WAY.items() if key in said), "已付的挂号费会原路退回")
    return REFUND_AGAIN.format(way=way)
