"""Patients named in the chat: masked on buttons, recognised when typed.

A phone's code may bind a whole family's records to a chat (actions/identify.py), so
the "which patient?" buttons show names masked ("张*国"), and an elder who types the
name ("张建国", "查王小明的") instead of a number is understood.
"""

from __future__ import annotations

import re
from typing import List, Optional

from actions.dates import period_of, resolve
from integrations.hospital.base import Patient


def masked_name(name: str) -> str:
    """ "张建国" -> "张*国", "李敏" -> "李*": enough for the family to tell apart, no more."""
    name = str(name or "")
    if len(name) <= 1:
        return name
    return name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]


def patient_named(text: str, patients: List[Patient]) -> Optional[str]:
    """The one patient whose name (whole, or without the surname) the answer holds:
    "张建国", "是建国", "查王小明的". None when no name or several fit."""
    text = re.sub(r"\s+", "", str(text or ""))
    if not text:
        return None
    whole = [p for p in patients if p.get("name") and str(p["name"]) in text]
    given = [p for p in patients if len(str(p.get("name") or "")) >= 3 and str(p["name"])[1:] in text]
    found = whole or given
    return str(found[0]["id"]) if len(found) == 1 else None


# The commonest surnames (simplified; a traditional name is read through OpenCC first): a
# message of two to four characters that starts with one of these is taken for a name
# when a name is what the patient is giving ("陳嘉欣" typed at the slot list), and nothing
# else is ("上晝啦", "就它吧" start with none of them).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝封"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "司徒")
# "叫蔡玉珠", "名字是彭桂兰", "姓名：陈嘉欣", "就诊人是马长山": the name follows these words.
_NAME_MARK = re.compile(r"(?:名字|姓名|就诊人|病人|患者)(?:是|叫|为)?[:：\s]*|叫(?:做)?|名字是")
_RUN = re.compile(r"[\u4e00-\u9fff·]+")
# Words no name holds: a request, an answer, a time, a relative ("我叫他来" is no name).
_NOT_NAME = re.compile(
    r"确认|没问题|好的|是的|对的|不对|谢谢|知道|随便|可以|挂号|预约|医生|大夫|明天|后天|上午|下午|早上|晚上|"
    r"身份|手机|电话|号码|验证|多少|什么|怎么|哪|吗|呢|吧|啦|了|的|就|它|这|那|个|他|她|我|你|"
    r"明白|高兴|方便|安排|马上|周[一二三四五六日天末]|金额|费用"
)


# The words that start the next detail after a name said in one breath.
_NEXT_DETAIL = re.compile(r"身份证|身分证|证件|手机|电话|号码|联系方式|今年|性别|家住|住在")
# A detail's label followed by nothing but its value (a placeholder, a space by then).
_DETAIL_LABEL = re.compile(
    r"(?:身份证|身分证|身份證|身分證|证件|手机|手機|电话|電話)(?:号码?|號碼?|字号|字號)?(?:是)?(?=\s|$)"
)


def has_surname(name: str) -> bool:
    return name[:2] in COMPOUND_SURNAMES or name[:1] in SURNAMES


def _spelled_after(rest: str, name: str) -> bool:
    """ "何是何必的何…", "木子李" after "李沐阳": the patient spells the name just given."""
    return len(rest) >= 2 and rest[0] in name and rest[1] in "是的"


def _spelled_by_parts(rest: str, name: str) -> bool:
    """ "关耳郑石头磊" after "郑磊": each character said by its two parts and itself (关耳郑,
    石头磊, 弓长张, 木子李, 口天吴), in the name's order, for all of the rest and at least one."""
    if not rest:
        return False
    for char in name:
        if not rest:
            return True
        if len(rest) < 3 or rest[2] != char:
            return False
        rest = rest[3:]
    return not rest


def _name_from_run(run: str) -> Optional[str]:
    """The name at the start of a run of characters: the whole run when it is 2-4 long,
    else the 2-4 characters the patient goes on to spell ("何丽娟何是何必的何", "郑磊关耳郑石头磊")."""
    if 2 <= len(run) <= 4:
        return run
    for size in (3, 2, 4):
        if _spelled_after(run[size:], run[:size]) or _spelled_by_parts(run[size:], run[:size]):
            return run[:size]
    return None


def name_in(text: str, bare: bool = True) -> Optional[str]:
    """The patient's name in a message: after 叫/名字是/姓名 ("孩子叫李沐阳，木子李",
    "伊叫蔡玉珠", "晓得哒。名字是彭桂兰"), or (``bare``) the whole message when it is two
    to four characters starting with a surname ("陈嘉欣"). None when no name is said."""
    from actions.simplified import simplified  # OpenCC is loaded on first use

    text = re.sub(r"\[[^\]]*\]", " ", str(text or ""))  # the chat edge's placeholders are no name
    plain = simplified(text)
    for mark in _NAME_MARK.finditer(plain):
        run = _RUN.match(plain, mark.end())
        # "我叫赵志强身份证号…手机号…" said in one breath: the name ends where the next detail starts
        name = _name_from_run(_NEXT_DETAIL.split(run.group(0))[0]) if run else None
        if name and has_surname(name) and not _NOT_NAME.search(name):
            return text[run.start() : run.start() + len(name)] if run else name
    if not bare:
        return None
    # "孙桂芝 身份证[…]": the label of the detail typed after the name is no part of it
    whole = re.sub(r"[\s，,。.！!~～:：]+", "", _DETAIL_LABEL.sub(" ", text))
    if len(whole) > 4 and _RUN.fullmatch(whole):  # "郑磊关耳郑石头磊": the name, then its spelling
        whole = next((whole[:k] for k in (2, 3) if _spelled_by_parts(whole[k:], whole[:k])), whole)
    if not (2 <= len(whole) <= 4 and _RUN.fullmatch(whole) and has_surname(simplified(whole))):
        return None
    said = simplified(whole)
    if _NOT_NAME.search(said) or resolve(said) or period_of(said):  # "明儿", "明朝", "晏昼" are times
        return None
    return whole
