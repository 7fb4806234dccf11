"""The conversation review masks patients' names like their numbers; one message's
names are shown only on an explicit request with a reason (audited); the viewing
reason is posted, never read from the URL; intents and channels have Chinese names."""

from __future__ import annotations

from flask import Flask

from models import ConversationMessage
from services.context import ServiceContext
from services.conversation import turns as conversation
from services.conversation.name_masking import mask_names
from services.conversation.turns import InboundMessage
from services.patients.registry import phone_hash
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.factories import make_patient


def test_names_are_masked_from_cues_and_from_the_patients_the_user_manages() -> None:
    assert mask_names("我叫李娜，想挂号") == "我叫李*，想挂号"
    assert mask_names("姓名：欧阳娜娜") == "姓名：欧***"
    assert mask_names("我是王芳。") == "我是王*。"
    assert mask_names("我是来挂号的") == "我是来挂号的"  # not a surname: not a name
    assert mask_names("帮张建国挂个号", ["张建国"]) == "帮张**挂个号"


def test_the_review_masks_names_and_reveals_one_message_with_a_reason(app: Flask, ctx: ServiceContext) -> None:
    make_patient(
        ctx,
        name="张建国",
        phone="13800138009",
        channel="web",
        channel_user_id="visitor-9",
        proven_phone_hash=phone_hash(ctx.cipher, "13800138009"),
    )
    ids = [
        conversation.record_inbound(ctx, InboundMessage(channel="web", sender=sender, text=text, platform_msg_id=key))
        for sender, text, key in (
            ("visitor-1", "我叫李娜，想挂号", "m1"),
            ("visitor-9", "张建国明天能来吗", "m2"),
        )
    ]
    with ctx.db.transaction() as session:
        session.get(ConversationMessage, ids[1]).intent = "book_appointment"  # type: ignore[union-attr]
        session.get(ConversationMessage, ids[1]).confidence = 0.9  # type: ignore[union-attr]
    editor = app.test_client()
    login(editor, "editor", make_staff(ctx, "editor", "dialogue_editor"))
    assert "李娜" not in editor.get("/console/conversations?why=改进机器人对话").get_data(as_text=True)
    assert post(editor, "/console/conversations/why", why="改进机器人对话").status_code == 302
    page = editor.get("/console/conversations").get_data(as_text=True)
    assert "我叫李*，想挂号" in page and "张**明天能来吗" in page
    assert "李娜" not in page and "张建国" not in page
    assert "预约挂号（book_appointment）" in page and "<td>网页</td>" in page

    assert post(editor, f"/console/conversations/{ids[0]}/reveal", reason="").status_code == 422
    shown = post(editor, f"/console/conversations/{ids[0]}/reveal", reason="确认是哪位患者").get_data(as_text=True)
    assert '<p class="revealed-text">我叫李娜，想挂号</p>' in shown and "张建国" not in shown
    [entry] = [e for e in audit_actions(ctx) if e.action == "conversation.reveal_names"]
    assert entry.reason == "确认是哪位患者" and entry.subject == f"inbound_messages:{ids[0]}"
