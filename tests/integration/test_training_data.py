"""Training data in the database: the real data/ survives import → export, every
edit is an immutable revision, and the pending diff says what changed."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app import build_context
from config import ROOT
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.teaching import training_data as td
from services.teaching.training_yaml import DOMAIN_PATH
from tests.conftest import settings_for

EDITOR = "staff:editor"


def _repo_files() -> dict[str, str]:
    return td.read_directory(ROOT)


@pytest.fixture
def imported(ctx: ServiceContext) -> ServiceContext:
    td.import_directory(ctx, ROOT, author=EDITOR)
    return ctx


def _parsed(root: Path) -> dict[str, object]:
    return {rel: yaml.safe_load(body) for rel, body in td.read_directory(root).items()}


def test_real_data_round_trips_without_loss(ctx: ServiceContext, tmp_path: Path) -> None:
    source = _repo_files()
    summary = td.import_files(ctx, source, author=EDITOR)
    assert summary.items > 50 and summary.examples > 1000 and summary.responses > 20

    first = tmp_path / "first"
    td.export_directory(ctx, first, author=EDITOR, record=False)
    assert _parsed(first) == {rel: yaml.safe_load(body) for rel, body in source.items()}
    # The files come back byte for byte: comments, quoting and the domain's anchors too.
    assert td.read_directory(first) == source

    # A second trip through a fresh import is byte-stable.
    td.import_directory(ctx, first, author=EDITOR, force=True)
    second = tmp_path / "second"
    td.export_directory(ctx, second, author=EDITOR, record=False)
    assert td.read_directory(second) == td.read_directory(first)
    assert td.pending_changes(ctx) == []


def test_edits_export_as_rasa_yaml_and_round_trip(imported: ServiceContext, tmp_path: Path) -> None:
    ctx = imported
    td.add_example(ctx, "intent", "book_appointment", "帮我约个[牙科](department)的号", author=EDITOR)
    td.add_example(ctx, "synonym", "stomatology", "牙医科", author=EDITOR)
    td.add_example(ctx, "lookup", "drug", "布洛芬缓释胶囊", author=EDITOR)
    td.set_faq_answer(ctx, "hours", "门诊时间：周一到周日 8:00-17:30。", author=EDITOR)
    greet = td.get_item(ctx, "response", "utter_greet").body["variations"]
    greet[0]["text"] = "您好！我是小助手。"
    td.set_response(ctx, "utter_greet", greet, author=EDITOR)  # breaks the &main_menu anchor: written in full

    out = tmp_path / "out"
    td.export_directory(ctx, out, author=EDITOR, record=False)
    booking = yaml.safe_load((out / "data/nlu/booking.yml").read_text(encoding="utf-8"))
    intent = next(i for i in booking["nlu"] if i.get("intent") == "book_appointment")
    assert "- 帮我约个[牙科](department)的号" in intent["examples"].splitlines()
    domain = yaml.safe_load((out / DOMAIN_PATH).read_text(encoding="utf-8"))
    assert domain["responses"]["utter_faq/hours"][0]["text"] == "门诊时间：周一到周日 8:00-17:30。"
    assert domain["responses"]["utter_greet"][0]["text"] == "您好！我是小助手。"
    assert domain["responses"]["utter_main_menu"][0]["buttons"] == greet[0]["buttons"]
    assert domain["intents"] == yaml.safe_load(_repo_files()[DOMAIN_PATH])["intents"]  # the rest untouched

    td.import_directory(ctx, out, author=EDITOR, force=True)
    again = tmp_path / "again"
    td.export_directory(ctx, again, author=EDITOR, record=False)
    assert td.read_directory(again) == td.read_directory(out)


def test_add_edit_delete_are_versioned(imported: ServiceContext) -> None:
    ctx = imported
    example_id = td.add_example(ctx, "intent", "request_human", "我想跟真人聊聊", author=EDITOR, comment="审阅对话")
    td.edit_example(ctx, example_id, "我想跟真人客服聊聊", author="staff:other", comment="更口语")
    td.delete_example(ctx, example_id, author=EDITOR, comment="重复了")

    revisions = td.history(ctx, "intent", "request_human")
    assert [r.action for r in revisions] == ["example.delete", "example.edit", "example.add"]
    delete, edit, add = revisions
    assert (add.author, add.comment) == (EDITOR, "审阅对话")
    assert edit.author == "staff:other"
    assert add.before is not None and "我想跟真人聊聊" not in add.before["examples"]
    assert add.after is not None and "我想跟真人聊聊" in add.after["examples"]
    assert edit.after is not None and "我想跟真人客服聊聊" in edit.after["examples"]
    assert delete.after is not None and "我想跟真人客服聊聊" not in delete.after["examples"]
    assert all(r.at.tzinfo is not None for r in revisions)


def test_revisions_are_immutable(imported: ServiceContext) -> None:
    td.add_example(imported, "intent", "thank", "太感谢你们了", author=EDITOR)
    for statement in ("UPDATE training_revisions SET author = 'x'", "DELETE FROM training_revisions"):
        with pytest.raises(DatabaseError), imported.db.transaction() as session:
            session.execute(text(statement))


def test_pending_changes_diff_against_the_last_export(imported: ServiceContext, tmp_path: Path) -> None:
    ctx = imported
    assert td.pending_changes(ctx) == [] and td.pending_diff(ctx) == ""
    added = td.add_example(ctx, "intent", "pay", "医保卡能付吗", author=EDITOR)
    gone = td.get_item(ctx, "intent", "thank").examples[0]
    td.delete_example(ctx, gone.id, author=EDITOR)
    td.add_example(ctx, "intent", "faq/lost_and_found", "东西丢在医院了去哪找", author=EDITOR, create=True)
    td.set_response(ctx, "utter_faq/lost_and_found", [{"text": "请到一楼服务台失物招领处。"}], author=EDITOR)

    changes = {(c.kind, c.name): c for c in td.pending_changes(ctx)}
    assert changes[("intent", "pay")].examples_added == ["医保卡能付吗"]
    assert changes[("intent", "thank")].examples_removed == [gone.text]
    assert changes[("intent", "faq/lost_and_found")].status == "added"
    assert changes[("response", "utter_faq/lost_and_found")].body_after == {
        "variations": [{"text": "请到一楼服务台失物招领处。"}]
    }
    diff = td.pending_diff(ctx)
    assert "+    - 医保卡能付吗" in diff and f"-    - {gone.text}" in diff and "b/data/nlu/faq.yml" in diff

    # An add then delete of the same example is no change at all.
    td.delete_example(ctx, added, author=EDITOR)
    assert ("intent", "pay") not in {(c.kind, c.name) for c in td.pending_changes(ctx)}

    # Exporting (to a checkout) makes this the new baseline; importing over pending edits is refused.
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "bot", checkout / "bot")
    td.add_example(ctx, "intent", "pay", "可以刷医保吗", author=EDITOR)
    with pytest.raises(td.PendingChanges):
        td.import_directory(ctx, ROOT, author=EDITOR)
    td.export_directory(ctx, checkout, author=EDITOR)
    assert td.pending_changes(ctx) == []
    assert "- 可以刷医保吗" in (checkout / "data/nlu/payment.yml").read_text(encoding="utf-8")


def test_search_finds_examples_names_and_responses(imported: ServiceContext) -> None:
    hits = td.search(imported, "心内科")
    assert any(h.kind == "intent" and h.name == "book_appointment" and h.example_id for h in hits)
    assert any(h.kind == "synonym" and h.name == "cardiology" for h in hits)
    assert any(h.kind == "response" for h in td.search(imported, "门诊时间"))
    assert {h.kind for h in td.search(imported, "心内科", kind="lookup")} == {"lookup"}


def test_bad_edits_are_refused(imported: ServiceContext) -> None:
    ctx = imported
    existing = td.get_item(ctx, "intent", "greet").examples[0].text
    with pytest.raises(Conflict):
        td.add_example(ctx, "intent", "goodbye", existing, author=EDITOR)  # another intent has it
    with pytest.raises(InvalidInput):
        td.add_example(ctx, "intent", "greet", "两行\n例句", author=EDITOR)
    with pytest.raises(InvalidInput):
        td.add_example(ctx, "regex", "phone", "1[3-9", author=EDITOR)
    with pytest.raises(InvalidInput):
        td.set_response(ctx, "utter_greet", [{"text": "好", "buttons": [{"title": "没有内容"}]}], author=EDITOR)
    with pytest.raises(NotFound):
        td.edit_example(ctx, 10**9, "你好", author=EDITOR)
    assert td.pending_changes(ctx) == []


def test_deleting_the_last_example_removes_the_item(imported: ServiceContext) -> None:
    ctx = imported
    example_id = td.add_example(ctx, "intent", "faq/wifi", "医院有wifi吗", author=EDITOR, create=True)
    td.delete_example(ctx, example_id, author=EDITOR)
    with pytest.raises(NotFound):
        td.get_item(ctx, "intent", "faq/wifi")
    assert td.pending_changes(ctx) == []


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_first_run_seeding_happens_once_when_workers_start_together(
    database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    ctx = build_context(settings_for(url))
    try:
        assert not td.has_data(ctx)
        barrier = threading.Barrier(4)
        results: list[object] = []

        def start() -> None:
            barrier.wait()
            results.append(td.seed_if_empty(ctx, ROOT))

        workers = [threading.Thread(target=start) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert sum(r is not None for r in results) == 1  # one loads, the others find it loaded
        assert [r.action for r in td.history(ctx)] == ["import"]
        assert len(td.get_item(ctx, "intent", "affirm").examples) > 100
    finally:
        ctx.db.dispose()
