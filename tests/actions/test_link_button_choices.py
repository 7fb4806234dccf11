"""A link button (去支付) is opened, never chosen: typed numbers count only the choices."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.general import ActionMenuChoice, last_buttons
from tests.actions.helpers import make_tracker

PAY = "http://hospital.local/p/abc0000000000"


def _shown(buttons: list[dict[str, str]]) -> list[dict[str, object]]:
    return [{"event": "bot", "text": "已为您保留号源", "data": {"buttons": buttons}, "metadata": {}}]


async def test_a_typed_one_picks_the_first_choice_not_the_pay_link(domain: dict) -> None:
    shown = _shown([{"title": "去支付", "url": PAY}, {"title": "1 取消预约", "payload": "/cancel_appointment"}])
    tracker = make_tracker(text="1", events=shown)
    assert [b["payload"] for b in last_buttons(tracker)[0]] == ["/cancel_appointment"]
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert {"event": "followup", "name": "cancel_form"}.items() <= events[-1].items()


async def test_a_url_payload_from_an_older_model_is_not_a_choice(domain: dict) -> None:
    tracker = make_tracker(text="1", events=_shown([{"title": "去支付", "payload": PAY}]))
    assert last_buttons(tracker) == ([], "")
