"""The edge's joined read answers with rules, safety nets and symptom scores, not with the
learned layer alone (services/conversation/recent_context.py, session 30).

Blind conversation set 18 (tuning material) had "您说的情况可能很危险（综合判断）" on a red,
swollen leg after a knock and on mastitis with a fever: the learned layer alone, reading
three messages joined, saw many symptom words at once. Those are urgent, not 120 (NICE
NG141 cellulitis; NICE CKS mastitis: same-day care, antibiotics). Split red flags still
answer: a baby under 28 days with 38 or more (NICE NG143), a head knock on warfarin (NICE
NG232), a headache with 160/110 from 20 weeks (NICE NG133), and lips swollen after peanuts
with wheeze or a hoarse voice (WAO 2020; Resuscitation Council UK 2021). Wording is our
own; the engine is the real one with its learned layer."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, default_engine
from services.conversation.recent_context import JOINER, joined_emergency, looks_clinical


@pytest.fixture(scope="module")
def engine() -> TriageEngine:
    return default_engine()


def joined(*messages: str) -> str:
    return JOINER.join(messages)


@pytest.mark.parametrize(
    "messages",
    [
        ("我爸小腿红了一大块", "昨天被桌子撞了一下 现在又红又肿又烫 比早上大了一圈"),
        ("老公小腿红了一大片", "大前天撞到床角了 现在又肿又热 范围比昨天大"),
        ("剖腹产完二十多天", "左边乳房一块又红又硬 疼", "今天体温38.6 有点冷"),
        ("打羽毛球扭到脚了", "左脚外侧 有点肿", "还能走路 走多了疼", "没听见响 按着骨头不疼 就外面肿"),
        ("晒伤了 去海边玩了一天", "后背红 一碰就疼"),
    ],
)
def test_benign_details_told_over_messages_give_no_alarm(engine: TriageEngine, messages: tuple[str, ...]) -> None:
    assert looks_clinical(messages[-1])
    assert joined_emergency(engine, joined(*messages)) == []


@pytest.mark.parametrize(
    "messages",
    [
        ("外孙女生下来20天", "今天摸着烫 量了38.3度"),
        ("宝宝出生二十天", "体温38.3度"),
        ("宝宝刚满两周", "今天量了体温38.5度"),
        ("我妈一直吃华法林", "刚才在卫生间滑倒了 头磕到墙上"),
        ("怀孕20周", "头疼得厉害 量了血压160/110"),
        ("我老婆怀孕二十周了", "今天头痛 血压160/110"),
    ],
)
def test_a_red_flag_split_over_messages_still_answers(engine: TriageEngine, messages: tuple[str, ...]) -> None:
    hits = joined_emergency(engine, joined(*messages))
    assert hits
    assert all(hit.id != "learned_level" for hit in hits)


def test_swollen_lips_after_peanuts_answer_once_the_airway_is_told(engine: TriageEngine) -> None:
    """Lips and hives are one system (skin); wheeze or a hoarse voice makes two (WAO 2020)."""
    assert joined_emergency(engine, joined("我個仔食咗花生 嘴唇腫晒", "成身起晒紅點 好痕")) == []
    told = joined_emergency(engine, joined("我個仔食咗花生 嘴唇腫晒", "成身起晒紅點 好痕", "而家仲有啲喘 聲都沙埋"))
    assert [hit.id for hit in told] == ["food_allergen_lip_swelling_wheeze"]
