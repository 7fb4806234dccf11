"""Teaching the bot in real headless Chromium (Debian's package, through Playwright),
against the app over real HTTP with a fake Rasa runner and no worker: an editor logs in
with password and TOTP on a fresh database (seeded from data/ on the first visit),
pages through every example of `affirm` on its one page, searches and lands on the
example, has a typo of an intent name refused, adds an example, sees it in the pending
diff, requests training; the training is then run in a thread (what the worker does,
with a fake Rasa runner) while the page polls its JSON status and shows the
comparison. A second clinician runs the gates on a triage change, reads the results,
then confirms it live; a reviewed message becomes an example.

The same pages on the whole running system, with real training: test_console_teaching_on_stack.py.
Screenshots go to test-artifacts/console/teaching-*.png.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from werkzeug.serving import make_server

from config import ROOT
from services.context import ServiceContext
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.task_queue import InMemoryTaskQueue
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from tests.console_helpers import PASSWORD, make_staff
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.integration.test_model_lifecycle import FakeRunner
from tests.wiring import use

SHOTS = ARTIFACTS / "console"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"teaching-{name}.png"), full_page=True)


def _login(page, base_url: str, username: str, secret: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")


@pytest.fixture
def live_teaching(
    app: Flask, ctx: ServiceContext, tmp_path: Path
) -> Iterator[tuple[str, list[str], ml.LifecyclePaths]]:
    triage = tmp_path / "data" / "triage"
    shutil.copytree(ROOT / "data" / "triage", triage)
    shutil.copyfile(ROOT / "data" / "departments.yml", tmp_path / "data" / "departments.yml")
    paths = ml.LifecyclePaths(repo=tmp_path / "repo", models=tmp_path / "models", work=tmp_path / "work", triage=triage)
    queued: list[str] = []
    use(app, tasks=InMemoryTaskQueue(run=lambda _name, args: queued.append(str(args[0]))))
    app.extensions["lifecycle_paths"] = paths
    shutil.copytree(ROOT / "data" / "nlu", paths.repo / "data" / "nlu")  # what the first visit seeds from
    (paths.repo / "bot").mkdir()
    shutil.copyfile(ROOT / "bot" / "domain.yml", paths.repo / "bot" / "domain.yml")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", queued, paths
    finally:
        http.shutdown()


def _chromium():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    return sync_playwright()


@pytest.mark.browser
def test_an_editor_adds_an_example_sees_the_diff_and_trains(
    live_teaching: tuple[str, list[str], ml.LifecyclePaths], ctx: ServiceContext
) -> None:
    from playwright.sync_api import expect

    base_url, queued, paths = live_teaching
    editor_secret = make_staff(ctx, "editor", "dialogue_editor")
    drli_secret, drwang_secret = make_staff(ctx, "drli", "clinician"), make_staff(ctx, "drwang", "clinician")
    message_id = conversation.record_inbound(
        ctx, InboundMessage(channel="web", sender="v-1", text="我想看看我约的号 13812345678", platform_msg_id="b-1")
    )
    with _chromium() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            _login(page, base_url, "editor", editor_secret)
            page.get_by_role("link", name="教机器人").first.click()
            expect(page.locator("h1")).to_have_text("训练数据")
            expect(
                page.locator("tr.item").filter(has=page.get_by_role("link", name="affirm", exact=True))
            ).to_have_count(1)
            _shot(page, "items")
            affirm = len(td.get_item(ctx, "intent", "affirm").examples)
            assert affirm > 100  # seeded on this first visit, from every block and file of data/nlu/
            page.get_by_role("link", name="affirm", exact=True).click()
            expect(page.locator("section.card h2").first).to_contain_text(f"（{affirm}）")
            seen, pages = page.locator("tr.example").count(), 1
            while page.locator("a[rel=next]").count():
                pages += 1
                page.click("a[rel=next]")
                page.wait_for_url(f"**page={pages}")
                seen += page.locator("tr.example").count()
            assert seen == affirm
            page.goto(base_url + "/console/teaching")
            page.fill("#q", "对呀")
            page.click("form.filters button[type=submit]")
            _shot(page, "search")
            page.locator("tr.hit").filter(has_text="affirm").first.get_by_role("link").click()
            expect(page.locator("tr.example:target input[name=text]")).to_have_value("对呀")
            _shot(page, "search-landed")

            page.goto(base_url + "/console/teaching?kind=intent")
            page.fill("#new-name", "report_symptm")
            page.fill("#new-text", "我头疼得厉害")
            page.get_by_role("button", name="新建意图").click()
            expect(page.locator("body")).to_contain_text("report_symptom")
            _shot(page, "typo-refused")

            page.goto(base_url + "/console/teaching/item/intent/pay")
            page.fill("#new-example", "医保卡付药费行不行")
            page.get_by_role("button", name="添加", exact=True).click()
            expect(page.locator(".flash")).to_contain_text("已添加例句")
            expect(page.locator("tr.example input[value='医保卡付药费行不行']")).to_have_count(1)
            _shot(page, "intent")

            page.get_by_role("link", name="待发布的修改").click()
            expect(page.locator("tr.change")).to_contain_text("+ 医保卡付药费行不行")
            expect(page.locator("#diff")).to_contain_text("+    - 医保卡付药费行不行")
            _shot(page, "pending")
            page.get_by_role("link", name="修改历史").click()
            expect(page.locator("tr.revision").first).to_contain_text("添加例句")
            _shot(page, "history")

            page.goto(base_url + "/console/teaching/item/response/utter_greet")
            _shot(page, "response")
            page.goto(base_url + "/console/teaching?kind=faq")
            _shot(page, "faq")
            page.goto(base_url + "/console/teaching?kind=synonym")
            _shot(page, "synonyms")

            page.goto(base_url + "/console/teaching/models")
            page.fill("#train-comment", "医保问法")
            page.get_by_role("button", name="校验并训练新模型").click()
            expect(page.locator("#status")).to_have_text("排队中")
            assert len(queued) == 1
            _shot(page, "model-queued")
            # The worker's part, while the page polls /status: validate, train, evaluate.
            worker = threading.Thread(
                target=ml.run_training, args=(ctx, queued[0], FakeRunner(macro_f1=0.96), replace(paths, repo=ROOT))
            )
            worker.start()
            expect(page.locator("#status")).to_have_text("可启用", timeout=30000)
            worker.join()
            expect(page.locator("table.compare")).to_contain_text("意图 macro-F1")
            expect(page.locator("#activate")).to_be_visible()
            _shot(page, "model-ready")
            page.goto(base_url + "/console/teaching/models")
            _shot(page, "models")

            page.goto(base_url + "/console/conversations")  # the viewing reason is posted, not put in the URL
            page.fill("#why", "改进机器人对话")
            page.click("#why-form button[type=submit]")
            row = page.locator("tr.message").filter(has_text="我想看看我约的号")
            row.locator("input[name=intent]").fill("query_appointment")
            _shot(page, "review")
            row.get_by_role("button", name="加为训练例句").click()
            expect(page.locator(".flash")).to_contain_text("已把这条消息加为意图 query_appointment 的训练例句")
            assert "我想看看我约的号 ***********" in [
                e.text for e in td.get_item(ctx, "intent", "query_appointment").examples
            ]

            # A clinician proposes a triage change; another runs the gates, reads them, confirms.
            doctor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _login(doctor, base_url, "drli", drli_secret)
            doctor.goto(base_url + "/console/teaching/triage?file=advice.yml")
            text = doctor.locator("#triage-text").input_value()
            doctor.fill("#triage-text", text.rstrip("\n") + "\n# 2026 年复核\n")
            doctor.fill("#triage-comment", "加复核注记")
            _shot(doctor, "triage")
            doctor.get_by_role("button", name="提出修改").click()
            expect(doctor.locator(".flash")).to_contain_text("需要另一位临床医生审核")
            expect(doctor.locator("#approve")).to_have_count(0)
            proposal_url = doctor.url
            second = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _login(second, base_url, "drwang", drwang_secret)
            second.goto(proposal_url)
            expect(second.locator("pre.diff")).to_contain_text("+# 2026 年复核")
            _shot(second, "proposal-pending")
            second.click("#approve")
            expect(second.locator("#gate")).to_contain_text("分诊测试：通过", timeout=60000)
            assert not (paths.triage / "advice.yml").read_text(encoding="utf-8").endswith("# 2026 年复核\n")
            _shot(second, "proposal-checked")
            second.click("#go-live")
            expect(second.locator(".flash")).to_contain_text("已确认上线")
            _shot(second, "proposal")
        finally:
            browser.close()
    assert (paths.triage / "advice.yml").read_text(encoding="utf-8").endswith("# 2026 年复核\n")
    assert message_id > 0
