"""A copy of one's medical records asked for, and the follow-up right after its answer.

Why words and not only the NLU: set 14's X50 opened with "我想复印住院病历" and got "抱歉，我
没太听明白" (the NLU fell back), though the FAQ action has the records-copy answer; its
"能寄吗 我人在外地" right after was read as a wish for a person and handed off. The answer
was only reached when the NLU happened to say "faq". Two readers, one list of words:

- the chat edge (services/conversation/turns.py) hands such a message to the FAQ action as
  ``/faq`` with the words as typed in the metadata, whatever the NLU would have made of
  them, and a follow-up about mailing or papers too when the bot's last line was a records
  answer (the FAQ is an interruption every form has a rule for, so a form goes on after);
- the FAQ action (actions/faq.py) answers the copy with data/hospital.yml's
  ``medical_records``, a follow-up with its mailing or papers part.

Who may ask for a copy and what they bring: 医疗机构病历管理规定（2013年版, 国卫医发〔2013〕31号）
第十七条 (the patient or their agent; a deceased patient's heirs or their agent) and 第十八条 (ID;
an agent also the patient's ID, proof of the relation and a written authorisation; heirs the
death certificate and proof of the relation). The wording lives in data/hospital.yml.

Only clear words count: the records ("病历", "病案", "出院小结") with a copy ("复印", "打印",
"寄", "影印", "要一份"); a report counts with a photocopy or the post only ("检查报告复印件"),
since printing a report at the kiosk is the results' business. "看病要带病历本吗", "病历上写的
什么意思" and "我要复印身份证" ask no copy. Standard library and OpenCC only: both
environments import it.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified

FAQ_TRIGGER = "/faq"  # the FAQ action reads the words as typed from the metadata ("typed")
MAILING, PAPERS = "mailing", "papers"

# The records: 病历 (and its common typo 病例), 病案, a discharge summary or record.
_RECORDS = re.compile(r"病[历例]|病案|出院小结|出院记录|住院记录|出院病历")
# A copy of them: photocopied, printed, sent, looked up; "要一份", "攞份" (Cantonese), "搞份".
_COPY = re.compile(
    r"复印|打印|复制|拷贝|影印|邮寄|快递|寄|调取|调阅|借阅|盖章|盖个章"
    r"|(?:要|拿|攞|取|搞|弄|整|开)(?:一|两|几)?[份套本]|[一两几]份"
)
# A report, only with a photocopy or the post ("检查报告复印件", "化验单能寄吗").
_REPORT = re.compile(r"检查报告|化验报告|化验单|检查单|报告单|影像报告|片子")
_REPORT_COPY = re.compile(r"复印|影印|盖章|邮寄|快递|寄")
# A card or paper of one's own photocopied ("我要复印身份证"): no records named, never this.
_MEANING = re.compile(r"什么意思|啥意思|看不懂|写的什么|写的啥|写了什么|写了啥|怎么看")

# After the answer: sent by post because the patient is away ("能寄吗", "人在外地").
_MAILING = re.compile(
    r"寄|邮|快递|到付|外地|外省|外市|不在本地|不在北京|老家|来不了|去不了|过不来|回不去|不方便(?:来|去|过)"
    r"|(?:网上|线上)(?:办|申请|弄|能|可以)"
)
# After the answer: which papers to bring ("要带啥证件", "家属能代办吗").
_PAPERS = re.compile(r"证件|带什么|带啥|带些|带哪|要带|委托|代办|代领|代拿|代复印|家属(?:能|可以)|户口本")


def asks_for_copy(text: str) -> bool:
    """ "我想复印住院病历", "複印病歷", "出院小结能寄吗", "检查报告复印件去哪办"."""
    said = simplified(text or "").replace(" ", "")
    if _MEANING.search(said):
        return False
    if _RECORDS.search(said) and _COPY.search(said):
        return True
    return bool(_REPORT.search(said) and _REPORT_COPY.search(said))


def part_asked(text: str) -> str | None:
    """The part of the records answer a follow-up asks for: MAILING, PAPERS or None. Read
    only right after that answer ("能寄吗" alone asks nothing about records)."""
    said = simplified(text or "").replace(" ", "")
    if _MAILING.search(said):
        return MAILING
    return PAPERS if _PAPERS.search(said) else None


def worth_asking(text: str) -> bool:
    """Words that might be the follow-up: only then does the edge read the bot's last line."""
    return part_asked(text) is not None and not text.startswith("/")
