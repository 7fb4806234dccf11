"""The audit log as an auditor reads it: staff names, Chinese labels, filters by
who, action, patient and time, paging over the whole log, a CSV export that is
itself audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from flask import Flask

from models import AuditEntry
from services import audit
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from tests.console_helpers import audit_actions, login, make_staff, post


def seeded(ctx: ServiceContext) -> str:
    """130 refill views by the doctor (one a week ago), 3 hand-off views by support."""
    make_staff(ctx, "doctor", "clinician")
    make_staff(ctx, "kefu", "support")
    with ctx.db.transaction() as session:
        from sqlalchemy import select

        from models import StaffAccount

        ids = dict(session.execute(select(StaffAccount.username, StaffAccount.id)).all())
        for n in range(129):
            audit.record(
                ctx,
                session,
                actor=f"staff:{ids['doctor']}",
                action="refill.view",
                patient_id="pat_A",
                subject=f"rfl_{n}",
                reason="续方审核",
            )
        for n in range(3):
            audit.record(ctx, session, actor=f"staff:{ids['kefu']}", action="handoff.view", subject=f"handoff:{n}")
        session.add(  # written a week ago (the log is append-only: no backdating by UPDATE)
            AuditEntry(
                at=datetime.now(SHANGHAI) - timedelta(days=7),
                actor=f"staff:{ids['doctor']}",
                action="refill.view",
                patient_id="pat_A",
                subject="rfl_old",
            )
        )
    return ids["doctor"]


def test_the_audit_page_names_people_labels_actions_filters_and_pages(app: Flask, ctx: ServiceContext) -> None:
    doctor_id = seeded(ctx)
    admin = app.test_client()
    login(admin, "boss", make_staff(ctx, "boss", "admin"))
    page = admin.get("/console/audit").get_data(as_text=True)
    assert "Doctor（doctor）" in page and f"staff:{doctor_id}" not in page
    assert "查看续方申请" in page and "续方申请" in page and "第 1 / 3 页" in page  # 134 rows + logins

    by_who = admin.get("/console/audit?who=Kefu").get_data(as_text=True)
    assert by_who.count('<tr class="entry">') == 3 and "查看转人工对话" in by_who and "转人工工单" in by_who
    by_action = admin.get("/console/audit?action=refill.").get_data(as_text=True)
    assert "共 130 条" in by_action
    assert "共 130 条" in admin.get("/console/audit?patient=pat_A").get_data(as_text=True)
    today = datetime.now(SHANGHAI).date()
    recent = admin.get(f"/console/audit?action=refill.view&since={today - timedelta(days=1)}&until={today}")
    assert "共 129 条" in recent.get_data(as_text=True)
    week_ago = (today - timedelta(days=7)).isoformat()
    assert "共 1 条" in admin.get(f"/console/audit?action=refill.view&until={week_ago}").get_data(as_text=True)
    assert "第 3 / 3 页" in admin.get("/console/audit?page=3").get_data(as_text=True)
    assert admin.get("/console/audit?since=yesterday").status_code == 422
    assert admin.get(f"/console/audit?since={today}&until={today - timedelta(days=2)}").status_code == 422


def test_an_inspection_export_is_csv_of_every_match_and_is_audited(app: Flask, ctx: ServiceContext) -> None:
    seeded(ctx)
    admin = app.test_client()
    login(admin, "boss", make_staff(ctx, "boss", "admin"))
    assert post(admin, "/console/audit/export", action="refill.").status_code == 422  # no reason
    response = post(admin, "/console/audit/export", action="refill.", reason="卫健委检查")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["编号", "时间（北京时间）", "操作人"] and len(rows) == 131
    assert rows[1][2] == "Doctor（doctor）" and rows[1][4] == "查看续方申请"
    [export] = [e for e in audit_actions(ctx) if e.action == "audit.export"]
    assert export.reason == "卫健委检查" and '"rows": 130' in (export.detail or "")


def test_only_admins_read_the_log(app: Flask, ctx: ServiceContext) -> None:
    support = app.test_client()
    login(support, "kefu2", make_staff(ctx, "kefu2", "support"))
    assert support.get("/console/audit").status_code == 403
    assert post(support, "/console/audit/export", reason="看看").status_code == 403
