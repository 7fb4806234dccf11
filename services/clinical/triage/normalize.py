"""Text normalisation before matching: one canonical form for the rules.

Patients type in traditional characters, full-width letters, with spaces
between characters and with homophone typos.  Rules are written once, in
simplified Chinese, against the output of :func:`normalize`; everything here
is a single ``str.translate`` or one precompiled regex pass so the edge check
stays well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import opencc

#: Longest text examined.  Chat messages are short; anything longer is cut so
#: that a pasted novel cannot slow the edge down (the head is kept because
#: patients state the complaint first).
MAX_CHARS = 4000

# Traditional → simplified for the characters that occur in symptom talk.
# A hand table (not a dependency): small, pure, and fast with str.translate.
_TRAD = (
    "體頭臉頸脖腦顱眼瞼眶淚鼻喉嚨嚥嗎啞齒齦牙舌脣嘴腮耳聾聽覺聲"
    "胸脅肺臟腎膽腸胃腹臍膀胱腿腳踝膝臂肩頰額髮膚癢瘡癬痺麻"
    "痛疼腫脹癥狀發燒熱燙冷寒顫慄抖戰暈厥昏迷醒瞭憋悶喘氣氧紫紺"
    "咳嗽痰嘔噁吐瀉瀝血便尿濃膿糞黑紅綠黃藍青灰"
    "壓榨絞緊沉墜悸跳亂停動靜虛弱無軟癱瘓歪斜說話講語齒"
    "視線模糊盲閃見看覺識認記憶忘嗜睡睏"
    "過敏疹蕁蕩喉頭緊張窒息卡噎嗆"
    "殺死亡輕生絕遺囑傷割腕樓跳藥瓶片粒劑農藥毒煤氣瓦斯燒燙灼傷電擊溺淹"
    "車禍摔倒跌撞擊骨折斷裂脫臼扭傷流淌滲滴"
    "懷孕產婦嬰兒寶嬰孩童歲週個幾兩萬億隻雙對們這那裡邊裏後來時間鐘點"
    "醫院診療護藥掛號預約檢驗查報告單複續開處門診急救護車"
    "爺奶媽爸媽婆孫親屬兒女婦嬸姨"
    "壞強厲害難受劇烈極嚴重輕微點還沒無為麼甚問題應該請幫謝"
    "東西會與個隻從將對於這樣讓給現當實際經歷過們邊長張開關門問間陽陰"
    "樂飯飲食喝湯菜餵奶粉乾濕溫涼風雨雲電燈鐵銀錢買賣貴價"
    "夠們們癇癲搐抽痙攣蓄禍囊腺瘤癌腫塊結節節炎癒愈"
    "歡憂鬱焦慮緒覺難過悶煩惱怕懼嚇驚"
    "彎側邊偏單獨隻手腳臂麼僵硬"
    "術後傷口縫針線紗繃帶"
    "聯絡電話號碼機構區縣鄉鎮國際"
    "壓測計糖尿脂膽固醇貧癥狀態"
    "學離誤彈廣錯費蓋殘紅濕澀癡獃攔擋掙紮衛廁滅藥縮鬆緩續衝撐飽餓噴嚨嗎囉啊嗚"
)
_SIMP = (
    "体头脸颈脖脑颅眼睑眶泪鼻喉咙咽吗哑齿龈牙舌唇嘴腮耳聋听觉声"
    "胸胁肺脏肾胆肠胃腹脐膀胱腿脚踝膝臂肩颊额发肤痒疮癣痹麻"
    "痛疼肿胀症状发烧热烫冷寒颤栗抖战晕厥昏迷醒了憋闷喘气氧紫绀"
    "咳嗽痰呕恶吐泻沥血便尿浓脓粪黑红绿黄蓝青灰"
    "压榨绞紧沉坠悸跳乱停动静虚弱无软瘫痪歪斜说话讲语齿"
    "视线模糊盲闪见看觉识认记忆忘嗜睡困"
    "过敏疹荨荡喉头紧张窒息卡噎呛"
    "杀死亡轻生绝遗嘱伤割腕楼跳药瓶片粒剂农药毒煤气瓦斯烧烫灼伤电击溺淹"
    "车祸摔倒跌撞击骨折断裂脱臼扭伤流淌渗滴"
    "怀孕产妇婴儿宝婴孩童岁周个几两万亿只双对们这那里边里后来时间钟点"
    "医院诊疗护药挂号预约检验查报告单复续开处门诊急救护车"
    "爷奶妈爸妈婆孙亲属儿女妇婶姨"
    "坏强厉害难受剧烈极严重轻微点还没无为么甚问题应该请帮谢"
    "东西会与个只从将对于这样让给现当实际经历过们边长张开关门问间阳阴"
    "乐饭饮食喝汤菜喂奶粉干湿温凉风雨云电灯铁银钱买卖贵价"
    "够们们痫癫搐抽痉挛蓄祸囊腺瘤癌肿块结节节炎愈愈"
    "欢忧郁焦虑绪觉难过闷烦恼怕惧吓惊"
    "弯侧边偏单独只手脚臂么僵硬"
    "术后伤口缝针线纱绷带"
    "联络电话号码机构区县乡镇国际"
    "压测计糖尿脂胆固醇贫症状态"
    "学离误弹广错费盖残红湿涩痴呆拦挡挣扎卫厕灭药缩松缓续冲撑饱饿喷咙吗啰啊呜"
)
if len(_TRAD) != len(_SIMP):  # pragma: no cover - guards edits to the tables
    raise RuntimeError("traditional/simplified tables out of step")

# Full-width letters and digits become ASCII; clause punctuation goes the other
# way (ASCII "," → "，") because rules stop at "，。；！？".
_KEEP_FULLWIDTH = {"，", "；", "！", "？", "：", "（", "）"}
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH}
_ASCII_PUNCT = {ord(","): "，", ord(";"): "；", ord("!"): "！", ord("?"): "？", ord("\n"): "。"}
_TABLE: dict[int, int | str | None] = {
    **_FULLWIDTH,
    **_ASCII_PUNCT,
    **{ord(t): ord(s) for t, s in zip(_TRAD, _SIMP, strict=True) if t != s},
    0x3000: ord(" "),  # ideographic space
    **{cp: None for cp in (0x200B, 0x200C, 0x200D, 0xFEFF, 0x00AD)},  # zero-width
}

# A space between two runs of Chinese (two characters or more each side) is how phone users
# end a clause ("孩子吞了硬币 吃喝正常 玩得挺好"). The rules still read the words joined (they
# were written and tuned so, and a sign may straddle the space: "胸口 很疼"), but negation must
# not reach across it: the place is kept in :attr:`Normalized.breaks`. Not after a negation cue:
# "没有 胸痛" is one denial. A number with its unit ends a clause the same way ("38.7度 吃奶正常",
# "3岁 玩得好"): without the break, "吃奶正常" read as the temperature said normal (set Q's Q081).
_CLAUSE_SPACE = re.compile(
    r"(?:(?<=[\u3400-\u9fff]{2})|(?<=\d[\u3400-\u9fff℃°]))(?<!没有)(?<![不没无未])[ \t]+(?=[\u3400-\u9fff]{2})"
)
# Stands in for a clause space until the lexicon has run: a private-use character (removed from the
# patient's text first), not a space or control character, which the passes below would eat.
_MARK = "\ue000"
# Other spaces between two CJK characters are typing noise ("胸 口 疼").
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves cannot be encoded for OpenCC


class Normalized(str):
    """Normalised text that remembers where a clause space stood (offsets into the text).

    A plain ``str`` everywhere; :func:`~services.clinical.triage.negation.is_negated` reads
    ``breaks`` to keep a denial inside its own clause. Slicing or joining gives a plain ``str``
    without breaks, which reads as before (words joined), never as less negated than that.
    """

    breaks: tuple[int, ...]

    def __new__(cls, text: str, breaks: tuple[int, ...] = ()) -> Normalized:
        made = super().__new__(cls, text)
        made.breaks = breaks
        return made


def _unmark(text: str) -> Normalized:
    """Remove the clause marks, keeping their offsets."""
    if _MARK not in text:
        return Normalized(text)
    pieces = text.split(_MARK)
    breaks: list[int] = []
    at = 0
    for piece in pieces[:-1]:
        at += len(piece)
        breaks.append(at)
    return Normalized("".join(pieces), tuple(breaks))


def to_simplified(text: str) -> str:
    """Map traditional characters and full-width ASCII to their plain forms."""
    return text.translate(_TABLE)


class Normalizer:
    """Canonicalises patient text; built once from the typo lexicon."""

    def __init__(self, replacements: Mapping[str, str]) -> None:
        pairs = {to_simplified(k).lower(): v for k, v in replacements.items() if k}
        self._replacements = pairs
        # Longest first so "心肌梗塞" wins over "梗塞".
        alternatives = sorted(pairs, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(a) for a in alternatives)) if alternatives else None
        # OpenCC knows every traditional form and phrase ("掛號", "發燒"); the
        # hand table above stays as a cheap second pass for variants it keeps.
        self._t2s = opencc.OpenCC("t2s")

    def __call__(self, text: str) -> Normalized:
        """Return ``text`` in the form the rules are written against."""
        if not isinstance(text, str):
            text = str(text)
        text = text[:MAX_CHARS]
        if not text.isascii():
            text = self._t2s.convert(_SURROGATE.sub("", text))
        text = to_simplified(text).lower()
        text = _CONTROL.sub(" ", text).replace(_MARK, "")
        text = _CLAUSE_SPACE.sub(_MARK, text)
        text = _CJK_SPACE.sub("", text)
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._replacements[m.group(0)], text)
        return _unmark(text)
