"""Every place is reachable (issue 13): mornings and afternoons on the first page,
"更多" pages on, "下午", "李医生" and "专家号" narrow the list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionAskSlotId, ValidateBookingForm
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

DAY = (today_in_shanghai() + timedelta(days=1)).isoformat()


def place(sid: str, hour: int, minute: int, name: str, title: str) -> dict[str, Any]:
    return {
        "id": sid,
        "department": "cardiology",
        "doctor": {"id": name, "name": name, "title": title},
        "date": DAY,
        "start": f"{DAY}T{hour:02d}:{minute:02d}:00+08:00",
        "fee_fen": 5000 if title == "主任医师" else 1500,
        "remaining": 2,
    }


def stock(hospital: FakeHospital) -> None:
    mornings = [place(f"m{i}", 8 + i // 2, 30 * (i % 2), "张伟", "主治医师") for i in range(8)]
    afternoons = [place(f"a{i}", 14 + i // 2, 30 * (i % 2), "李娜", "主任医师") for i in range(6)]
    hospital.slots[f"cardiology|{DAY}"] = mornings + afternoons


async def ask(domain: dict[str, Any], view: Any = None) -> tuple[list[str], list[dict[str, str]], Any]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"department": "cardiology", "date": DAY, "slot_list_view": view})
    events = await ActionAskSlotId().run(dispatcher, tracker, domain)
    buttons = dispatcher.messages[0]["buttons"]
    return slot_events(events)["offered_choices"], buttons, slot_events(events)["slot_list_view"]


async def steer(domain: dict[str, Any], text: str, view: Any, value: str | None = None) -> Any:
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY, "slot_list_view": view, "requested_slot": "slot_id"},
        text=text,
        active_loop="booking_form",
    )
    result = await ValidateBookingForm().validate_slot_id(value or text, CollectingDispatcher(), tracker, domain)
    assert result["slot_id"] is None
    return result["slot_list_view"]


async def test_the_first_page_has_afternoons_and_more_pages_on(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    first, buttons, view = await ask(domain)
    assert first == ["m0", "m1", "m2", "m3", "a0", "a1", "a2", "a3"]
    assert buttons[-1]["title"] == "更多时段" and buttons[-1]["payload"] == '/inform{"slot_id": "more"}'
    assert buttons[0]["title"].startswith("1 ")
    more = await steer(domain, "更多时段", view, value="more")
    second, buttons, _ = await ask(domain, more)
    assert second == ["m4", "m5", "m6", "m7", "a4", "a5"] and buttons[-1]["title"] != "更多时段"
    typed = await steer(domain, "还有别的吗", view)
    assert typed["page"] == 1


async def test_words_filter_the_list(hospital: FakeHospital, domain: dict) -> None:
    stock(hospital)
    _, _, view = await ask(domain)
    afternoon, _, _ = await ask(domain, await steer(domain, "有没有下午的", view))
    assert afternoon == ["a0", "a1", "a2", "a3", "a4", "a5"]
    doctor_li, _, _ = await ask(domain, await steer(domain, "要李医生的", view))
    assert doctor_li == afternoon
    experts, _, _ = await ask(domain, await steer(domain, "专家号", view))
    assert experts == afternoon
