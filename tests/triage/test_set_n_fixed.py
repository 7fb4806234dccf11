"""Set N's misses, read after its two sealed scorings (issue 10): each a defect with its own test.

Set N (a fresh blind author's 499 vignettes) was scored sealed at the session's start and after
the round on M (docs/triage-blind.md); only then were its misses read. Four emergencies were
still answered below 120 and two urgent cases routine. Each is fixed by a general discriminator
with its source in data/triage/*.yml, and tested here in our own words, on the rules alone (the
chat edge's engine), with look-alikes that must not be raised:

* symptomatic bradycardia - a slow pulse with dizziness, weakness or greying out (ESC 2021);
* breathlessness, chest discomfort and swollen legs together - acute heart failure (ESC 2021);
* an injured limb turning ever more purple on an anticoagulant - an expanding haematoma;
* a newborn "sleeping more" and "feeding without interest" - lethargy and poor feeding said
  mildly (NICE NG143, WHO IMCI);
* no urine for hours after contrast or with known kidney disease - acute kidney injury (NICE
  NG148), seen today;
* a headache "for the first time like this" - new headache (NICE CG150), seen today.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


def _level(engine: TriageEngine, text: str) -> TriageLevel:
    return engine.assess(TriageInput(text=text)).level


@pytest.mark.parametrize(
    "text",
    [
        "这两天心跳特别慢 一分钟四十来下 人发晕",
        "我妈脉搏很慢 说眼前一阵阵发黑",
        "心率只有38 浑身没劲",
        "老是喘 胸口闷得慌 两只脚肿得穿不上鞋",
        "我爸有点喘 胸口不太舒服 小腿也肿了",
        "吃着华法林 前天磕了大腿 现在越来越紫 越来越肿",
        "在吃利伐沙班 脚崴了 淤青一直在扩大",
        "孩子出生12天 这两天比平时能睡 吃奶也不太积极",
        "宝宝十天 睡得越来越多 喂奶不起劲",
    ],
)
def test_set_n_emergencies_told_mildly_are_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "做完增强CT 到现在五六个钟头没尿",
        "肾功能本来就不好 今天半天没小便",
        "头疼 从来没有这么疼过",
        "第一次这样头痛 一跳一跳的",
    ],
)
def test_set_n_same_day_cases_are_seen_today(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) in (TriageLevel.URGENT, TriageLevel.EMERGENCY)


@pytest.mark.parametrize(
    "text",
    [
        "我是跑马拉松的 心跳慢 平时五十 没啥不舒服",
        "喘 胸口不闷 脚肿",
        "医生老问有没有胸痛 没有胸痛 就是爬楼有点喘 脚有点肿",
        "宝宝出生十天 吃奶挺好 睡得香",
        "头痛 老毛病了 跟以前一样",
        "今天喝水少 小便少了点",
    ],
)
def test_look_alikes_are_not_emergencies(rules: TriageEngine, text: str) -> None:
    assert _level(rules, text) is not TriageLevel.EMERGENCY
