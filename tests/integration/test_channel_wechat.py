"""The WeChat official-account webhook, fed the exact requests WeChat sends:
signatures computed as WeChat does, safe-mode bodies encrypted with wechatpy's
`WeChatCrypto` and the account's AES key. Rasa and WeChat's API are local fake
servers; everything between them is real."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import xmltodict
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from app import build_senders, create_app
from models import ConversationMessage, PendingReply
from services.context import ServiceContext
from services.conversation import pseudonyms
from tests.conftest import settings_for
from tests.fakes.channels import bot_turns, fake_rasa, run_tasks_inline, until, wait_for_turns
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

TOKEN = "wechat-test-token"
APP_ID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
OPENID = "oPatient0001"
ACCOUNT = "gh_hospital"


def signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def query(timestamp: int | None = None, token: str = TOKEN, **extra: str) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = uuid.uuid4().hex[:10]
    return {"signature": signature(token, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": OPENID, **extra}


def text_xml(content: str, msg_id: str = "1001", sender: str = OPENID, msg_type: str = "text", **extra: str) -> str:
    fields = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in extra.items())
    body = f"<Content><![CDATA[{content}]]></Content>" if msg_type == "text" else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{body}{fields}"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(event: str, create_time: int | None = None, **extra: str) -> str:
    fields = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in extra.items())
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{fields}</xml>"
    )


def post(client: FlaskClient, xml: str, args: dict[str, str] | None = None) -> Any:
    return client.post("/channels/wechat", query_string=args or query(), data=xml.encode(), content_type="text/xml")


def reply_content(body: bytes) -> str:
    return str(xmltodict.parse(body)["xml"]["Content"])


def kept(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(ConversationMessage)) or 0)


def wechat_api(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/cgi-bin/token"):
        return 200, {"access_token": "ACCESS-1", "expires_in": 7200}
    if request.path.startswith("/cgi-bin/message/template/send"):
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": 4242}
    return 200, {"errcode": 0, "errmsg": "ok"}


@pytest.fixture
def wechat_app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        settings_for(
            database_url,
            wechat_token=TOKEN,
            wechat_app_id=APP_ID,
            wechat_app_secret="secret",
            channel_reply_budget_seconds=1.0,
        )
    )
    yield app
    app.extensions["channel_workers"].wait_idle(15)
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def client(wechat_app: Flask) -> FlaskClient:
    return wechat_app.test_client()


@pytest.fixture
def ctx(wechat_app: Flask) -> ServiceContext:
    return wechat_app.extensions["hospital"]


@pytest.fixture
def rasa(wechat_app: Flask) -> Iterator[FakeServer]:
    with fake_rasa(wechat_app) as server:
        yield server


# -- URL verification ------------------------------------------------------------------------
def test_url_verification_echoes_echostr(client: FlaskClient) -> None:
    response = client.get("/channels/wechat", query_string=query(echostr="echo-123"))
    assert response.status_code == 200 and response.data == b"echo-123"


@pytest.mark.parametrize(
    "make_args",
    [
        lambda: {"echostr": "x"},  # unsigned
        lambda: {**query(token="someone-else"), "echostr": "x"},  # forged
        lambda: {**query(timestamp=int(time.time()) - 301), "echostr": "x"},  # stale
        lambda: {**query(timestamp=int(time.time()) + 400), "echostr": "x"},  # from the future
    ],
    ids=["unsigned", "forged", "stale", "future"],
)
def test_url_verification_refuses_forged_and_stale(
    client: FlaskClient, make_args: Callable[[], dict[str, str]]
) -> None:
    # Built when the test runs, not when it is collected: "the future" must still be ahead.
    assert client.get("/channels/wechat", query_string=make_args()).status_code == 403


# -- plaintext messages ----------------------------------------------------------------------
def test_a_text_message_gets_a_passive_reply_with_numbered_choices(
    client: FlaskClient, rasa: FakeServer, ctx: ServiceContext
) -> None:
    response = post(client, text_xml("我想挂号"))
    assert response.status_code == 200
    parsed = xmltodict.parse(response.data)["xml"]
    assert parsed["ToUserName"] == OPENID and parsed["FromUserName"] == ACCOUNT and parsed["MsgType"] == "text"
    assert parsed["Content"] == "收到：我想挂号\n回复1 预约挂号\n回复2 查检查化验结果"
    [turn] = bot_turns(rasa)
    assert turn["sender"] == pseudonyms.of(ctx.cipher, f"wechat:{OPENID}") and turn["message"] == "我想挂号"
    assert turn["metadata"] == {"channel": "wechat"}  # Rasa never has the openid


def test_a_retried_message_is_answered_success_and_handled_once(
    client: FlaskClient, rasa: FakeServer, ctx: ServiceContext
) -> None:
    xml = text_xml("我想挂号", msg_id="777")
    first = post(client, xml)
    retry = post(client, xml, query())  # WeChat's retry: same MsgId, fresh signature
    assert "收到" in reply_content(first.data)
    assert retry.status_code == 200 and retry.data == b"success"
    assert len(bot_turns(rasa)) == 1 and kept(ctx) == 1


def test_subscribe_greets_with_the_main_menu_once(client: FlaskClient, rasa: FakeServer) -> None:
    created = int(time.time())
    first = post(client, event_xml("subscribe", created))
    again = post(client, event_xml("subscribe", created))
    assert "回复1 预约挂号" in reply_content(first.data)
    assert again.data == b"success"
    assert [t["message"] for t in bot_turns(rasa)] == ["/greet"]


def test_menu_click_sends_its_key_to_the_bot(client: FlaskClient, rasa: FakeServer) -> None:
    post(client, event_xml("CLICK", EventKey="/book_appointment"))
    assert [t["message"] for t in bot_turns(rasa)] == ["/book_appointment"]


def test_voice_with_recognition_is_text(client: FlaskClient, rasa: FakeServer) -> None:
    response = post(client, text_xml("", msg_id="v1", msg_type="voice", Recognition="我头疼", MediaId="m1"))
    assert "收到：我头疼" in reply_content(response.data)


def test_an_image_gets_please_type_and_never_reaches_the_bot(client: FlaskClient, rasa: FakeServer) -> None:
    response = post(client, text_xml("", msg_id="i1", msg_type="image", PicUrl="http://x/1.jpg", MediaId="m"))
    assert "打字" in reply_content(response.data)
    assert bot_turns(rasa) == []


def test_unsubscribe_is_acknowledged_and_dropped(client: FlaskClient, rasa: FakeServer) -> None:
    assert post(client, event_xml("unsubscribe")).data == b"success"
    assert bot_turns(rasa) == []


def test_red_flags_are_answered_at_the_edge_even_when_rasa_is_down(client: FlaskClient) -> None:
    response = post(client, text_xml("我胸口压着疼，一直出冷汗", msg_id="rf"))
    assert "120" in reply_content(response.data)


def test_rasa_down_gives_the_apology_with_the_hospital_phone(client: FlaskClient, ctx: ServiceContext) -> None:
    response = post(client, text_xml("我想挂号", msg_id="down"))
    assert response.status_code == 200 and "010-64412800" in reply_content(response.data)
    assert kept(ctx) == 1  # the message is kept for a later answer


# -- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        {"timestamp": str(int(time.time())), "nonce": "n", "openid": OPENID},  # unsigned
        query(token="forged-token"),
        query(timestamp=int(time.time()) - 600),  # a replayed capture, ten minutes old
        {**query(), "openid": "oSomeoneElse"},  # the signed query names another user
    ],
)
def test_forged_stale_or_mismatched_posts_are_refused_and_change_nothing(
    client: FlaskClient, rasa: FakeServer, ctx: ServiceContext, args: dict[str, str]
) -> None:
    response = post(client, text_xml("我想挂号", msg_id="f1"), args)
    assert response.status_code == 403
    assert bot_turns(rasa) == [] and kept(ctx) == 0


@pytest.mark.parametrize("body", ["<xml><oops", "not xml", "<xml></xml>", "<xml><MsgType>text</MsgType></xml>"])
def test_malformed_bodies_are_400(client: FlaskClient, rasa: FakeServer, ctx: ServiceContext, body: str) -> None:
    assert post(client, body).status_code == 400
    assert kept(ctx) == 0


def test_an_entity_bomb_is_refused(client: FlaskClient, ctx: ServiceContext) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml>&b;</xml>'
    assert post(client, bomb).status_code == 400
    assert kept(ctx) == 0


def test_oversized_bodies_are_413(client: FlaskClient, ctx: ServiceContext) -> None:
    assert post(client, text_xml("长" * 20000)).status_code == 413
    assert kept(ctx) == 0


def test_per_sender_limit(database_url: str) -> None:
    app = create_app(settings_for(database_url, wechat_token=TOKEN, rate_limit_channel_per_sender="3/minute"))
    client = app.test_client()
    with fake_rasa(app):
        statuses = [post(client, text_xml("你好", msg_id=f"m{i}")).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    app.extensions["hospital"].db.dispose()


# -- safe mode (AES) ---------------------------------------------------------------------------
@pytest.fixture
def safe_app(database_url: str) -> Iterator[Flask]:
    app = create_app(
        settings_for(database_url, wechat_token=TOKEN, wechat_app_id=APP_ID, wechat_encoding_aes_key=AES_KEY)
    )
    yield app
    app.extensions["channel_workers"].wait_idle(15)
    app.extensions["hospital"].db.dispose()


def encrypted_post(client: FlaskClient, xml: str, crypto: WeChatCrypto, tamper: bool = False) -> Any:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
    encrypt = envelope["Encrypt"]
    if tamper:
        encrypt = encrypt[:-8] + ("A" * 8 if not encrypt.endswith("A" * 8) else "B" * 8)
    body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    args = {
        "signature": signature(TOKEN, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "openid": OPENID,
        "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"],
    }
    return client.post("/channels/wechat", query_string=args, data=body.encode(), content_type="text/xml")


def test_safe_mode_decrypts_and_encrypts_the_reply(safe_app: Flask) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    with fake_rasa(safe_app) as rasa:
        response = encrypted_post(safe_app.test_client(), text_xml("我想挂号", msg_id="s1"), crypto)
    assert response.status_code == 200
    envelope = xmltodict.parse(response.data)["xml"]
    plain = crypto.decrypt_message(response.data, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    assert reply_content(plain.encode()).startswith("收到：我想挂号")
    assert [t["message"] for t in bot_turns(rasa)] == ["我想挂号"]


def test_safe_mode_refuses_tampered_ciphertext_plaintext_and_another_accounts_key(safe_app: Flask) -> None:
    client = safe_app.test_client()
    with fake_rasa(safe_app) as rasa:
        tampered = encrypted_post(client, text_xml("我想挂号", msg_id="s2"), WeChatCrypto(TOKEN, AES_KEY, APP_ID), True)
        plaintext = post(client, text_xml("我想挂号", msg_id="s3"))
        other_key = "Z" * 43
        foreign = encrypted_post(client, text_xml("我想挂号", msg_id="s4"), WeChatCrypto(TOKEN, other_key, APP_ID))
        other_app = encrypted_post(client, text_xml("我想挂号", msg_id="s5"), WeChatCrypto(TOKEN, AES_KEY, "wxOther"))
    assert tampered.status_code == 403 and plaintext.status_code == 403
    assert foreign.status_code in (400, 403) and other_app.status_code == 403
    assert bot_turns(rasa) == []


# -- the 5-second rule: a slow bot --------------------------------------------------------------
def test_a_slow_bot_gets_success_at_once_and_the_answer_as_a_customer_service_message(
    wechat_app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    with fake_server(wechat_api) as api, fake_rasa(wechat_app, delay=2.0, timeout=5.0) as rasa:
        settings = wechat_app.config["SETTINGS"].model_copy(update={"wechat_api_base_url": api.url + "/cgi-bin/"})
        use(wechat_app, senders=build_senders(settings, ctx, live=True))
        queued = run_tasks_inline(wechat_app)
        xml = text_xml("我想挂号", msg_id="slow-1")
        started = time.monotonic()
        first = post(client, xml)
        elapsed = time.monotonic() - started
        # WeChat's retries after 5 s and 10 s: the first turn is still running or done; neither runs again.
        retry = post(client, xml)
        wait_for_turns(wechat_app)
        until(lambda: any("custom/send" in r.path for r in api.requests))
        retry_after = post(client, xml)
    assert first.data == b"success" and elapsed < 1.8
    assert retry.data == b"success" and retry_after.data == b"success"
    assert len(bot_turns(rasa)) == 1
    [send] = [r for r in api.requests if "custom/send" in r.path]
    assert "access_token=ACCESS-1" in send.path
    assert send.json() == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "收到：我想挂号\n回复1 预约挂号\n回复2 查检查化验结果"},
    }
    assert [name for name, _ in queued] == ["channels.deliver_wechat_answer"]
    until(lambda: reply_statuses(ctx) == ["sent"])


def test_a_late_answer_that_wechat_refuses_for_good_is_marked_failed(
    wechat_app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    def refusing(request: Recorded) -> tuple[int, object]:
        if "custom/send" in request.path:
            return 200, {"errcode": 43004, "errmsg": "require subscribe"}
        return wechat_api(request)

    with fake_server(refusing) as api, fake_rasa(wechat_app, delay=1.5, timeout=5.0):
        settings = wechat_app.config["SETTINGS"].model_copy(update={"wechat_api_base_url": api.url + "/cgi-bin/"})
        use(wechat_app, senders=build_senders(settings, ctx, live=True))
        run_tasks_inline(wechat_app)
        assert post(client, text_xml("我想挂号", msg_id="slow-2")).data == b"success"
        wait_for_turns(wechat_app)
    until(lambda: reply_statuses(ctx) == ["failed"])


def reply_statuses(ctx: ServiceContext) -> list[str]:
    """Stored late answers' states; the fake platform sees a send just before it is recorded."""
    with ctx.db.reading() as session:
        return [r.status for r in session.scalars(select(PendingReply))]
