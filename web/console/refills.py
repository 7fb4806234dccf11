"""Refill review: clinicians sign or decline, pharmacists approve or reject."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.clinical import refill_review
from services.errors import InvalidInput
from services.staff.accounts import StaffIdentity
from web.console import bp, viewing
from web.console.auth import current_staff, require_role, staff_context

STATUS_NAMES = {
    "submitted": "待医生审核",
    "signed": "医生已签署",
    "reviewed": "药师已审核",
    "declined": "未通过",
    "paid": "已支付",
    "dispensed": "已发药",
    "cancelled": "已取消",
}


def _who() -> StaffIdentity:
    who = current_staff()
    assert who is not None
    return who


@bp.get("/refills")
@require_role("clinician", "pharmacist")
def refill_queue() -> ResponseReturnValue:
    rows = refill_review.queue(staff_context(), _who())
    return render_template("console/refills.html", rows=rows, status_names=STATUS_NAMES)


@bp.get("/refills/<refill_id>")
@require_role("clinician", "pharmacist")
def refill_detail(refill_id: str) -> ResponseReturnValue:
    why = viewing.recall(f"refill:{refill_id[:24]}")
    if not why:
        action = url_for("console.refill_why", refill_id=refill_id[:24])
        return render_template("console/why.html", subject=f"续方申请 {refill_id[:24]}", action=action)
    view = refill_review.view(staff_context(), _who(), refill_id, why)
    return render_template("console/refill.html", refill=view, why=why, status_names=STATUS_NAMES)


@bp.post("/refills/<refill_id>/why")
@require_role("clinician", "pharmacist")
def refill_why(refill_id: str) -> ResponseReturnValue:
    """The viewing reason arrives in the body and is kept for this refill (never in a URL)."""
    why = viewing.posted_why()
    if len(why) < 2:
        raise InvalidInput("查看患者信息前请填写查看原因")
    viewing.remember(f"refill:{refill_id[:24]}", why)
    return redirect(url_for("console.refill_detail", refill_id=refill_id[:24]))


def _yuan_to_fen(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput("药费请填写金额，例如 56.80") from None
    if value <= 0 or value > 100000 or value != value.quantize(Decimal("0.01")):
        raise InvalidInput("药费请填写大于0的金额，最多两位小数")
    return int(value * 100)


@bp.post("/refills/<refill_id>/sign")
@require_role("clinician")
def refill_sign(refill_id: str) -> ResponseReturnValue:
    refill_review.sign(staff_context(), _who(), refill_id, _yuan_to_fen(request.form.get("amount_yuan", "")))
    flash("已签署处方，已通知患者支付药费")
    return redirect(url_for("console.refill_queue"))


@bp.post("/refills/<refill_id>/decline")
@require_role("clinician")
def refill_decline(refill_id: str) -> ResponseReturnValue:
    refill_review.decline(staff_context(), _who(), refill_id, request.form.get("reason", ""))
    flash("已拒绝这个续方申请，已通知患者")
    return redirect(url_for("console.refill_queue"))


@bp.post("/refills/<refill_id>/approve")
@require_role("pharmacist")
def refill_approve(refill_id: str) -> ResponseReturnValue:
    refill_review.pharmacist_review(staff_context(), _who(), refill_id, True, request.form.get("note", ""))
    flash("药师审核通过，已通知患者")
    return redirect(url_for("console.refill_queue"))


@bp.post("/refills/<refill_id>/reject")
@require_role("pharmacist")
def refill_reject(refill_id: str) -> ResponseReturnValue:
    refill_review.pharmacist_review(staff_context(), _who(), refill_id, False, request.form.get("note", ""))
    flash("药师审核未通过，已通知患者")
    return redirect(url_for("console.refill_queue"))
