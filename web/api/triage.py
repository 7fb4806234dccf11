"""`POST /api/v1/triage`: the same engine the bot's triage action uses."""

from __future__ import annotations

from flask import Response, jsonify, request

from services.clinical.triage import TriageInput, default_engine
from services.errors import InvalidInput
from web.api import bp


@bp.post("/triage")
def triage() -> Response:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请以JSON对象格式提交")
    unknown = set(data) - {"text", "age", "sex", "pregnant"}
    if unknown:
        raise InvalidInput(f"不认识的字段：{'、'.join(sorted(unknown))}")
    if not str(data.get("text", "")).strip():
        raise InvalidInput("请描述一下哪里不舒服（症状描述）", field="text")
    result = default_engine().assess(TriageInput.model_validate(data))
    return jsonify(result.model_dump(mode="json"))
