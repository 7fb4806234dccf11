"""Readiness and the console warn when the booking window reaches days whose
holidays neither chinese-calendar nor data/calendar_overrides.yml knows (issue 13)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from flask import Flask, render_template
from flask.testing import FlaskClient

from services.context import ServiceContext
from tests.console_helpers import login, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_readiness_warns_once_the_window_reaches_an_unknown_year(client: FlaskClient) -> None:
    with time_machine.travel(datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert client.get("/readyz").json["warnings"] == {}
    with time_machine.travel(datetime(2026, 12, 26, 9, 0, tzinfo=SHANGHAI), tick=False):
        warning = client.get("/readyz").json["warnings"]["calendar"]
    assert "2027" in warning and "calendar_overrides.yml" in warning


def test_the_console_home_carries_the_same_warning(app: Flask, ctx: ServiceContext) -> None:
    """The console's session checks real time, so the page is rendered for the warning directly."""
    agent = app.test_client()
    login(agent, "kefu", make_staff(ctx, "kefu", "support"))
    page = agent.get("/console/").get_data(as_text=True)
    assert "您好" in page and "节假日日历缺" not in page  # today's window is known
    with app.test_request_context("/console/"):
        warning = "节假日日历缺 2027 年的安排：预约窗口里 2027-01-04 起的日子只按周一到周五开诊估算。"
        html = render_template("console/home.html", calendar_warning=warning)
    assert 'role="alert"' in html and warning in html
