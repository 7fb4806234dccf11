"""The blind-conversation runner's pure parts (scripts/conversation_blind.py): a wrong
placeholder or a tap on the wrong button would make the measured completion rate
say something about the runner instead of the bot."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import conversation_blind as cb

from shared_rules import id_checksum_ok


def test_placeholders_are_substituted_and_other_text_kept() -> None:
    values = {"ID_NUMBER": "11010519580312201X", "PHONE": "13900000001", "SMS_CODE": "123456",
              "TOMORROW_DATE": "12月7日"}  # fmt: skip
    assert cb.substitute("{TOMORROW_DATE}上午", values) == "12月7日上午"
    assert cb.substitute("{PHONE}", values) == "13900000001"
    assert cb.substitute("不知道处方号", values) == "不知道处方号"
    assert cb.placeholders("{SMS_CODE}") == {"SMS_CODE"}
    with pytest.raises(KeyError):
        cb.substitute("{SMS_CODE}", {"PHONE": "13900000001"})


def test_a_tap_takes_the_nth_button_of_the_last_message_that_offered_any() -> None:
    reply: list[dict[str, Any]] = [
        {"text": "请选择", "buttons": [{"title": "1 上午", "payload": "/a"}, {"title": "2 下午", "payload": "/b"}]},
        {"text": "已为您保留", "buttons": [{"title": "去支付", "payload": "http://127.0.0.1/pay/x"}]},
        {"text": "还有别的吗", "buttons": []},
    ]
    assert cb.tap_index("<tap:2>") == 2 and cb.tap_index("2") is None
    tap = cb.resolve_tap(1, reply)
    assert tap.is_link and tap.payload == "http://127.0.0.1/pay/x"
    assert cb.resolve_tap(2, reply[:1]) == cb.Tap(payload="/b", title="2 下午", is_link=False)
    with pytest.raises(cb.NoSuchButton):
        cb.resolve_tap(2, reply)
    with pytest.raises(cb.NoSuchButton):
        cb.resolve_tap(1, [{"text": "好的", "buttons": []}])


def test_made_up_identities_are_valid_and_masked() -> None:
    man = cb.make_id_number(date(1958, 3, 12), "M", 7)
    woman = cb.make_id_number(date(1990, 1, 2), "F", 7)
    assert id_checksum_ok(man) and id_checksum_ok(woman) and man != woman
    assert int(man[16]) % 2 == 1 and int(woman[16]) % 2 == 0
    masked = cb.mask(f"身份证{man} 手机{cb.make_phone(3)}")
    assert man not in masked and "13900000003" not in masked and "139****0003" in masked


def test_the_bot_s_last_triage_wording_is_the_level() -> None:
    assert cb.level_said(["建议您到门诊看一下，推荐科室：骨科。"]) == "routine"
    assert cb.level_said(["目前看情况不太严重，可以先在家观察休息。", "建议您24小时内尽快看医生"]) == "urgent"
    assert cb.level_said(["您哪里不舒服？"]) is None
    advice = "建议您到门诊看一下，推荐科室：全科医学科。如果有胸痛、喘不上气、说话不清等情况，请立即拨打120。"
    assert cb.level_said([advice]) == "routine"  # the advice's 120 is not an emergency level
    assert cb.level_said(["⚠️ 这可能很危险，请马上拨打120，或立刻去最近医院的急诊科！"]) == "emergency"
    assert cb.asks_for(["请输入短信里的6位验证码："]) == {"SMS_CODE"}


def test_a_hand_off_is_settled_by_whether_the_patient_left_the_queue() -> None:
    told = ["已转人工，请稍候。现在人工客服不在班，会在明天8:00上班后回复您。"]
    # left the queue (sets 1-3): every ticket closed
    assert cb.human_settled(["closed"], True, told)[0]
    assert not cb.human_settled(["open"], True, told)[0]
    # stayed (set 4's F54-F56): still waiting for staff, and told when someone answers
    assert cb.human_settled(["open"], False, told)[0]
    assert not cb.human_settled(["closed"], False, told)[0]  # a patient dropped is no success
    assert not cb.human_settled(["open"], False, ["已转人工，请稍候"])[0]  # never told when
    assert cb.human_settled([], False, told) == (False, "no hand-off ticket was opened")


def test_a_script_that_gives_up_on_the_person_is_read_as_leaving() -> None:
    assert cb.patient_left(["转人工", "等好久了", "算了，我明天自己去窗口"])
    assert cb.patient_left(["找客服", "唔使喇，我自己嚟"])
    assert not cb.patient_left(["我要人工", "人工！！", "我的电话是{PHONE}，叫人打给我"])


def test_a_rejected_appointment_and_the_one_wanted_are_both_read() -> None:
    """Set 6's H37: "不对 不是心内科那个 是眼科那个" assumes both appointments exist; the runner
    held only cardiology, which the son did not want cancelled."""
    from services.clinical.triage.routing import resolve_department

    turns = ["我妈住院了 她约的门诊帮她取消掉", "{PHONE}", "不对 不是心内科那个 是眼科那个", "对 眼科的取消"]
    assert cb.rejected_and_wanted(turns, resolve_department) == ("cardiology", "ophthalmology")
    assert cb.rejected_and_wanted(["不是皮肤科的，是骨科的号"], resolve_department) == ("dermatology", "orthopedics")
    assert cb.rejected_and_wanted(["我要取消预约 不是今天是明天"], resolve_department) is None
    assert cb.rejected_and_wanted(["就是那个骨科的"], resolve_department) is None


@pytest.mark.parametrize(
    ("turns", "ahead"),
    [
        (["孩子病好了 后天儿科那个号给我退了吧 别扣我钱啊", "不对 不是后天 是下周三那个", "{PHONE}"], None),  # J33
        (["我挂错科了 那个号能退吗", "就是后天的皮肤科 我其实应该看过敏的", "{PHONE}"], 2),  # J13
        (["我要取消预约 不是今天是明天"], 1),
        (["帮我把明天那个号退了", "{SMS_CODE}"], 1),
        (["我挂的号是几点来着 忘了", "{PHONE}"], None),
    ],
)
def test_the_day_a_cancel_script_means(turns: list[str], ahead: int | None) -> None:
    """The runner holds the script's appointment on the day it names, the corrected one
    when a day is taken back (set 8's J13 and J33 met an appointment on another day)."""
    from datetime import timedelta

    from actions.dates import resolve

    monday = date(2026, 12, 7)
    found = cb.day_meant(turns, lambda text: resolve(text, monday))
    if turns[0].startswith("孩子病好了"):
        assert found == date(2026, 12, 16)  # 下周三, not 后天
    else:
        assert found == (monday + timedelta(days=ahead) if ahead is not None else None)


READ_BACK = "请核对一下就诊人信息：\n姓名：王子轩\n身份证号：已填写\n手机号：139****0001\n都对吗？有写错的直接告诉我。"


def test_the_read_back_of_the_patients_own_phone_is_to_be_confirmed() -> None:
    assert cb.asks_to_confirm([READ_BACK], "13900000001")


@pytest.mark.parametrize(
    ("texts", "phone"),
    [
        ([READ_BACK], "13900000002"),  # someone else's phone shown: the patient would correct it
        (["请输入手机号（11位），我们会把通知发到这个号码："], "13900000001"),  # a form question, not the read-back
        (["姓名：王子轩\n手机号：139****0001"], "13900000001"),  # details without the question
    ],
)
def test_anything_else_is_not_confirmed_for_the_patient(texts: list[str], phone: str) -> None:
    assert not cb.asks_to_confirm(texts, phone)


def test_a_goals_title_class_matches_the_titles_it_covers() -> None:
    """专家号 is a chief or associate chief physician, 普通号 an attending; Chinese titles match exactly."""
    assert cb.title_matches("主任医师", "expert") and cb.title_matches("副主任医师", "expert")
    assert not cb.title_matches("主治医师", "expert")
    assert cb.title_matches("主治医师", "ordinary") and not cb.title_matches("主任医师", "ordinary")
    assert cb.title_matches("副主任医师", "副主任医师") and not cb.title_matches("主任医师", "副主任医师")
