"""Issue 17, the editor's side: every example of an intent reachable from one
page (paged, and search lands on the example), the data seeded from `data/` on
a fresh system with export and training not offered before, typos refused
instead of becoming intents or aliases, and names masked in a reviewed message
turned into an example."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import yaml

from app import create_app
from config import ROOT
from services.conversation import labels
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from tests.conftest import settings_for
from tests.console_helpers import login, make_staff, post
from tests.integration.conftest import Teaching


def _examples_in_data(intent: str) -> list[str]:
    """What `data/nlu/` holds for `intent`, from every block of every file."""
    found: list[str] = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if block.get("intent") == intent:
                found += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return found


def _shown(page: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'<input name="text" value="([^"]*)" maxlength="300"', page)]


def test_one_page_per_intent_holds_every_example_and_search_lands_on_it(teaching: Teaching) -> None:
    expected = _examples_in_data("affirm")
    assert len(expected) > 100  # affirm lives in several blocks and files
    editor = teaching.client("editor")
    listing = editor.get("/console/teaching?kind=intent").get_data(as_text=True)
    assert listing.count(">affirm</a>") == 1
    assert labels.intent_names()["affirm"] in listing  # the meaning beside the code
    seen: list[str] = []
    page = 1
    while True:
        body = editor.get(f"/console/teaching/item/intent/affirm?page={page}").get_data(as_text=True)
        seen += _shown(body)
        if 'rel="next"' not in body:
            break
        page += 1
    assert page >= 3 and sorted(seen) == sorted(expected)

    results = editor.get("/console/teaching?q=对呀").get_data(as_text=True)
    link = re.search(r'href="(/console/teaching/item/intent/affirm[^"]*#ex-(\d+))"', results)
    assert link is not None
    target = editor.get(html.unescape(link.group(1)).split("#")[0]).get_data(as_text=True)
    assert f'id="ex-{link.group(2)}"' in target and 'value="对呀"' in target


def test_a_fresh_system_is_seeded_from_data_and_offers_no_export_before(database_url: str, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    paths = ml.LifecyclePaths(repo=repo, models=tmp_path / "models", work=tmp_path / "work", triage=tmp_path / "t")
    app = create_app(settings_for(database_url))
    app.extensions["lifecycle_paths"] = paths
    ctx = app.extensions["hospital"]
    secret = make_staff(ctx, "editor", "dialogue_editor")
    client = app.test_client()
    assert login(client, "editor", secret).status_code == 302

    empty = client.get("/console/teaching").get_data(as_text=True)  # no data/ to load yet
    assert "还没有数据" in empty and ">导出到 data/</button>" not in empty
    pending = client.get("/console/teaching/pending").get_data(as_text=True)
    assert "校验并训练新模型" not in pending and ">导出到 data/</button>" not in pending
    refused = post(client, "/console/teaching/export")
    assert refused.status_code == 409 and "还没有载入训练数据" in refused.get_data(as_text=True)
    assert post(client, "/console/teaching/models/train").status_code == 409
    assert not (repo / "data").exists()  # the refused export wrote nothing

    shutil.copytree(ROOT / "data" / "nlu", repo / "data" / "nlu")
    (repo / "bot").mkdir()
    shutil.copyfile(ROOT / "bot" / "domain.yml", repo / "bot" / "domain.yml")
    app.extensions.pop("training_seeded", None)  # a new process
    listing = client.get("/console/teaching?kind=intent").get_data(as_text=True)
    assert ">affirm</a>" in listing and ">导出到 data/</button>" in listing
    assert len(td.get_item(ctx, "intent", "affirm").examples) == len(_examples_in_data("affirm"))
    assert td.seed_if_empty(ctx, repo) is None  # once: a second start loads nothing
    assert [r.action for r in td.history(ctx)].count("import") == 1
    ctx.db.dispose()


def test_typos_do_not_become_intents_or_aliases(teaching: Teaching) -> None:
    editor = teaching.client("editor")
    typo = post(editor, "/console/teaching/examples", kind="intent", name="report_symptm", text="我头疼", create="1")
    assert typo.status_code == 409 and "report_symptom" in typo.get_data(as_text=True)
    bad = post(editor, "/console/teaching/examples", kind="intent", name="Ask-Wifi", text="有无线网吗", create="1")
    assert bad.status_code == 422 and "小写" in bad.get_data(as_text=True)
    implicit = post(editor, "/console/teaching/examples", kind="intent", name="ask_wifi", text="有无线网吗")
    assert implicit.status_code == 422  # adding to an intent that does not exist is not a way to create one
    made = post(editor, "/console/teaching/examples", kind="intent", name="ask_wifi", text="有无线网吗", create="1")
    assert made.status_code == 302 and td.get_item(teaching.ctx, "intent", "ask_wifi").examples

    message_id = conversation.record_inbound(
        teaching.ctx, InboundMessage(channel="web", sender="visitor-9", text="我头疼得厉害", platform_msg_id="t-1")
    )
    refused = post(editor, f"/console/teaching/review/{message_id}/example", intent="report_symptm")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "report_symptom" in text and "affirm" in text
    assert "report_symptm" not in "".join(td.export_files(teaching.ctx).values())

    assert post(editor, "/console/teaching/examples", kind="synonym", name="ent", text="耳鼻猴科").status_code == 302
    twice = post(editor, "/console/teaching/examples", kind="synonym", name="cardiology", text="耳鼻猴科")
    assert twice.status_code == 409 and "ent" in twice.get_data(as_text=True)
    existing = td.get_item(teaching.ctx, "intent", "greet").examples[0].text
    other = post(editor, "/console/teaching/examples", kind="intent", name="goodbye", text=existing)
    assert other.status_code == 409 and "greet" in other.get_data(as_text=True)


def test_a_reviewed_message_becomes_an_example_with_names_masked(teaching: Teaching) -> None:
    message_id = conversation.record_inbound(
        teaching.ctx,
        InboundMessage(channel="web", sender="visitor-3", text="我叫张建国，想挂个号", platform_msg_id="n-1"),
    )
    editor = teaching.client("editor")
    response = post(editor, f"/console/teaching/review/{message_id}/example", intent="book_appointment")
    assert response.status_code == 302
    texts = [e.text for e in td.get_item(teaching.ctx, "intent", "book_appointment").examples]
    assert "我叫张**，想挂个号" in texts and not any("张建国" in t for t in texts)
    edited = post(
        editor, f"/console/teaching/review/{message_id}/example", intent="book_appointment", text="姓名：李娜 挂号"
    )
    assert edited.status_code == 302
    assert "姓名：李* 挂号" in [e.text for e in td.get_item(teaching.ctx, "intent", "book_appointment").examples]


def test_a_triage_proposal_reads_as_fields_and_goes_live_only_after_the_gate_results(teaching: Teaching) -> None:
    drli, drwang = teaching.client("drli"), teaching.client("drwang")
    live = teaching.paths.triage / "red_flags.yml"
    before = live.read_text(encoding="utf-8")
    data = yaml.safe_load(before)
    rule = data["rules"][0]
    rule["advice"] = "请立即拨打120。"
    proposed = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    broken = post(drli, "/console/teaching/triage", file="red_flags.yml", text="rules:\n  - id: a\n   bad: [")
    assert broken.status_code == 422 and "第 3 行附近" in broken.get_data(as_text=True)
    assert "while parsing" not in broken.get_data(as_text=True)  # not PyYAML's own words
    proposal = post(drli, "/console/teaching/triage", file="red_flags.yml", text=proposed).headers["Location"]
    page = drwang.get(proposal).get_data(as_text=True)
    assert f"rules › {rule['id']} › advice" in page and "请立即拨打120。" in page  # a field, not a YAML hunk
    assert 'id="go-live"' not in page

    assert post(drwang, f"{proposal}/approve").status_code == 302
    assert live.read_text(encoding="utf-8") == before  # the gates ran; nothing is live yet
    checked = drwang.get(proposal).get_data(as_text=True)
    assert "分诊测试：通过" in checked and 'id="go-live"' in checked and 'id="approve"' not in checked
    assert post(drli, f"{proposal}/go-live").status_code == 403  # the proposer cannot confirm
    assert post(drwang, f"{proposal}/go-live").status_code == 302
    assert live.read_text(encoding="utf-8") == proposed
    assert "已上线" in drwang.get(proposal).get_data(as_text=True)
