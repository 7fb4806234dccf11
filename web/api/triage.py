"""`POST /api/v1/triage`: the same engine the bot's triage action uses.

The answer carries ``reasons`` (the rules and findings that decided it) and
``questions`` (what would change it); a follow-up request sends the same text
with ``answers`` (question id → option value) and is assessed again. On a day
without clinics an urgent answer names what is open today (services/clinical/open_today.py).
"""

from __future__ import annotations

from flask import Response, jsonify, request

from services.booking.calendar import local_today
from services.clinical.open_today import urgent_place
from services.clinical.triage import TriageInput, UnknownAnswer, default_engine
from services.errors import InvalidInput
from web.api import bp, service_context

_FIELDS = {"text", "age", "sex", "pregnant", "answers"}


@bp.post("/triage")
def triage() -> Response:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请以JSON对象格式提交")
    unknown = set(data) - _FIELDS
    if unknown:
        raise InvalidInput(f"不认识的字段：{'、'.join(sorted(unknown))}")
    if not str(data.get("text", "")).strip():
        raise InvalidInput("请描述一下哪里不舒服（症状描述）", field="text")
    if isinstance(data.get("age"), bool):  # JSON true is not 1 year old
        raise InvalidInput("年龄请填写数字", field="age")
    answers = data.get("answers", {})
    if not isinstance(answers, dict) or not all(isinstance(v, str) for v in answers.values()):
        raise InvalidInput("answers 应为 {问题编号: 选项} 的对象", field="answers")
    try:
        result = default_engine().assess(TriageInput.model_validate(data))
    except UnknownAnswer as exc:
        raise InvalidInput(str(exc), field="answers") from exc
    answer = result.model_dump(mode="json")
    # On a weekend or holiday an urgent patient is sent where it is open today.
    place = urgent_place(result.level.value, str(data["text"]), local_today(), service_context().settings)
    if place is not None:
        answer["advice"] = place.advice
        answer["departments"] = [place.department, *(d for d in answer["departments"] if d != place.department)]
    return jsonify(answer)
