"""A denial is not a red flag (issue 13, blind conversation C23): "沒有想傷害自己" said to
reassure was read as suicide risk and sent a patient with two months of poor sleep to the
emergency department. The wish itself, however phrased, still is one."""

from __future__ import annotations

import pytest

from services.clinical.triage.engine import default_engine


@pytest.mark.parametrize("text", ["沒有想傷害自己", "没有想伤害自己", "没有想过自杀", "失眠两个月，没有想伤害自己"])
def test_a_denied_wish_to_self_harm_is_no_red_flag(text: str) -> None:
    assert "suicide_risk" not in [hit.id for hit in default_engine().red_flags(text)]


@pytest.mark.parametrize(
    "text", ["想伤害自己", "不想活了", "我想自杀", "老是想伤害自己，没有办法", "没有人管我，想伤害自己"]
)
def test_the_wish_itself_still_is(text: str) -> None:
    assert "suicide_risk" in [hit.id for hit in default_engine().red_flags(text)]
