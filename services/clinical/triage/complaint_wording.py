"""Complaint wording the triage router has no word for, read the same way by the chat
edge (services/clinical/triage/edge.py, which message is worth the whole assessment)
and the front door (services/conversation/symptom_routing.py, which message goes to the
triage journey whatever the NLU said).

The router (routing.py) knows symptoms by the engine's own words and wants a complaint
word beside an errand's; patients also tell a complaint by a reading and its number
("空腹血糖总在十几"), by what a part of the body does ("心脏像漏跳了一下", "这几天尿量
越来越少"), or in a booking's words ("约个号看湿疹"). Kept apart from the conversation
package so the clinical edge can read it without importing the front door.
"""

from __future__ import annotations

import re

from services.clinical.triage.routing import looks_like_symptom

# Everyday words that hold a complaint word's character: "麻烦你了" (麻), "抽空" (抽),
# "吐槽" (吐), "抽血" (a test, not a fit); a vaccine with its disease's name ("新冠疫苗",
# "狂犬疫苗" - the bite beside it is still read).
_EVERYDAY = re.compile(
    r"麻烦|麻煩|抽空|抽时间|抽時間|抽个空|抽個空|抽血|吐槽|痛快|疼爱|疼愛"
    r"|(?:新冠|流感|乙肝|甲肝|狂犬病?|HPV|hpv|九价|四价|二价|水痘|麻疹|百白破|肺炎|带状疱疹|破伤风|脊灰)?疫苗"
)
# A booking's own words, taken out before its complaint is read ("俺想挂个号 腰腿疼").
_BOOKING_WORDS = re.compile(
    r"(?:预约|預約|挂号|掛號|挂个号|掛個號|约个号|約個號|挂一个号|约一个号|挂个|掛個|约个|約個|约一下|約一下|"
    r"挂一下|掛一下|帮忙安排|帮我安排|你帮我安排|安排一下|看哪个科都行|哪个科都行)"
)
# a number, also said roughly ("十几", "两百多", "二十来个")
_NUMBER = r"(?:\d|[一二三四五六七八九十百两几]{2,}|[一二三四五六七八九十]点|[十百]来)"
_GAP = r"[^，。,.!！?？；;]{0,6}?"
# ... but not how long: "高血压十几年了" is a history, not a reading
_VALUE = rf"{_NUMBER}(?![\d.点]*[几多来]?(?:年|个月|月|天|周|星期|礼拜|岁))"
# Families of complaint wording, each a sign the patient has something to be assessed.
# Sources: the presenting complaints of the Manchester Triage System and of China's
# 急诊预检分诊专家共识 (2018) - palpitations, urinary retention, new lumps, limb weakness,
# acute confusion, ingestion of drugs or household products, abnormal vital signs.
_COMPLAINT_FAMILIES = {
    # a reading with its number or said to be off: "血糖老是偏高", "一分钟一百四", "血压150多"
    "reading": (
        rf"(?:血压|高压|低压|血糖|心率|心跳|脉搏|体温|血氧|氧饱和度?)(?:测|量)?(?:了|出来|下来)?{_GAP}"
        rf"(?:{_VALUE}|偏高|偏低|太高|太低|很高|很低|好高|好低|老高|有点高|有点低|高得|低得|超标)"
        rf"|一分钟{_GAP}{_NUMBER}"
        # a blood test's value with its number or said to be off: "肌酐三百多", "血小板一直低"
        rf"|(?:白细胞|红细胞|血小板|血红蛋白|转氨酶|肌酐|尿酸|胆固醇|甘油三酯|血脂|血钾|血钠|尿蛋白|糖化|肌钙蛋白)"
        rf"{_GAP}(?:{_VALUE}|偏高|偏低|太高|太低|很高|很低|好高|好低|高得|低得|超标|一直低|一直高)"
    ),
    # the heart felt: "心跳好快", "心口烧得慌", "心口好翳"
    "heart": (
        r"心跳得?(?:好|很|特别|太|有点|老是|一直)?(?:快|慢|乱|不齐|漏)"
        r"|心口(?:好|很|有点)?(?:烧|疼|痛|闷|堵|翳|发慌)"
        # a beat missed: "心跳停了一下", "像漏跳了", "早搏"
        r"|心跳[^，。,.!！?？]{0,6}?(?:停一下|停了一下|停顿|漏)|漏了?一拍|漏跳|早搏"
    ),
    # passing water: "小便不太出得来", "尿不出", "晚上起夜好几次"
    "urine": (
        r"(?:小便|小解|尿尿|撒尿|尿)(?:不太|不大|老是|总是|很|好|有点)?"
        r"(?:出不来|出得来|不出来|不畅|不通|滴|分叉|等半天|频|急|黄|浑|有泡沫)|尿不出|尿不尽|起夜"
        # less water passed, or a wet bed past the age for it (NICE NG148 acute kidney injury; NICE CG111)
        r"|尿(?:量)?[^，。,.!！?？]{0,4}?(?:变少|少了|减少|很少|越来越少)|尿床|尿裤子"
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
        # something bulging: "锁骨上面鼓起来一个", "小腿青筋鼓起来"
        r"|鼓(?:起来|出来|起)了?(?:一块|一个|一坨|一点|个)|鼓包|青筋.{0,4}(?:鼓|凸)|血管.{0,4}(?:鼓|凸|像蚯蚓)"
    ),
    # a limb that does not work: "右手还是不太灵活", "腿没劲"
    "limb": (
        r"(?:手|脚|腿|胳膊|胳臂|半边身子|半边|嘴角)[^，。,.!！?？机]{0,4}?"
        r"(?:不(?:太|大|怎么)?灵活|不(?:太|大)?听使唤|没劲|没力|无力|使不上劲|发麻|抬不起|动不了|发抖|歪)"
    ),
    # confusion or memory: "说胡话 不认人", "老是忘事"
    "mind": r"说胡话|不认人|认不出人|糊里糊涂|神志不清|忘事|记不住事|控制不住",
    # attention and mood (NICE NG87 ADHD; NICE CG90 depression): "写作业注意力老是不集中", "动不动就想哭"
    "mood": (
        r"注意力[^，。,.!！?？]{0,3}?(?:不集中|集中不了|不行)|坐不住|多动"
        r"|(?:老|总|动不动就|一直|天天)(?:是)?想哭|心里(?:头)?(?:堵得慌|憋得慌|发慌|空落落)|高兴不起来|开心不起来"
    ),
    # the mouth, the eyes going dark on standing, the bowels stuck
    "other": (
        r"(?:口腔|嘴里|嘴巴里|舌头上?)[^，。,.!！?？]{0,4}?(?:溃疡|烂|泡)|口腔溃疡|口疮"
        r"|眼前(?:一下|一阵|一)?(?:发黑|黑)|眼冒金星"
        r"|(?:拉屎|大便|解大手|排便)[^，。,.!！?？]{0,3}?(?:拉不出|解不出|不出来|费劲|干结)|便秘"
        r"|(?:起|长|冒)了?(?:好多|一些|很多)?(?:小)?(?:泡泡|水泡|水疱)"
    ),
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
# A pet named as the one unwell ("熊猫", "猫眼" are not pets); bites and scratches stay complaints.
_ANIMAL = re.compile(r"狗|(?<!熊)猫(?!眼)|兔子|兔兔|仓鼠|鹦鹉|宠物|乌龟|金鱼|小鸟")
_ANIMAL_SIMILE = re.compile(r"(?:像|跟|似|如)[^，。,.!！?？]{0,4}?(?:狗|猫|鸭|鹅|鸡|小鸟)|(?:狗|猫|鸭|鹅)叫")
_ANIMAL_WOUND = re.compile(r"咬|抓|挠|舔|被|狂犬")
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
    with its everyday words ("麻烦你了") taken out; a pet's complaint is not the patient's."""
    plain = _EVERYDAY.sub("，", text or "")
    if about_an_animal(plain):
        return False
    return looks_like_symptom(plain) or describes_complaint(plain)


def about_an_animal(text: str) -> bool:
    """ "狗狗吐了好几次怎么办", "兔子拉稀了": a pet is unwell, and the hospital does not treat
    it; a bite or a scratch ("被猫抓了") is the patient's own wound and still a complaint."""
    plain = _ANIMAL_SIMILE.sub("，", text)  # "咳起来跟小狗叫似的" is a child's croup, not a dog
    return _ANIMAL.search(plain) is not None and _ANIMAL_WOUND.search(plain) is None


def booking_tells_complaint(text: str) -> bool:
    """A booking's complaint, read without the booking's own words ("俺想挂个号 腰腿疼")."""
    plain = _BOOKING_WORDS.sub("，", text or "")
    return tells_complaint(text) or tells_complaint(plain) or _BODY_LOOKED_AT.search(plain) is not None
