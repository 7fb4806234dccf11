"""The Alipay service window (生活号) gateway, fed the exact forms Alipay posts:
fields signed RSA2 by "Alipay" (a locally generated key, signed with the Alipay
SDK's own signing function), in UTF-8 or GBK. The custom send goes to a local
server speaking Alipay's gateway protocol, which signs its answers as Alipay does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
import xmltodict
from alipay.aop.api.util.SignatureUtils import sign_with_rsa2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import build_senders, create_app
from integrations.channels.alipay import private_key_body_pkcs1, public_key_body, rsa2_verify, sign_content
from models import ConversationMessage, PendingReply, utcnow
from services.context import ServiceContext
from services.conversation import channel_state, pseudonyms
from services.task_queue import TaskQueue
from tests.conftest import settings_for
from tests.fakes.channels import bot_turns, fake_rasa, run_tasks_inline, until, wait_for_turns
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

APP_ID = "2021000000000001"
USER = "2088000000000001"
ALIPAY_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def biz(
    msg_type: str = "text",
    content: str = "我想挂号",
    msg_id: str | None = "M1",
    created_ms: int | None = None,
    app_id: str = APP_ID,
    event: str | None = None,
) -> str:
    created = created_ms if created_ms is not None else int(time.time() * 1000)
    parts = [
        f"<AppId><![CDATA[{app_id}]]></AppId>",
        f"<FromUserId><![CDATA[{USER}]]></FromUserId>",
        f"<CreateTime>{created}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    if msg_type == "text":
        parts.append(f"<Text><Content><![CDATA[{content}]]></Content></Text>")
    if event:
        parts.append(f"<EventType><![CDATA[{event}]]></EventType>")
    if msg_id:
        parts.append(f"<MsgId><![CDATA[{msg_id}]]></MsgId>")
    return "<XML>" + "".join(parts) + "</XML>"


def signed_form(
    biz_content: str,
    service: str = "alipay.mobile.public.message.notify",
    charset: str = "UTF-8",
    key: rsa.RSAPrivateKey = ALIPAY_KEY,
    sign_type: str = "RSA2",
    drop_sign_type_from_content: bool = False,
) -> dict[str, str]:
    fields = {"service": service, "charset": charset, "sign_type": sign_type, "biz_content": biz_content}
    drop = ("sign", "sign_type") if drop_sign_type_from_content else ("sign",)
    content = sign_content(fields, drop)
    fields["sign"] = sign_with_rsa2(private_key_body_pkcs1(key), content, "gbk" if charset == "GBK" else "utf-8")
    return fields


def post(client: FlaskClient, fields: dict[str, str], charset: str = "utf-8") -> Any:
    body = urlencode(fields, encoding=charset)
    return client.post(
        "/channels/alipay", data=body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )


def response_verified(body: bytes, charset: str, key: rsa.RSAPrivateKey = APP_KEY) -> dict[str, Any]:
    text = body.decode(charset)
    inner = text[text.index("<response>") + len("<response>") : text.index("</response>")]
    signature = text[text.index("<sign>") + 6 : text.index("</sign>")]
    assert rsa2_verify(key.public_key(), inner, charset, signature), "response not signed with the app key"
    return dict(xmltodict.parse(text)["alipay"])


def kept(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ConversationMessage)) or 0)


def gateway(request: Recorded) -> tuple[int, object]:
    """Alipay's openapi gateway: checks the app's signature, answers signed with Alipay's key."""
    fields = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8"), keep_blank_values=True).items()}
    signed = sign_content(fields, ("sign",))
    ok = rsa2_verify(APP_KEY.public_key(), signed, "utf-8", fields["sign"])
    result = (
        {"code": "10000", "msg": "Success"}
        if ok
        else {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
    )
    inner = json.dumps(result, separators=(",", ":"))
    signature = sign_with_rsa2(private_key_body_pkcs1(ALIPAY_KEY), inner, "utf-8")
    return 200, f'{{"alipay_open_public_message_custom_send_response":{inner},"sign":"{signature}"}}'.encode()


@pytest.fixture
def alipay_app(database_url: str) -> Iterator[Flask]:
    with fake_server(gateway) as server:
        settings = settings_for(
            database_url,
            alipay_app_id=APP_ID,
            alipay_app_private_key=pem_private(APP_KEY),
            alipay_public_key=pem_public(ALIPAY_KEY),
            alipay_gateway_url=server.url + "/gateway.do",
        )
        app = create_app(settings)
        use(app, senders=build_senders(settings, app.extensions["hospital"], live=True))
        app.extensions["gateway"] = server
        run_tasks_inline(app)
        yield app
        app.extensions["channel_workers"].wait_idle(15)
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def client(alipay_app: Flask) -> FlaskClient:
    return alipay_app.test_client()


@pytest.fixture
def ctx(alipay_app: Flask) -> ServiceContext:
    return alipay_app.extensions["hospital"]


@pytest.fixture
def rasa(alipay_app: Flask) -> Iterator[FakeServer]:
    with fake_rasa(alipay_app) as server:
        yield server


def custom_sends(app: Flask) -> list[dict[str, Any]]:
    server: FakeServer = app.extensions["gateway"]
    sends = []
    for request in server.requests:
        fields = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8")).items()}
        assert fields["method"] == "alipay.open.public.message.custom.send" and fields["sign_type"] == "RSA2"
        sends.append(json.loads(fields["biz_content"]))
    return sends


def test_the_gateway_check_is_answered_with_the_signed_app_public_key(client: FlaskClient) -> None:
    check = biz(msg_type="event", event="verifygw", msg_id=None)
    response = post(client, signed_form(check, service="alipay.service.check"))
    assert response.status_code == 200
    parsed = response_verified(response.data, "utf-8")
    assert parsed["response"]["success"] == "true"
    assert parsed["response"]["biz_content"] == public_key_body(APP_KEY.public_key())
    assert parsed["sign_type"] == "RSA2"


@pytest.mark.parametrize("charset", ["UTF-8", "GBK"])
def test_a_message_is_acknowledged_at_once_and_answered_by_custom_send(
    alipay_app: Flask, client: FlaskClient, rasa: FakeServer, charset: str
) -> None:
    response = post(client, signed_form(biz(content="我想挂号，头疼三天"), charset=charset), charset.lower())
    assert response.status_code == 200
    ack = response_verified(response.data, charset.lower())
    assert "<MsgType><![CDATA[ack]]></MsgType>" in response.data.decode(charset.lower())
    assert ack["sign_type"] == "RSA2"
    wait_for_turns(alipay_app)
    until(lambda: len(custom_sends(alipay_app)) == 1)
    [turn] = bot_turns(rasa)
    hospital: ServiceContext = alipay_app.extensions["hospital"]
    assert (
        turn["sender"] == pseudonyms.of(hospital.cipher, f"alipay:{USER}") and turn["message"] == "我想挂号，头疼三天"
    )
    assert USER not in str(turn)  # Rasa never has the Alipay user id
    [send] = custom_sends(alipay_app)
    assert send["to_user_id"] == USER and send["msg_type"] == "text"
    assert send["text"]["content"] == "收到：我想挂号，头疼三天\n回复1 预约挂号\n回复2 查检查化验结果"


def test_a_retried_message_is_acknowledged_and_answered_once(
    alipay_app: Flask, client: FlaskClient, rasa: FakeServer, ctx: ServiceContext
) -> None:
    fields = signed_form(biz(msg_id="dup-1"))
    assert post(client, fields).status_code == 200
    wait_for_turns(alipay_app)
    assert post(client, fields).status_code == 200
    wait_for_turns(alipay_app)
    assert len(bot_turns(rasa)) == 1 and kept(ctx) == 1
    until(lambda: len(custom_sends(alipay_app)) == 1)

    def statuses() -> list[str]:
        with ctx.db.reading() as session:
            return [r.status for r in session.scalars(select(PendingReply))]

    # The fake gateway sees the send a moment before the worker records it.
    until(lambda: statuses() == ["sent"])
    assert len(custom_sends(alipay_app)) == 1


class BrokerDown(TaskQueue):
    def send(self, name: str, *args: object) -> None:
        raise ConnectionError("broker unreachable")


def test_an_answer_stuck_by_a_broker_outage_is_sent_by_the_beat_sweep_once(
    alipay_app: Flask, client: FlaskClient, rasa: FakeServer, ctx: ServiceContext
) -> None:
    """Issue 11, weakness 6: the webhook kept the answer but could not queue its task."""
    use(alipay_app, tasks=BrokerDown())
    assert post(client, signed_form(biz(msg_id="stuck-1"))).status_code == 200
    wait_for_turns(alipay_app)
    sweeping = alipay_app.extensions["hospital"]
    senders = sweeping.senders
    assert channel_state.resend_stuck_replies(sweeping, senders) == 0  # still the queued task's to send
    assert custom_sends(alipay_app) == []
    later = utcnow() + timedelta(seconds=channel_state.SWEEP_GRACE_SECONDS + 1)
    assert channel_state.resend_stuck_replies(sweeping, senders, now=later) == 1
    assert channel_state.resend_stuck_replies(sweeping, senders, now=later) == 0
    [send] = custom_sends(alipay_app)
    assert send["to_user_id"] == USER and send["text"]["content"].startswith("收到：我想挂号")
    with ctx.db.reading() as session:
        assert [r.status for r in session.scalars(select(PendingReply))] == ["sent"]


def test_follow_greets_and_an_image_asks_for_text(alipay_app: Flask, client: FlaskClient, rasa: FakeServer) -> None:
    post(client, signed_form(biz(msg_type="event", event="follow", msg_id=None)))
    post(client, signed_form(biz(msg_type="image", msg_id="img-1")))
    wait_for_turns(alipay_app)
    until(lambda: len(custom_sends(alipay_app)) == 2)
    assert [t["message"] for t in bot_turns(rasa)] == ["/greet"]
    assert any("打字" in s["text"]["content"] for s in custom_sends(alipay_app))


def test_the_bot_down_still_answers_with_the_phone(alipay_app: Flask, client: FlaskClient) -> None:
    post(client, signed_form(biz(msg_id="down-1")))
    wait_for_turns(alipay_app)
    until(lambda: len(custom_sends(alipay_app)) == 1)
    assert "010-64412800" in custom_sends(alipay_app)[0]["text"]["content"]


@pytest.mark.parametrize(
    "fields",
    [
        signed_form(biz(), key=OTHER_KEY),  # forged: not Alipay's key
        {**signed_form(biz()), "sign": ""},  # unsigned
        {k: v for k, v in signed_form(biz()).items() if k != "sign"},  # no sign at all
        signed_form(biz(), sign_type="RSA"),  # the weak SHA-1 scheme
        signed_form(biz(), drop_sign_type_from_content=True),  # payment-notify rules: sign_type not signed
        {**signed_form(biz()), "biz_content": biz(content="取消我所有预约")},  # tampered
        signed_form(biz(created_ms=int((time.time() - 600) * 1000))),  # replayed, ten minutes old
        signed_form(biz(app_id="2021000000000999")),  # for another app
    ],
)
def test_forged_unsigned_stale_and_foreign_messages_are_refused(
    alipay_app: Flask, client: FlaskClient, rasa: FakeServer, ctx: ServiceContext, fields: dict[str, str]
) -> None:
    assert post(client, fields).status_code == 403
    wait_for_turns(alipay_app)
    assert bot_turns(rasa) == [] and kept(ctx) == 0 and custom_sends(alipay_app) == []


def test_malformed_forms_are_400(alipay_app: Flask, client: FlaskClient, rasa: FakeServer) -> None:
    assert post(client, signed_form("<XML><oops")).status_code == 400
    assert post(client, signed_form(biz(), charset="Big5")).status_code == 400
    gbk_body = urlencode(signed_form(biz(), charset="UTF-8"), encoding="gbk")  # GBK bytes claiming UTF-8
    gbk = client.post("/channels/alipay", data=gbk_body, content_type="application/x-www-form-urlencoded")
    assert gbk.status_code in (400, 403)
    assert (
        client.post("/channels/alipay", data=b"\xff\xfe", content_type="application/x-www-form-urlencoded").status_code
        == 400
    )
    assert client.post("/channels/alipay", data="x" * 20000, content_type="text/plain").status_code == 413
    wait_for_turns(alipay_app)
    assert bot_turns(rasa) == []
