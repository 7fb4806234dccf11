"""The hospital's v1 service API (DESIGN.md). Thin: parse, call a service, present."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, abort, request
from pydantic import BaseModel

from services.context import ServiceContext
from services.conversation import placeholders, pseudonyms
from services.errors import InvalidInput
from web.auth import require_service_token
from web.context import current_flask, current_g, current_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = {"api.chat", "api.chat_pending", "api.chat_history"}
Model = TypeVar("Model", bound=BaseModel)
CONVERSATION_HEADER = "X-Conversation-ID"  # the bot's conversation: where its placeholders open


@bp.before_request
def _authenticate() -> None:
    """Every route here needs the service token except the public web chat."""
    if current_request().endpoint not in PUBLIC_ENDPOINTS:
        require_service_token()


@bp.after_request
def _no_store(response: Any) -> Any:
    # Every answer here may carry patient data; no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


def service_context() -> ServiceContext:
    """The context acting as the API, built once per request (a view asks for it several times)."""
    request_globals = current_g()
    ctx: ServiceContext | None = request_globals.get("api_context")
    if ctx is None:
        # One copy of the app's context, not two (`web.context.service_context` would copy it
        # for the request id, then `acting_as` again): the same actor and request id.
        base: ServiceContext = current_flask().extensions["hospital"]
        ctx = request_globals.api_context = base.acting_as("service:api", request_globals.get("request_id"))
    return ctx


def body(model: type[Model]) -> Model:
    limit = current_flask().config["MAX_CONTENT_LENGTH"]
    in_hand = current_request()
    if in_hand.content_length is not None and in_hand.content_length > limit:
        abort(413)
    data = in_hand.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("请以JSON对象格式提交")
    # The bot passes placeholders for ID numbers, phones and codes; they open only in the
    # conversation they were typed in (services/conversation/placeholders.py).
    # The bot names its conversation and chat account by a pseudonym (Rasa never has the
    # platform's id): mapped back here, before anything reads them.
    data = pseudonyms.resolved(service_context(), data)
    conversation = conversation_header() or data.get("conversation_id")
    data = placeholders.resolve_fields(service_context(), data, conversation if isinstance(conversation, str) else None)
    return model.model_validate(data)


def query(model: type[Model]) -> Model:
    return model.model_validate(pseudonyms.resolved(service_context(), request.args.to_dict()))


def conversation_header() -> str | None:
    """The bot's conversation (X-Conversation-ID), its pseudonym mapped back to `channel:sender`."""
    named = current_request().headers.get(CONVERSATION_HEADER, "")[:200]
    return pseudonyms.conversation_of(service_context(), named) if named else None


from web.api import appointments, catalogue, chat, dev, handoffs, otp, patients, refills, results, triage  # noqa: E402,F401  (routes register on import)
