"""`POST /api/v1/handoffs`: the action server hands a conversation to a person
(the patient asked for one, or chose one when offered). The answer says when
someone will answer, so the bot can tell the patient. The bot is paused for that patient until staff
hand it back in the console."""

from __future__ import annotations

from typing import Literal

from flask import Response, jsonify
from pydantic import Field

from services.conversation import handoff, handoff_choice
from web.api import body, bp, service_context
from web.api.schemas import Strict


class HandoffIn(Strict):
    conversation_id: str = Field(min_length=3, max_length=200, pattern=r"^(web|wechat|alipay|sms):[^\s]+$")
    reason: Literal["asked_for_human", "bot_gave_up"] = "asked_for_human"


@bp.post("/handoffs")
def create_handoff() -> tuple[Response, int]:
    data = body(HandoffIn)
    ticket_id, created = handoff.open_ticket(service_context(), data.conversation_id, data.reason)
    # answer_when: what the bot tells the patient about the wait (the staff rota, or outside it what to do)
    answer_when = handoff_choice.when_answered(service_context())
    return jsonify({"id": ticket_id, "status": "open", "created": created, "answer_when": answer_when}), (
        201 if created else 200
    )
