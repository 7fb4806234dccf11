"""Console URLs answer errors with pages in Chinese (not the API's JSON); the API
keeps JSON, and so do the console's own polled JSON answers."""

from __future__ import annotations

from flask import Flask

from services.context import ServiceContext
from tests.console_helpers import login, make_staff


def test_unknown_forbidden_and_broken_console_urls_are_chinese_pages(app: Flask, ctx: ServiceContext) -> None:
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/console/boom", "boom", boom)
    client = app.test_client()
    login(client, "kefu", make_staff(ctx, "kefu", "support"))

    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "页面不存在" in missing.get_data(as_text=True) and "返回工作台" in missing.get_data(as_text=True)
    forbidden = client.get("/console/audit")
    assert forbidden.status_code == 403 and "您的角色不能访问这个页面" in forbidden.get_data(as_text=True)
    wrong_method = client.get("/console/handoffs/1/claim")
    assert wrong_method.status_code == 405 and "请从工作台的菜单进入" in wrong_method.get_data(as_text=True)
    broken = client.get("/console/boom")
    body = broken.get_data(as_text=True)
    assert broken.status_code == 500 and broken.mimetype == "text/html"
    assert "系统出了点问题" in body and "secret internals" not in body and "Traceback" not in body

    assert client.get("/api/v1/no-such-thing").json["error"] == "not_found"  # the API stays JSON
    assert client.get("/console/handoffs/feed.json").mimetype == "application/json"
