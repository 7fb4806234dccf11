"""WeChat's access token, shared by many processes through the database (one fetch for
many threads), refreshed and the call retried when WeChat says it expired; template
messages carry their data fields."""

from __future__ import annotations

import threading
import time

from integrations.channels.wechat import MemoryTokenStore, SharedTokenWeChatClient, WeChatTemplateSender
from integrations.messaging import OutboundMessage
from services.context import ServiceContext
from services.conversation.channel_state import DbTokenStore
from tests.fakes.http_server import Recorded, fake_server
from tests.integration.test_channel_wechat import APP_ID, OPENID, wechat_api


def test_the_access_token_is_fetched_once_by_many_threads_through_the_database(ctx: ServiceContext) -> None:
    def slow_token(request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/cgi-bin/token"):
            time.sleep(0.3)
        return wechat_api(request)

    with fake_server(slow_token) as api:
        clients = [
            SharedTokenWeChatClient(APP_ID, "secret", DbTokenStore(ctx), api.url + "/cgi-bin/") for _ in range(6)
        ]
        tokens: list[str] = []
        threads = [threading.Thread(target=lambda c=c: tokens.append(c.access_token)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(15)
    assert tokens == ["ACCESS-1"] * 6
    assert len([r for r in api.requests if r.path.startswith("/cgi-bin/token")]) == 1


def test_an_expired_token_is_refreshed_and_the_call_retried() -> None:
    calls = {"token": 0}

    def api_handler(request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/cgi-bin/token"):
            calls["token"] += 1
            return 200, {"access_token": f"ACCESS-{calls['token']}", "expires_in": 7200}
        if "access_token=ACCESS-1" in request.path:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1}

    with fake_server(api_handler) as api:
        client = SharedTokenWeChatClient(APP_ID, "secret", MemoryTokenStore(), api.url + "/cgi-bin/")
        sender = WeChatTemplateSender(client, "TPL-REMINDER")
        sender.send(OutboundMessage(OPENID, "明天上午9点心内科", "reminder", {"first": "就诊提醒", "time": "9:00"}))
    sends = [r for r in api.requests if "template/send" in r.path]
    assert calls["token"] == 2 and "access_token=ACCESS-2" in sends[-1].path
    assert sends[-1].json()["template_id"] == "TPL-REMINDER"
    assert sends[-1].json()["data"] == {"first": {"value": "就诊提醒"}, "time": {"value": "9:00"}}
