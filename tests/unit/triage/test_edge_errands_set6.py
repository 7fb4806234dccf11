"""Errands of blind conversation set 6 that the learned layer alone answered with 120 at
the chat edge (sure at 0.62-0.93), so the journey asked for never started: a report of
one's own examination, the old drug again, parking, insurance, visiting hours, a person,
a complaint about the service, a place given back (data/triage/routing.yml errand_words).
The first wording of each is the patient's; the others are ours. Emergencies said with
the same errand words keep their 120, and an overdose said beside a refill keeps the
learned layer's (acute_words: 吞, 整瓶)."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.edge import emergency_hits
from services.clinical.triage.routing import reads_as_errand


@pytest.mark.parametrize(
    "text",
    [
        "我老婆的B超单子出来了吗 帮她看下",  # H45
        "我的CT片子出来了吗 帮我查查",
        "复查的单子好了吗",
        "俺那个降血压的药 白色的小片片 再给俺开一个月的",  # H48
        "我妈的降糖药再给开一个月的",
        "开车过去的话车往哪儿停 地下车库要钱不",  # H49
        "去医院开车的话停哪",
        "我是外省的医保 在你们这看病能直接刷卡报销不",  # H50
        "异地医保要先备案吗",
        "我爸住院了 家属几点能进去看他",  # H53
        "家属什么时候能进去看病人",
        "别跟我扯这些 找个活人来跟我说",  # H54
        "叫个工作人员来",
        "你们这服务太差了 我要投诉",
        "算了算了不挂了 我前天挂的那个骨科也给我退了吧 人家说片子没事不用去了",  # H33
        "前天约的那个号给我退了吧 不用去了",
    ],
)
def test_errands_of_set_6_get_no_120(engine: TriageEngine, text: str) -> None:
    assert reads_as_errand(text)
    assert emergency_hits(engine, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "他把自己关在车库里烧炭 门反锁着",
        "我爸在停车场突然倒地不动了 叫不应",
        "快找个人来救救我 我吃了一整瓶安眠药",
        "我不想活了 找个人说说话吧",
        "我妈在医院排队的时候突然说不出话了 嘴也歪了",
        "降压药再给我开两盒 我爸把一整瓶都吞了",  # the learned layer's catch stands beside a refill
    ],
)
def test_emergencies_said_with_those_words_still_get_120(engine: TriageEngine, text: str) -> None:
    assert emergency_hits(engine, text)
