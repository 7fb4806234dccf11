"""One account holding the clinician and the pharmacist role cannot approve the refill it
signed (issue 11, weakness 8): the pharmacist's review is a second person's."""

from __future__ import annotations

from flask import Flask

from models import RefillReview
from services.context import ServiceContext
from tests.console_helpers import post
from tests.integration.test_refill_review import PRICED, staff_client, submitted


def test_a_clinician_pharmacist_cannot_approve_their_own_signature(app: Flask, ctx: ServiceContext) -> None:
    refill_id = submitted(ctx, PRICED)
    both = staff_client(app, ctx, "quanneng", "clinician", "pharmacist")
    assert post(both, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 302
    own = post(both, f"/console/refills/{refill_id}/approve", confirmed="1")
    assert own.status_code == 403 and "自己签署" in own.get_data(as_text=True)
    colleague = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert post(colleague, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    with ctx.db.reading() as session:
        review = session.get(RefillReview, refill_id)
        assert review is not None and review.pharmacist_decision == "approved"
        assert review.pharmacist_id != review.clinician_id
