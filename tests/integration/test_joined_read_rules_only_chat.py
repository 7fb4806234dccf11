"""Through `POST /api/v1/chat`: details told over several messages get no "拨打120" when only
the learned layer, reading them joined, would have said emergency; a red flag split over
messages still does (services/conversation/recent_context.py, session 30). A bot that falls
back on everything, so any 120 comes from the edge. Sources: NICE NG141 (cellulitis), NICE
CKS mastitis (same-day care), NICE NG143, NG232, NG133 (the split red flags)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from models import ConversationMessage
from services.context import ServiceContext
from tests.fakes.http_server import FakeServer
from tests.integration.test_chat_red_flag_over_turns import FALLBACK, rasa, say

__all__ = ["rasa"]  # the fallback bot's fixture, shared with the split red-flag tests


def statuses(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(ConversationMessage.status).order_by(ConversationMessage.id)))


@pytest.mark.parametrize(
    "messages",
    [
        ("我爸小腿红了一大块", "昨天被桌子撞了一下 现在又红又肿又烫 比早上大了一圈"),
        ("剖腹产完二十多天", "左边乳房一块又红又硬 疼", "今天体温38.6 有点冷"),
    ],
)
def test_benign_details_over_messages_get_no_alert(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer, messages: tuple[str, ...]
) -> None:
    for message in messages:
        assert "综合判断" not in say(client, message)
    assert "emergency" not in statuses(ctx)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("外孙女生下来20天", "今天摸着烫 量了38.3度"),
        ("我妈一直吃华法林", "刚才在卫生间滑倒了 头磕到墙上"),
        ("怀孕20周", "头疼得厉害 量了血压160/110"),
    ],
)
def test_a_split_red_flag_still_gets_120(
    client: FlaskClient, ctx: ServiceContext, rasa: FakeServer, first: str, second: str
) -> None:
    assert "120" not in say(client, first)
    answer = say(client, second)
    assert "120" in answer and FALLBACK not in answer
    assert statuses(ctx)[-1] == "emergency"
