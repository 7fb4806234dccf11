"""The console's triage page: a clinician enters a text and reads the level, departments,
red flags, the reasons (rule ids, cited sources, findings, the learned layer's
probability) and the questions; bad input gets a 400 in Chinese; support staff and
anonymous visitors are kept out. (The fixture: tests/integration/conftest.py.)"""

from __future__ import annotations

import re

from tests.console_helpers import post
from tests.integration.conftest import Teaching


def test_a_clinician_sees_why_an_emergency_is_an_emergency(teaching: Teaching) -> None:
    drli = teaching.client("drli")
    assert "试一试分诊" in drli.get("/console/triage/try").get_data(as_text=True)
    page = post(drli, "/console/triage/try", text="我爸胸口压着疼，一身冷汗，左胳膊发麻", age="68").get_data(
        as_text=True
    )
    assert 'data-level="emergency"' in page and "急诊（立即拨打120）" in page
    assert re.search(r'id="red-flags">[^<]*chest_pain', page)
    reasons = page.split('id="reasons"', 1)[1]
    assert 'data-rule="learned_level"' in reasons and "P(emergency)=" in reasons
    assert "中国急诊预检分诊专家共识" in reasons  # each rule cites its source
    assert "拨打120" in page.split('id="advice"', 1)[1]


def test_a_routine_text_shows_the_questions_still_worth_asking(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    page = post(editor, "/console/triage/try", text="胸口疼").get_data(as_text=True)
    assert 'data-level="urgent"' in page
    assert '<ul id="questions">' in page and "data-question=" in page
    assert "消息太短" in page  # the learned layer says it left a three-character text to the rules


def test_bad_input_is_a_400_in_chinese_and_strangers_are_kept_out(teaching: Teaching) -> None:
    drli = teaching.client("drli")
    empty = post(drli, "/console/triage/try", text="  ")
    assert empty.status_code == 400 and "请输入一段症状描述" in empty.get_data(as_text=True)
    odd_age = post(drli, "/console/triage/try", text="头疼", age="七十")
    assert odd_age.status_code == 400 and "年龄请填写数字" in odd_age.get_data(as_text=True)
    assert teaching.client("kefu").get("/console/triage/try").status_code == 403
    anonymous = teaching.app.test_client().get("/console/triage/try")
    assert anonymous.status_code == 302 and "/console/login" in anonymous.headers["Location"]
