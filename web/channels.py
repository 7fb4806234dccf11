"""Platform webhooks: `/channels/wechat`, `/channels/alipay`, `/channels/sms`, one route shape.

Every platform's webhook runs the same view: verify -> parse -> limit -> service
-> render. The platform's parts come from its `Channel` (integrations/channels/,
built from the settings by the registry); what a message gets (dropped, "please
type", an SMS opt-out or a reminder's answer, the bot's turn) is decided by
`services.conversation.inbound`. The channel's `reply_mode` says how the answer
goes back:

- `PASSIVE` (WeChat waits 5 s, then retries): the answer is awaited for a budget
  of ~4 s and sent as the passive reply; past the budget WeChat gets `success` at
  once and the answer goes later as a customer-service message (Celery task).
- `PUSH` (Alipay's service window): acknowledged at once with a signed XML ack;
  the answer always goes by an async custom send (Celery task).
- `INLINE` (Twilio waits up to 15 s for TwiML): the answer is the response.

A request that fails verification, is stale, oversized or malformed gets a 4xx
and changes nothing. A platform's retry of a message already kept gets the
acknowledgement it expects (200) and is not handled again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from limits import parse as parse_limit
from redis.exceptions import RedisError

from integrations.channels.base import Channel, ChannelError, ChannelMessage, ChannelRequest, HttpReply, ReplyMode
from integrations.channels.registry import CHANNELS, build_channels
from integrations.rasa.client import BotMessage
from services.clinical.triage import default_engine
from services.clinical.triage.edge import emergency_hits
from services.context import ServiceContext
from services.conversation import inbound as front
from services.conversation.turns import DuplicateDelivery, InboundMessage
from web.context import service_context
from web.errors import error_response
from web.extensions import limiter

log = logging.getLogger(__name__)
bp = Blueprint("channels", __name__, url_prefix="/channels")


def _settings() -> Any:
    return current_app.config["SETTINGS"]


def _ip_limit() -> str:
    return str(_settings().rate_limit_channel_per_ip)


# A forged or stale (replayed) request is forbidden; one that is not a message at all is bad.
REFUSAL_STATUS = {"bad_signature": 403, "stale": 403, "malformed": 400}


@bp.errorhandler(ChannelError)
def _refused(exc: ChannelError) -> tuple[Response, int]:
    log.warning("channel request refused", extra={"endpoint": request.endpoint, "reason": exc.code})
    return error_response(exc.code, "请求未通过校验", REFUSAL_STATUS.get(exc.code, 400))


# -- plumbing -----------------------------------------------------------------------------------
class ChannelWorkers:
    """Runs bot turns off the request thread, so a webhook can answer within its budget
    and let the turn finish afterwards."""

    def __init__(self, size: int = 8) -> None:
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="channel-turn")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.pool.submit(fn, *args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Tests and shutdown: wait until every started turn (and its follow-up) is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return
            time.sleep(0.02)
        raise TimeoutError("channel turns still running")


def init_app(app: Flask) -> None:
    """Build the configured channels (integrations/channels/registry.py); an unconfigured
    channel's route answers 404."""
    app.extensions["channels"] = build_channels(app.config["SETTINGS"])
    app.extensions["channel_workers"] = ChannelWorkers()


def _channel(name: str) -> Channel:
    channel: Channel | None = current_app.extensions.get("channels", {}).get(name)
    if channel is None:
        abort(404)
    return channel


def _channel_request(with_form: bool) -> ChannelRequest:
    settings = _settings()
    if request.content_length is not None and request.content_length > settings.channel_max_request_bytes:
        abort(413)
    body = request.get_data(cache=True)
    if len(body) > settings.channel_max_request_bytes:
        abort(413)
    query = request.query_string.decode("latin-1")
    url = settings.public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")
    return ChannelRequest(
        method=request.method,
        url=url,
        args=request.args.to_dict(),
        headers=dict(request.headers),
        body=body,
        form=request.form.to_dict() if with_form else {},
    )


def _limit_sender(channel: str, sender: str, text: str) -> None:
    """Per patient, after verification: a forger cannot spend a patient's allowance. A red
    flag passes whatever the count (the 120 advice is never rate limited), and with the
    limiter's store (Redis) down the message goes through rather than fail."""
    if emergency_hits(default_engine(), text):
        return
    item = parse_limit(_settings().rate_limit_channel_per_sender)
    try:
        allowed = limiter.limiter.hit(item, "hospital", "channel-sender", channel, sender)
    except (RedisError, OSError) as exc:
        log.warning("channel sender limit unavailable", extra={"reason": type(exc).__name__})
        return
    if not allowed:
        abort(429)


def _inbound(channel: str, message: ChannelMessage) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        sender=message.sender,
        text=message.text,
        metadata={k: v for k, v in message.metadata.items() if k in ("voice", "menu")},
        platform_msg_id=message.dedupe_key,
    )


def _respond(reply: HttpReply) -> Response:
    return Response(reply.body, status=reply.status, content_type=reply.content_type)


def _answer(ctx: ServiceContext, message: InboundMessage, kind: str) -> list[BotMessage]:
    return front.answer(ctx, ctx.require_dialogue(), default_engine(), message, kind)


def _push_when_done(ctx: ServiceContext, channel: Channel, message: ChannelMessage) -> Callable[..., None]:
    """After a turn that did not ride on the response: keep its answer and queue the push."""

    def finish(future: Future[list[BotMessage]]) -> None:
        error = future.exception()
        if isinstance(error, DuplicateDelivery):
            return  # the platform's retry of a message already handled
        if error is not None:
            log.error("channel turn failed", exc_info=error, extra={"channel": channel.name})
            return
        front.push_later(ctx, channel.name, message.sender, channel.push_text(future.result()))

    return finish


# -- the one route shape ------------------------------------------------------------------------
def receive(name: str) -> Response:
    """verify -> parse -> limit -> service -> render, for every platform."""
    channel = _channel(name)
    req = _channel_request(with_form=channel.reads_form)
    channel.verify(req)
    handshake = channel.handshake(req)
    if handshake is not None:
        return _respond(handshake)
    message = channel.parse(req)
    _limit_sender(name, message.sender, message.text)
    ctx = service_context().acting_as(f"channel:{request.endpoint}", g.get("request_id"))
    inbound = _inbound(name, message)
    if channel.reply_mode is ReplyMode.INLINE:
        try:
            return _respond(channel.render(message, _answer(ctx, inbound, message.kind)))
        except DuplicateDelivery:
            return _respond(channel.acknowledge(message))
    workers: ChannelWorkers = current_app.extensions["channel_workers"]
    future = workers.submit(_answer, ctx, inbound, message.kind)
    if channel.reply_mode is ReplyMode.PASSIVE:
        try:
            return _respond(channel.render(message, future.result(timeout=_settings().channel_reply_budget_seconds)))
        except DuplicateDelivery:
            return _respond(channel.acknowledge(message))
        except FutureTimeout:
            pass  # past the budget: acknowledged now, the answer follows as a push
    future.add_done_callback(_push_when_done(ctx, channel, message))
    return _respond(channel.acknowledge(message))


def _view(name: str) -> Callable[[], Response]:
    """The view for one channel: named after it, so its endpoint (`channels.<name>`), its
    route in the request metrics and its per-IP limit stay its own."""

    def view() -> Response:
        return receive(name)

    view.__name__ = view.__qualname__ = name
    return limiter.limit(_ip_limit)(view)


for _name, _cls in CHANNELS.items():
    bp.add_url_rule(f"/{_name}", endpoint=_name, view_func=_view(_name), methods=list(_cls.http_methods))
