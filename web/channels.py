"""Platform webhooks: `/channels/wechat`, `/channels/alipay`, `/channels/sms`.

Each verifies the platform's signature, drops the platform's retries, and
hands the normalised message to `services.conversation`. The platforms differ
in how an answer goes back:

- WeChat waits 5 s, then retries. The answer is awaited for a budget of ~4 s
  and sent as the passive reply; past the budget WeChat gets `success` at once
  and the answer goes later as a customer-service message (Celery task).
- Alipay's gateway is acknowledged at once with a signed XML ack; the answer
  always goes by an async custom send (Celery task).
- Twilio waits up to 15 s for TwiML, so SMS answers in the response itself.

A request that fails verification, is stale, oversized or malformed gets a 4xx
and changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from limits import parse as parse_limit
from redis.exceptions import RedisError

from integrations.channels.alipay import SERVICE_CHECK, AlipayChannel
from integrations.channels.base import ChannelError, ChannelMessage, ChannelRequest
from integrations.channels.sms import SmsChannel, twiml
from integrations.channels.wechat import WeChatChannel
from integrations.messaging import DeliveryFailed
from integrations.rasa.client import BotMessage
from integrations.sms.base import normalise_number
from services.clinical.triage import default_engine
from services.context import ServiceContext
from services.conversation import channel_state as channel_store
from services.conversation import turns as conversation
from services.conversation.turns import DuplicateDelivery, InboundMessage
from services.notifications import reminders
from web.errors import error_response
from web.extensions import limiter

log = logging.getLogger(__name__)
bp = Blueprint("channels", __name__, url_prefix="/channels")

PLEASE_TYPE = "抱歉，我暂时只能看懂文字。请直接打字告诉我您想办什么，比如“预约挂号”或“头疼三天了”。"
SMS_STOPPED = "您已退订本院短信通知，之后不会再收到短信。如需恢复，请回复START。"
SMS_STARTED = "您已恢复接收本院短信通知。回复STOP或退订可随时取消。"
WECHAT_TASK = "channels.deliver_wechat_answer"
ALIPAY_TASK = "channels.send_alipay_answer"
Dispatch = Callable[[str, int], None]


def _settings() -> Any:
    return current_app.config["SETTINGS"]


def _ip_limit() -> str:
    return str(_settings().rate_limit_channel_per_ip)


@bp.errorhandler(ChannelError)
def _refused(exc: ChannelError) -> tuple[Response, int]:
    log.warning("channel request refused", extra={"endpoint": request.endpoint, "reason": exc.code})
    return error_response(exc.code, "请求未通过校验", exc.status)


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
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return
            time.sleep(0.02)
        raise TimeoutError("channel turns still running")


def init_app(app: Flask) -> None:
    """Build the configured channels; an unconfigured channel's route answers 404."""
    settings = app.config["SETTINGS"]
    built: dict[str, Any] = {}
    window = settings.channel_timestamp_window_seconds
    if settings.wechat_token:
        built["wechat"] = WeChatChannel(
            settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id, window
        )
    if settings.alipay_app_private_key and settings.alipay_public_key:
        built["alipay"] = AlipayChannel(
            settings.alipay_app_id, settings.alipay_app_private_key, settings.alipay_public_key, window
        )
    if settings.twilio_auth_token:
        built["sms"] = SmsChannel(settings.twilio_auth_token)
    app.extensions["channels"] = built
    app.extensions["channel_workers"] = ChannelWorkers()


def _channel(name: str) -> Any:
    channel = current_app.extensions.get("channels", {}).get(name)
    if channel is None:
        abort(404)
    return channel


def _channel_request(with_form: bool = False) -> ChannelRequest:
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
        # Twilio posts UTF-8 forms; Alipay's (GBK or UTF-8) are decoded by the channel from raw bytes.
        form=request.form.to_dict() if with_form else {},
    )


def _limit_sender(channel: str, sender: str, text: str) -> None:
    """Per patient, after verification: a forger cannot spend a patient's allowance. A red
    flag passes whatever the count (the 120 advice is never rate limited), and with the
    limiter's store (Redis) down the message goes through rather than fail."""
    if default_engine().red_flags(text):
        return
    item = parse_limit(_settings().rate_limit_channel_per_sender)
    try:
        allowed = limiter.limiter.hit(item, "hospital", "channel-sender", channel, sender)
    except (RedisError, OSError) as exc:
        log.warning("channel sender limit unavailable", extra={"reason": type(exc).__name__})
        return
    if not allowed:
        abort(429)


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as(f"channel:{request.endpoint}")


def _inbound(channel: str, message: ChannelMessage) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        sender=message.sender,
        text=message.text,
        metadata={k: v for k, v in message.metadata.items() if k in ("voice", "menu")},
        platform_msg_id=message.dedupe_key,
    )


def _turn(app: Flask, inbound: InboundMessage) -> list[BotMessage]:
    ctx: ServiceContext = app.extensions["hospital"]
    return conversation.handle_message(ctx, ctx.require_dialogue(), default_engine(), inbound)


def _dispatch(app: Flask, task_name: str, reply_id: int) -> None:
    ctx: ServiceContext = app.extensions["hospital"]
    ctx.tasks.send(task_name, reply_id)


def _push_later(app: Flask, channel: str, task_name: str, recipient: str, text: str) -> None:
    """Keep the answer, then let a task push it; a broker outage leaves the row pending, not lost."""
    if not text:
        return
    reply_id = channel_store.save_pending_reply(app.extensions["hospital"], channel, recipient, text)
    try:
        _dispatch(app, task_name, reply_id)
    except Exception:  # a broker outage must not crash the turn; the row is kept
        log.exception("could not queue the channel reply", extra={"reply_id": reply_id, "channel": channel})


def _after_turn(app: Flask, channel: str, task_name: str, message: ChannelMessage, limit: int) -> Callable[..., None]:
    def finish(future: Future[list[BotMessage]]) -> None:
        error = future.exception()
        if isinstance(error, DuplicateDelivery):
            return  # the platform's retry of a message already handled
        if error is not None:
            log.error("channel turn failed", exc_info=error, extra={"channel": channel})
            return
        text = app.extensions["channels"][channel].text_of(future.result())
        _push_later(app, channel, task_name, message.sender, text[:limit])

    return finish


def _too_long(message: ChannelMessage) -> bool:
    return len(message.text) > conversation.MAX_MESSAGE_CHARS


# -- WeChat -------------------------------------------------------------------------------------
def _wechat_text(body: str) -> Response:
    xml = body.lstrip().startswith("<")
    return Response(body, mimetype="application/xml" if xml else "text/plain")


@bp.route("/wechat", methods=["GET", "POST"])
@limiter.limit(_ip_limit)
def wechat() -> Response:
    channel: WeChatChannel = _channel("wechat")
    req = _channel_request()
    if request.method == "GET":
        return Response(channel.verify_url(req), mimetype="text/plain")
    channel.verify(req)
    message = channel.parse(req)
    _limit_sender("wechat", message.sender, message.text)
    if message.kind == "ignore":
        return _wechat_text("success")
    if message.kind == "unsupported":
        return _wechat_text(channel.render(message, [BotMessage(PLEASE_TYPE)]))
    if _too_long(message):
        return _wechat_text(channel.render(message, [BotMessage(conversation.replies()["too_long"])]))

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    workers: ChannelWorkers = app.extensions["channel_workers"]
    future = workers.submit(_turn, app, _inbound("wechat", message))
    try:
        replies = future.result(timeout=_settings().channel_reply_budget_seconds)
    except DuplicateDelivery:
        return _wechat_text("success")
    except FutureTimeout:
        # Past the budget: WeChat gets `success` now; the answer follows as a customer-service message.
        future.add_done_callback(_after_turn(app, "wechat", WECHAT_TASK, message, 600))
        return _wechat_text("success")
    return _wechat_text(channel.render(message, replies))


# -- Alipay -------------------------------------------------------------------------------------
def _alipay_xml(body: str, charset: str) -> Response:
    return Response(body.encode(charset), content_type=f"text/xml; charset={charset.upper()}")


@bp.post("/alipay")
@limiter.limit(_ip_limit)
def alipay() -> Response:
    channel: AlipayChannel = _channel("alipay")
    req = _channel_request()
    form, charset = channel.form(req)
    root = channel.verify_form(form, charset)
    if form.get("service") == SERVICE_CHECK:
        return _alipay_xml(channel.gateway_check_response(charset), charset)
    message = channel.message_from(root)
    _limit_sender("alipay", message.sender, message.text)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if message.kind == "unsupported":
        _push_later(app, "alipay", ALIPAY_TASK, message.sender, PLEASE_TYPE)
    elif message.kind in ("text", "welcome") and _too_long(message):
        _push_later(app, "alipay", ALIPAY_TASK, message.sender, conversation.replies()["too_long"])
    elif message.kind in ("text", "welcome"):
        workers: ChannelWorkers = app.extensions["channel_workers"]
        future = workers.submit(_turn, app, _inbound("alipay", message))
        future.add_done_callback(_after_turn(app, "alipay", ALIPAY_TASK, message, 1000))
    return _alipay_xml(channel.ack(message, charset), charset)


# -- SMS ----------------------------------------------------------------------------------------
def _twiml(parts: list[str]) -> Response:
    return Response(twiml(parts), mimetype="application/xml")


def _number_key(number: str) -> str:
    try:
        return normalise_number(number)
    except DeliveryFailed:
        return number  # a short code or an odd sender id: kept as given


@bp.post("/sms")
@limiter.limit(_ip_limit)
def sms() -> Response:
    channel: SmsChannel = _channel("sms")
    req = _channel_request(with_form=True)
    channel.verify(req)
    message = channel.parse(req)
    _limit_sender("sms", message.sender, message.text)
    ctx = _ctx()
    number = _number_key(message.sender)
    if message.kind in ("opt_out", "opt_in"):
        try:  # kept first: a replayed capture (its MessageSid again) must not undo a later STOP
            row_id = conversation.record_inbound(ctx, _inbound("sms", message))
        except DuplicateDelivery:
            return _twiml([])
        (channel_store.opt_out if message.kind == "opt_out" else channel_store.opt_in)(ctx, number)
        conversation.settle(ctx, row_id, "answered")
        return _twiml([SMS_STOPPED if message.kind == "opt_out" else SMS_STARTED])
    if channel_store.is_opted_out(ctx, number):
        return _twiml([])  # they said STOP: not even an answer goes back
    if message.kind == "unsupported":
        return _twiml([PLEASE_TYPE])
    if _too_long(message):
        return _twiml([conversation.replies()["too_long"]])
    if reminders.expects_reply(ctx, number, message.text):
        return _reminder_reply(ctx, number, message)
    try:
        replies = conversation.handle_message(ctx, ctx.require_dialogue(), default_engine(), _inbound("sms", message))
    except DuplicateDelivery:
        return _twiml([])
    return Response(channel.render(message, replies), mimetype="application/xml")


def _reminder_reply(ctx: ServiceContext, number: str, message: ChannelMessage) -> Response:
    """ "1" / "2" after a reminder confirms or cancels that visit; a Twilio retry does nothing twice."""
    try:
        row_id = conversation.record_inbound(ctx, _inbound("sms", message))
    except DuplicateDelivery:
        return _twiml([])
    answer = reminders.handle_sms_reply(ctx, number, message.text)
    conversation.settle(ctx, row_id, "answered")
    return _twiml([answer])
