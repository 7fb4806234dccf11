"""Link buttons ({"title", "url"}): parsed from Rasa, rendered by each text channel as a
link without a number, so the numbers typed back still mean the choices."""

from __future__ import annotations

from integrations.channels.base import render_text
from integrations.channels.wechat import WeChatChannel
from integrations.rasa.client import BotMessage, Button, parse_rest_replies

PAY = "https://hospital.example.cn/p/10htrlhlyd9fgcwph"


def test_rasa_buttons_with_a_url_or_a_url_payload_are_links_and_scripts_are_not() -> None:
    [message] = parse_rest_replies(
        [
            {
                "text": "已为您保留号源",
                "buttons": [
                    {"title": "去支付", "url": PAY},
                    {"title": "旧模型", "payload": PAY},
                    {"title": "坏链接", "url": "javascript:alert(1)", "payload": "/deny"},
                    {"title": "1 取消", "payload": "/cancel_appointment"},
                ],
            }
        ]
    )
    assert [(b.payload, b.url) for b in message.buttons] == [
        ("", PAY),
        ("", PAY),
        ("/deny", ""),
        ("/cancel_appointment", ""),
    ]
    assert message.as_dict()["buttons"][0] == {"title": "去支付", "url": PAY}


def test_text_channels_print_links_unnumbered() -> None:
    message = BotMessage("已为您保留号源", (Button("去支付", url=PAY), Button("取消预约", "/cancel")))
    assert render_text(message) == f"已为您保留号源\n去支付：{PAY}\n回复1 取消预约"
    wechat = WeChatChannel("token", "", "wx-app").text_of([message])
    assert wechat == f'已为您保留号源\n<a href="{PAY}">去支付</a>\n回复1 取消预约'
    quoted = WeChatChannel.link_text(Button('付"款<', url=PAY + '?a=1&b="2"'))
    assert quoted == f'<a href="{PAY}?a=1&amp;b=&quot;2&quot;">付&quot;款&lt;</a>'
