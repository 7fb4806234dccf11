"""Patients' names in free text, masked like their numbers before staff read it.

Two sources: the names of the patients the conversation's platform user manages
(exact, whatever the wording), and names introduced by a cue ("我叫张建国",
"姓名：李娜", "我是王芳。") for people the hospital does not know yet. A reviewer
who needs a name asks for it explicitly, with a reason (services/conversation/log.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountPatient, ChannelIdentity, Patient
from services.crypto import FieldCipher
from services.patients.identities import is_identity
from services.patients.identity import mask_name
from services.patients.registry import NAME_CONTEXT

# The commonest surnames (about 85% of people in China): "我是X" counts as a name only after one.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹"
    "申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪"
    "简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_CUED = re.compile(r"(我叫|名字是|名字叫|姓名[:：]?\s*|叫做|病人叫|患者叫|孩子叫|老人叫)([\u4e00-\u9fa5]{2,4})")
_I_AM = re.compile(rf"(我是|本人)([{SURNAMES}][\u4e00-\u9fa5]{{1,2}})(?=[，,。.！!？?\s]|$)")


def mask_names(text: str, known: Iterable[str] = ()) -> str:
    for name in sorted({n for n in known if len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _CUED.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    return _I_AM.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)


def known_names(session: Session, cipher: FieldCipher, channel: str, sender: str) -> list[str]:
    """Names of the patients this platform user manages (self, family), opened here:
    they are sealed at rest."""
    return [
        cipher.decrypt(token, NAME_CONTEXT)
        for token in session.scalars(
            select(Patient.name_enc)
            .join(AccountPatient, AccountPatient.patient_id == Patient.id)
            .join(ChannelIdentity, ChannelIdentity.account_id == AccountPatient.account_id)
            .where(is_identity(cipher, channel, sender))
        )
    ]
