"""Every journey through the front door, end to end: `/api/v1/chat` → red-flag
rules → the real Rasa model → the real action server → the v1 API → the
database, on a freshly seeded demo hospital. Nothing is faked here."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from services.booking.calendar import local_today
from tests.e2e.pii_check import Stores, personal_data_left, stores_of
from tests.e2e.stack import Stack

pytestmark = pytest.mark.rasa


def said(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for m in messages for b in m["buttons"]]


def next_day_with_slots(stack: Stack, department: str) -> date:
    """The seed opens clinics on working days only, so "明天" may be a Sunday."""
    for ahead in range(1, 14):
        day = local_today() + timedelta(days=ahead)
        found = stack.api("GET", f"/api/v1/slots?department={department}&date={day.isoformat()}")
        if found.status_code == 200 and found.json():
            return day
    raise AssertionError(f"the seeded hospital has no {department} slots in the next two weeks")


def test_booking_from_department_to_paid_confirmation(stack: Stack) -> None:
    sender = "e2e-booking"
    day = next_day_with_slots(stack, "cardiology")
    assert "哪一天" in said(stack.chat(sender, "我想挂心内科"))
    slots = stack.chat(sender, f"{day.month}月{day.day}号")
    assert "心血管内科" in said(slots) and buttons(slots)[0]["title"].startswith("1 ")
    assert "姓名" in said(stack.chat(sender, "1"))  # a new chat account has no patient yet
    assert "身份证" in said(stack.chat(sender, "赵建华"))
    assert "手机" in said(stack.chat(sender, "11010519491231002X"))
    read_back = said(stack.chat(sender, "13912345678"))  # read back before anything is written
    assert "赵建华" in read_back and "139****5678" in read_back and "11010519491231002X" not in read_back
    assert "验证码" in said(stack.chat(sender, "对"))  # the phone is proven before the record exists
    [code] = [m for m in stack.api("GET", "/api/v1/dev/outbox?to=13912345678").json() if m["kind"] == "otp"]
    held = stack.chat(sender, re.search(r"\d{6}", code["text"]).group(0))  # type: ignore[union-attr]
    assert "已为您保留号源" in said(held)
    [pay] = [b["url"] for b in buttons(held) if b["title"] == "去支付"]  # a link button: the pay page
    page = requests.get(pay, timeout=10)
    assert page.status_code == 200 and "确认支付" in page.text  # the console way, in development and test
    assert requests.post(f"{pay}/console", timeout=10).json()["outcome"] == "confirmed"
    assert requests.get(f"{pay}/status", timeout=10).json()["state"] == "paid"
    # The confirmation goes to the chat it was booked from, once: the page's poll shows it.
    poll = f"{stack.app_url}/api/v1/chat/pending"
    notices = stack.browsers[sender].get(poll, params={"sender": sender}, timeout=10).json()["messages"]
    assert [m["kind"] for m in notices] == ["notice"] and "预约成功" in notices[0]["text"]
    assert stack.browsers[sender].get(poll, params={"sender": sender}, timeout=10).json()["messages"] == []


def test_self_triage_asks_what_it_needs_and_names_a_department(stack: Stack) -> None:
    assert "多大" in said(stack.chat("e2e-triage", "孩子发烧两天了"))
    answer = stack.chat("e2e-triage", "3岁")
    assert "儿科" in said(answer)
    assert any(b["payload"] == "/affirm" for b in buttons(answer))  # offers to book it


def test_a_booking_with_a_complaint_and_no_department_goes_to_triage(stack: Stack) -> None:
    """ "孩子咳嗽，想挂个号": the booking form would ask which department; triage asks what
    it needs, names the department and offers to book it (services/conversation/symptom_routing.py)."""
    first = said(stack.chat("e2e-book-complaint", "孩子咳嗽，想挂个号"))
    assert "哪个科" not in first and "科室" not in first, first
    answer = said(stack.chat("e2e-book-complaint", "5岁")) if "多大" in first else first
    for reply in ("两天了", "没有", "不知道"):
        if "儿科" in answer:
            break
        answer = said(stack.chat("e2e-book-complaint", reply))
    assert "儿科" in answer, answer


def test_a_booking_that_names_its_department_books(stack: Stack) -> None:
    answer = said(stack.chat("e2e-book-named", "我头疼，想挂神经内科"))
    assert "哪一天" in answer, answer  # the booking form's next question: the date


def test_a_red_flag_gets_120_before_anything_else(stack: Stack) -> None:
    answer = said(stack.chat("e2e-redflag", "我爸突然说话不清楚，半边身子没力气"))
    assert "120" in answer and "急诊" in answer


def test_results_only_after_the_sms_code(stack: Stack) -> None:
    sender = "demo"  # the seeded web account of 张建国 and his grandson
    choose = stack.chat(sender, "查报告")
    assert any("张*国" in b["title"] for b in buttons(choose))  # masked: the account holds two patients
    assert "张建国" not in said(choose) + " ".join(b["title"] for b in buttons(choose))
    assert "手机号" in said(stack.chat(sender, "1"))
    assert "验证码" in said(stack.chat(sender, "13800138001"))
    [otp] = [m for m in stack.api("GET", "/api/v1/dev/outbox?to=13800138001").json() if m["kind"] == "otp"]
    wrong = said(stack.chat(sender, "000000" if "000000" not in otp["text"] else "111111"))
    assert "白细胞" not in wrong
    code = re.search(r"\d{6}", otp["text"])
    assert code is not None
    results = said(stack.chat(sender, code.group()))
    assert "血常规" in results and "偏高" in results and "白细胞计数" in results
    assert "医生" in results  # no interpretation beyond safe, general advice


def test_a_refill_starts_only_from_an_earlier_offline_prescription(stack: Stack) -> None:
    sender = "demo"
    assert "就诊人" in said(stack.chat(sender, "我想开降压药"))
    # his one renewable prescription (an earlier offline visit's) is named at once: "开过吗?"
    # is asked only when nothing is on file, and there is no choice to make
    prescriptions = stack.chat(sender, "1")
    assert "苯磺酸氨氯地平片" in said(prescriptions) + " ".join(b["title"] for b in buttons(prescriptions))
    assert "医生" in said(prescriptions)  # then: anything to ask the doctor?


def test_faq_hand_off_and_out_of_scope(stack: Stack) -> None:
    assert "停车" in said(stack.chat("e2e-faq", "医院能停车吗"))
    assert "人工" in said(stack.chat("e2e-faq", "我要转人工"))
    # The action opened a ticket in the staff inbox: the bot now waits for a person.
    assert "已转人工" in said(stack.chat("e2e-faq", "还在吗"))
    lost = stack.chat("e2e-faq2", "帮我订个外卖")
    assert buttons(lost), "an out-of-scope message gets the menu, not a dead end"


def test_an_sms_patient_is_answered_and_rasa_knows_them_only_by_a_pseudonym(stack: Stack) -> None:
    """By SMS the sender is the patient's phone number: Rasa's tracker (sender_id, events)
    must never have it, yet the action server still finds the chat account (through the
    pseudonym, by the v1 API) and asks for the patient's details."""
    phone, day = "+8613712345670", next_day_with_slots(stack, "cardiology")
    assert "哪一天" in stack.sms(phone, "我想挂心内科")
    assert "心血管内科" in stack.sms(phone, f"{day.month}月{day.day}号")
    assert "姓名" in stack.sms(phone, "1")  # a new SMS account has no patient yet: asked by pseudonym
    tracker = sqlite3.connect(stack.tracker_url.removeprefix("sqlite:///"))
    try:
        senders = {row[0] for row in tracker.execute("SELECT DISTINCT sender_id FROM events")}
        data = [row[0] for row in tracker.execute("SELECT data FROM events")]
    finally:
        tracker.close()
    assert senders and all(re.fullmatch(r"c_[0-9a-f]{32}", s) for s in senders), senders
    assert not any("13712345670" in d or "channel_user_id" in d for d in data)


# --- after every journey above (pytest keeps a module's order) -------------------------------
def stack_stores(stack: Stack) -> Stores:
    assert stack.directory is not None
    return stores_of(stack.directory, stack.database_url, stack.tracker_url, stack.broker_url)


def test_no_plaintext_id_number_or_phone_is_left_anywhere_after_the_journeys(stack: Stack) -> None:
    """`make pii-scan` after the journeys (issue 11.5): the app's database, Rasa's tracker store,
    the broker and every process's log hold no plaintext ID number or phone."""
    assert personal_data_left(stack_stores(stack)) == []
    # The scan read what Rasa really kept: the patients' numbers, as placeholders.
    tracker = sqlite3.connect(stack.tracker_url.removeprefix("sqlite:///"))
    try:
        said = [json.loads(row[0]).get("text") or "" for row in tracker.execute(
            "SELECT data FROM events WHERE type_name = 'user'"
        )]  # fmt: skip
    finally:
        tracker.close()
    assert any(text.startswith("[身份证#") for text in said) and any(text.startswith("[手机#") for text in said)
    assert any(text.startswith("[验证码#") for text in said)


def test_the_scan_finds_a_number_planted_in_any_of_those_places(stack: Stack, tmp_path: Path) -> None:
    """The check above can fail: a phone or ID number planted in a copy of each store is found."""
    stores = stack_stores(stack)
    database, tracker = tmp_path / "hospital.sqlite3", tmp_path / "tracker.db"
    for source, copy in ((stores.database_url, database), (stores.tracker_url, tracker)):
        with sqlite3.connect(source.removeprefix("sqlite:///")) as live, sqlite3.connect(copy) as target:
            live.backup(target)  # through the WAL: what the processes wrote and read back
    for log in stores.logs:
        shutil.copyfile(log, tmp_path / log.name)
    broker = tmp_path / "broker.sqlite3"
    with sqlite3.connect(database) as conn:
        first = "(SELECT MIN(id) FROM inbound_messages)"
        planted = conn.execute(f"UPDATE inbound_messages SET text_enc = '我的手机13912345678' WHERE id = {first}")
        assert planted.rowcount == 1
        # an SMS chat account kept by its phone, as channel_identities did before migration 0021
        newest = "(SELECT MAX(id) FROM channel_identities)"
        planted = conn.execute(f"UPDATE channel_identities SET external_enc = '+8613912345678' WHERE id = {newest}")
        assert planted.rowcount == 1
    with sqlite3.connect(tracker) as conn:
        user = json.dumps({"event": "user", "text": "身份证11010519491231002X"}, ensure_ascii=False)
        planted = conn.execute("UPDATE events SET data = ? WHERE id = (SELECT MIN(id) FROM events)", (user,))
        assert planted.rowcount == 1
        # an SMS conversation named by its phone, as Rasa's sender id was before pseudonyms
        planted = conn.execute(
            "UPDATE events SET sender_id = 'sms:+8613912345678' WHERE id = (SELECT MAX(id) FROM events)"
        )
        assert planted.rowcount == 1
    with sqlite3.connect(broker) as conn:
        body = base64.b64encode(json.dumps([["13912345678"], {}, {}]).encode()).decode()
        conn.execute("CREATE TABLE kombu_message (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        conn.execute("INSERT INTO kombu_message (payload) VALUES (?)", (json.dumps({"body": body}),))
    with (tmp_path / "rasa.log").open("a", encoding="utf-8") as log:
        log.write("user said 13912345678\n")
    planted = Stores(f"sqlite:///{database}", f"sqlite:///{tracker}", f"sqla+sqlite:///{broker}",
                     tuple(sorted(tmp_path.glob("*.log"))))  # fmt: skip
    found = personal_data_left(planted)
    assert "database inbound_messages.text_enc: 1 plaintext phone" in found
    assert "database channel_identities.external_enc: 1 plaintext phone" in found
    assert "tracker events.data: 1 plaintext id_number" in found
    assert "tracker events.sender_id: 1 plaintext phone" in found
    assert "broker kombu_message.payload: 1 plaintext phone" in found
    assert f"logs {tmp_path / 'rasa.log'}: 1 plaintext phone" in found
    assert len(found) == 6  # nothing else: the copies were clean before
