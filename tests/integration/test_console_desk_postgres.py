"""The console's reading queries on PostgreSQL too: the inbox order (urgent by an
EXISTS over the messages, then open before claimed, then waiting), the audit log's
filters and export, and the refill history's outcomes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app import build_context
from services import audit_log
from services.booking.calendar import SHANGHAI
from services.clinical import refill_history, refill_review, refills
from services.conversation import handoff, handoff_desk, handoff_inbox
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from services.staff import accounts as staff
from tests.clinical_factories import make_prescription
from tests.conftest import settings_for
from tests.console_helpers import make_staff
from tests.factories import make_patient
from tests.integration.test_refill_review import PRICED


@pytest.mark.postgres
def test_inbox_audit_and_history_queries_on_postgresql(postgres_url: str) -> None:
    ctx = build_context(settings_for(postgres_url))
    try:
        make_staff(ctx, "kefu", "support")
        make_staff(ctx, "doc", "clinician")
        ids = {row.username: row.id for row in staff.list_staff(ctx)}
        calm, _ = handoff.open_ticket(ctx, "web:calm", "asked_for_human")
        claimed, _ = handoff.open_ticket(ctx, "web:claimed", "asked_for_human")
        handoff_desk.claim(ctx.acting_as(f"staff:{ids['kefu']}"), claimed, ids["kefu"])
        message = conversation.record_inbound(
            ctx, InboundMessage(channel="web", sender="sick", text="胸口疼", platform_msg_id="pg-1")
        )
        conversation.settle(ctx, message, "emergency")
        sick, _ = handoff.open_ticket(ctx, "web:sick", "asked_for_human")
        page = handoff_inbox.list_inbox(ctx)
        assert [row.id for row in page.rows] == [sick, calm, claimed] and page.rows[0].urgent
        assert page.rows[0].preview == "胸口疼" and page.total == 3

        patient = make_patient(ctx, name="张建国", phone="13900003333")
        refill_id = str(
            refills.request_refill(
                ctx, patient_id=patient, prescription_id=make_prescription(ctx, patient, drugs=PRICED)
            )["id"]
        )
        doctor = staff.StaffIdentity(ids["doc"], "doc", "Doc", frozenset({"clinician"}))
        refill_review.sign(ctx.acting_as(f"staff:{ids['doc']}"), doctor, refill_id)
        found = refill_history.history(ctx, doctor, refill_history.HistoryFilters(outcome="signed", mine_only=True))
        assert [(r.id, r.clinician, r.fee_fen) for r in found.rows] == [(refill_id, "Doc", 5700)]
        assert refill_history.history(ctx, doctor, refill_history.HistoryFilters(outcome="approved")).total == 0

        now = datetime.now(SHANGHAI)
        filters = audit_log.Filters(who="Kefu", action="handoff.", since=now - timedelta(hours=1))
        assert [row.action_name for row in audit_log.search(ctx, filters).rows] == ["接手转人工工单"]
        csv_text = audit_log.export_csv(ctx.acting_as(f"staff:{ids['kefu']}"), filters, "抽查")
        assert "接手转人工工单" in csv_text and csv_text.count("\n") == 2
    finally:
        ctx.db.dispose()
