"""The console's teaching pages: roles and CSRF, every page renders, examples and
responses edited through the pages write revisions and show in the pending diff,
export/import, a training request is queued (and run inline with a fake Rasa
runner), its JSON status, activation and rollback against a fake Rasa server,
triage proposals behind a second clinician, and a reviewed message turned into
an example."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import yaml
from sqlalchemy import select

from app import create_app
from config import ROOT
from integrations.rasa.training_runner import RasaRunner
from models import StaffAccount
from services.context import ServiceContext
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from tests.conftest import settings_for
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.fakes.http_server import fake_server
from tests.integration.conftest import Teaching
from tests.integration.test_model_lifecycle import FakeRunner


def _actor(t: Teaching, username: str) -> str:
    with t.ctx.db.reading() as session:
        return f"staff:{session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).one()}"


def _run(t: Teaching, version: str, runner: RasaRunner) -> None:
    """The worker's part, inline; it reads the pipeline and stories from the checkout."""
    assert ml.run_training(t.ctx, version, runner, replace(t.paths, repo=ROOT)).status == "ready"


def _example_id(t: Teaching, intent: str, text: str) -> int:
    return next(e.id for e in td.get_item(t.ctx, "intent", intent).examples if e.text == text)


# --- roles and CSRF -----------------------------------------------------------------------------


def test_roles_decide_who_sees_the_teaching_pages(teaching: Teaching) -> None:
    anonymous = teaching.app.test_client()
    assert anonymous.get("/console/teaching").status_code == 302
    editor, admin = teaching.client("editor"), teaching.client("admin")
    clinician, support, pharmacist = teaching.client("drli"), teaching.client("kefu"), teaching.client("yaoshi")
    for path in ("/console/teaching", "/console/teaching/pending", "/console/teaching/models"):
        assert editor.get(path).status_code == 200 and admin.get(path).status_code == 200
        assert clinician.get(path).status_code == 403 and support.get(path).status_code == 403
    assert clinician.get("/console/teaching/triage").status_code == 200
    assert pharmacist.get("/console/teaching/triage").status_code == 403
    assert support.get("/console/teaching/triage").status_code == 403
    response = post(support, "/console/teaching/examples", kind="intent", name="pay", text="医保卡能付吗")
    assert response.status_code == 403
    assert "教机器人" in editor.get("/console/").get_data(as_text=True)
    assert "教机器人" not in support.get("/console/").get_data(as_text=True)
    assert any(e.action == "staff.forbidden" for e in audit_actions(teaching.ctx))


def test_posts_without_the_csrf_token_are_refused(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    response = editor.post("/console/teaching/examples", data={"kind": "intent", "name": "pay", "text": "医保卡能付吗"})
    assert response.status_code == 400
    forged = editor.post(
        "/console/teaching/examples",
        data={"kind": "intent", "name": "pay", "text": "医保卡能付吗", "csrf_token": "forged"},
    )
    assert forged.status_code == 400
    assert "医保卡能付吗" not in [e.text for e in td.get_item(teaching.ctx, "intent", "pay").examples]


def test_every_page_renders(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    for kind in ("intent", "synonym", "lookup", "regex", "response", "faq"):
        page = editor.get(f"/console/teaching?kind={kind}")
        assert page.status_code == 200 and 'class="item"' in page.get_data(as_text=True), kind
    faq = editor.get("/console/teaching?kind=faq").get_data(as_text=True)
    assert "utter_faq/" in faq
    found = editor.get("/console/teaching?q=挂号").get_data(as_text=True)
    assert found.count('class="hit"') > 3
    synonym = td.list_items(teaching.ctx, "synonym")[0]
    lookup = td.list_items(teaching.ctx, "lookup")[0]
    faq_name = next(i.name for i in td.list_items(teaching.ctx, "response") if i.name.startswith("utter_faq/"))
    for path in (
        "/console/teaching/item/intent/pay",
        f"/console/teaching/item/synonym/{synonym.name}",
        f"/console/teaching/item/lookup/{lookup.name}",
        "/console/teaching/item/response/utter_greet",
        f"/console/teaching/item/response/{faq_name}",
        "/console/teaching/pending",
        "/console/teaching/history",
        "/console/teaching/history?kind=intent&name=pay",
        "/console/teaching/models",
    ):
        assert editor.get(path).status_code == 200, path
    assert editor.get("/console/teaching/item/intent/no_such_intent").status_code == 404
    assert teaching.client("drli").get("/console/teaching/triage?file=red_flags.yml").status_code == 200


# --- editing through the pages ------------------------------------------------------------------


def test_add_edit_and_delete_an_example_write_revisions_and_show_in_the_diff(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    added = post(
        editor, "/console/teaching/examples", kind="intent", name="pay", text="医保卡能付吗", comment="患者常问"
    )
    # the redirect opens the page that lists the new example (pay spans more than one page)
    assert added.status_code == 302 and added.headers["Location"].startswith("/console/teaching/item/intent/pay")
    assert "医保卡能付吗" in editor.get(added.headers["Location"]).get_data(as_text=True)
    pending = editor.get("/console/teaching/pending").get_data(as_text=True)
    assert "+ 医保卡能付吗" in pending and "+    - 医保卡能付吗" in pending

    example = _example_id(teaching, "pay", "医保卡能付吗")
    edited = post(
        editor, f"/console/teaching/examples/{example}/edit", kind="intent", name="pay", text="医保卡付药费行不行"
    )
    assert edited.status_code == 302
    pending = editor.get("/console/teaching/pending").get_data(as_text=True)
    assert "医保卡付药费行不行" in pending and "医保卡能付吗" not in pending

    duplicate = post(editor, "/console/teaching/examples", kind="intent", name="greet", text="医保卡付药费行不行")
    assert duplicate.status_code == 409 and "已经是意图 pay 的例句" in duplicate.get_data(as_text=True)

    assert post(editor, f"/console/teaching/examples/{example}/delete", kind="intent", name="pay").status_code == 302
    assert "医保卡付药费行不行" not in editor.get("/console/teaching/pending").get_data(as_text=True)

    actor = _actor(teaching, "editor")
    revisions = td.history(teaching.ctx, "intent", "pay")
    assert [(r.action, r.author) for r in revisions[:3]] == [
        ("example.delete", actor),
        ("example.edit", actor),
        ("example.add", actor),
    ]
    assert revisions[2].comment == "患者常问"
    history = editor.get("/console/teaching/history?kind=intent&name=pay").get_data(as_text=True)
    assert history.count('class="revision"') >= 3 and "修改例句" in history
    actions = [e.action for e in audit_actions(teaching.ctx) if e.actor == actor]
    assert {"training.example.add", "training.example.edit", "training.example.delete"} <= set(actions)


def test_responses_and_faq_answers_are_edited_with_their_buttons_kept(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    faq = next(
        i
        for i in td.list_items(teaching.ctx, "response")
        if i.name.startswith("utter_faq/") and len(i.body["variations"]) == 1
    )
    response = post(editor, "/console/teaching/responses", name=faq.name, text="门诊时间：周一至周日 8:00-17:00。")
    assert response.status_code == 302
    saved = td.get_item(teaching.ctx, "response", faq.name).body["variations"]
    assert saved[0]["text"] == "门诊时间：周一至周日 8:00-17:00。"
    assert {k: v for k, v in saved[0].items() if k != "text"} == {
        k: v for k, v in faq.body["variations"][0].items() if k != "text"
    }
    assert td.history(teaching.ctx, "response", faq.name)[0].action == "item.update"
    created = post(editor, "/console/teaching/responses", name="utter_console_test", text="测试回复")
    assert created.status_code == 302
    assert "测试回复" in editor.get("/console/teaching/pending").get_data(as_text=True)
    assert post(editor, "/console/teaching/responses", name="no_prefix", text="x").status_code == 422


def test_export_to_data_and_import_back(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    post(editor, "/console/teaching/examples", kind="intent", name="pay", text="医保卡能付吗")
    assert post(editor, "/console/teaching/export").status_code == 302
    payment = yaml.safe_load((teaching.paths.repo / "data/nlu/payment.yml").read_text(encoding="utf-8"))
    assert "- 医保卡能付吗" in payment["nlu"][0]["examples"]
    assert "没有待发布的修改" in editor.get("/console/teaching/pending").get_data(as_text=True)

    post(editor, "/console/teaching/examples", kind="intent", name="pay", text="医保卡刷得了吗")
    refused = post(editor, "/console/teaching/import")
    assert refused.status_code == 409  # pending edits are not dropped silently
    assert post(editor, "/console/teaching/import", force="1").status_code == 302
    texts = [e.text for e in td.get_item(teaching.ctx, "intent", "pay").examples]
    assert "医保卡能付吗" in texts and "医保卡刷得了吗" not in texts
    assert {"training.export", "training.import"} <= {e.action for e in audit_actions(teaching.ctx)}


# --- models ------------------------------------------------------------------------------------------


def test_a_training_request_is_queued_and_its_progress_is_json(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    response = post(editor, "/console/teaching/models/train", comment="医保问法")
    assert response.status_code == 302 and len(teaching.queued) == 1
    version = teaching.queued[0]
    assert response.headers["Location"] == f"/console/teaching/models/{version}"
    page = editor.get(f"/console/teaching/models/{version}").get_data(as_text=True)
    assert "排队中" in page and "teaching.js" in page and 'data-finished="false"' in page
    status = editor.get(f"/console/teaching/models/{version}/status").get_json()
    assert status["status"] == "queued" and status["finished"] is False
    busy = post(editor, "/console/teaching/models/train")
    assert busy.status_code == 409 and len(teaching.queued) == 1  # one run at a time

    _run(teaching, version, FakeRunner())  # what the worker does
    status = editor.get(f"/console/teaching/models/{version}/status").get_json()
    assert status["status"] == "ready" and status["finished"] is True
    assert teaching.client("kefu").get(f"/console/teaching/models/{version}/status").status_code == 403
    assert "model.train.request" in {e.action for e in audit_actions(teaching.ctx)}


def test_the_model_page_compares_and_activates_then_rolls_back(teaching: Teaching, tmp_path: Path) -> None:
    editor, admin = teaching.client("editor"), teaching.client("admin")
    teaching.paths.bootstrap_model.parent.mkdir(parents=True, exist_ok=True)
    teaching.paths.bootstrap_model.write_bytes(b"bootstrap")  # the model `make train` made
    versions = []
    for _ in range(2):
        post(editor, "/console/teaching/models/train")
        versions.append(teaching.queued[-1])
        _run(teaching, versions[-1], FakeRunner(macro_f1=0.96))
    first, second = versions

    page = editor.get(f"/console/teaching/models/{second}").get_data(as_text=True)
    assert "和线上模型比较" in page and "0.93" in page and "0.96" in page
    assert re.search(r'class="confusion"><td>pay</td><td>inform</td><td>3</td><td>1</td>', page)
    assert "在线上启用" in page

    assert post(editor, f"/console/teaching/models/{second}/activate", reason="医保问法").status_code == 302
    assert "线上" in editor.get("/console/teaching/models").get_data(as_text=True)
    rollback_page = admin.get(f"/console/teaching/models/{first}").get_data(as_text=True)
    assert "回滚到这个版本" in rollback_page
    assert post(admin, f"/console/teaching/models/{first}/activate", reason="回滚：挂号变差").status_code == 302

    # (with RASA_AUTH_TOKEN set, as `make` sets it, each call also carries `?token=`)
    assert [(r.method, r.path.split("?")[0]) for r in teaching.rasa.requests] == [("PUT", "/model"), ("PUT", "/model")]
    assert [r.json()["model_file"] for r in teaching.rasa.requests] == [
        ml.get_version(teaching.ctx, second).model_path,
        ml.get_version(teaching.ctx, first).model_path,
    ]
    active = ml.active_version(teaching.ctx)
    assert active is not None and active.id == first
    entries = [e for e in audit_actions(teaching.ctx) if e.action == "model.activate"]
    assert [(e.actor, e.subject, e.reason) for e in entries] == [
        (_actor(teaching, "editor"), second, "医保问法"),
        (_actor(teaching, "admin"), first, "回滚：挂号变差"),
    ]


def test_a_model_rasa_refuses_stays_inactive(database_url: str, tmp_path: Path) -> None:
    with fake_server(lambda request: (400, {"message": "model could not be loaded"})) as rasa:
        app = create_app(settings_for(database_url).model_copy(update={"rasa_url": rasa.url}))
        ctx: ServiceContext = app.extensions["hospital"]
        secret = make_staff(ctx, "editor", "dialogue_editor")
        model = tmp_path / "m.tar.gz"
        model.write_bytes(b"model")
        version = ml.register_model(
            ctx, model, author="staff:seed", paths=ml.LifecyclePaths(models=tmp_path / "models")
        )
        client = app.test_client()
        login(client, "editor", secret)
        response = post(client, f"/console/teaching/models/{version}/activate")
        assert response.status_code == 502 and "线上仍是原来的模型" in response.get_data(as_text=True)
        assert ml.active_version(ctx) is None
        ctx.db.dispose()


# --- conversation review --------------------------------------------------------------------------


def test_a_reviewed_message_becomes_an_example_of_the_chosen_intent(teaching: Teaching) -> None:
    message_id = conversation.record_inbound(
        teaching.ctx,
        InboundMessage(channel="web", sender="visitor-1", text="查下预约 手机13812345678", platform_msg_id="m-1"),
    )
    editor = teaching.client("editor")
    post(editor, "/console/conversations/why", why="改进机器人对话")
    review = editor.get("/console/conversations").get_data(as_text=True)
    assert "加为训练例句" in review and f"/console/teaching/review/{message_id}/example" in review
    assert '<option value="query_appointment">' in review
    kefu = teaching.client("kefu")  # a TOTP code is good once: one login per person per test
    post(kefu, "/console/conversations/why", why="回复患者")
    assert "加为训练例句" not in kefu.get("/console/conversations").get_data(as_text=True)

    forbidden = post(kefu, f"/console/teaching/review/{message_id}/example", intent="greet")
    assert forbidden.status_code == 403
    response = post(
        editor,
        f"/console/teaching/review/{message_id}/example",
        intent="query_appointment",
        next="/console/conversations?why=改进机器人对话",
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/console/conversations?why=")
    texts = [e.text for e in td.get_item(teaching.ctx, "intent", "query_appointment").examples]
    assert "查下预约 手机***********" in texts
    assert td.history(teaching.ctx, "intent", "query_appointment")[0].comment == f"对话审阅：消息 {message_id}"
    assert "查下预约 手机***********" in editor.get("/console/teaching/pending").get_data(as_text=True)
    second = conversation.record_inbound(
        teaching.ctx, InboundMessage(channel="web", sender="visitor-2", text="你好呀小助手", platform_msg_id="m-2")
    )
    evil = post(editor, f"/console/teaching/review/{second}/example", intent="greet", next="https://evil.example/")
    assert evil.status_code == 302 and evil.headers["Location"] == "/console/"  # no open redirect
