"""Refill review: clinicians sign or decline, pharmacists approve or reject.

Each decision takes two steps: the form's POST shows what is about to happen
(drugs, fee, the reason the patient will read) and only the confirmation's POST
(`confirmed=1`) decides. A refusal (an unpriced drug, someone faster) comes back
on the refill's own page with the viewing reason kept, never a dead end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.booking.calendar import SHANGHAI
from services.clinical import refill_history, refill_review
from services.errors import DomainError, InvalidInput
from services.staff.accounts import StaffIdentity
from web.console import bp, viewing
from web.console.auth import current_staff, require_role, staff_context
from web.error_status import status_for

STATUS_NAMES = {
    "submitted": "待医生审核",
    "signed": "医生已签署，待药师审核",
    "reviewed": "药师已通过，待患者支付",
    "declined": "未通过",
    "paid": "已支付",
    "dispensed": "已发药",
    "cancelled": "已取消",
}
PAYMENT_NAMES = {"pending": "待支付", "paid": "已支付", "closed": "已关闭", "refunded": "已退款"}
DECISIONS = {
    "sign": ("签署处方", "clinician", "签署后会生成线上处方，交药师审核；患者会收到通知，药师通过后才请患者付款。"),
    "decline": ("拒绝续方申请", "clinician", "患者会收到拒绝原因，并被建议到门诊复诊。"),
    "approve": ("药师审核通过", "pharmacist", "患者会收到审核通过的通知和药费的付款链接。"),
    "reject": ("药师审核不通过", "pharmacist", "患者会收到不通过原因，申请随即关闭（患者还没有付款，不涉及退款）。"),
}


def _who() -> StaffIdentity:
    who = current_staff()
    assert who is not None
    return who


def _subject(refill_id: str) -> str:
    return f"refill:{refill_id[:24]}"


def _names() -> dict[str, Any]:
    return {"status_names": STATUS_NAMES, "payment_names": PAYMENT_NAMES, "yuan": yuan}


def yuan(fen: int | None) -> str:
    return "—" if fen is None else f"¥{fen // 100}.{fen % 100:02d}"


@bp.get("/refills")
@require_role("clinician", "pharmacist")
def refill_queue() -> ResponseReturnValue:
    rows = refill_review.queue(staff_context(), _who())
    return render_template("console/refills.html", rows=rows, **_names())


def _refill_page(refill_id: str, why: str, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    view = refill_review.view(staff_context(), _who(), refill_id, why)
    form = request.form if request.method == "POST" else {}
    page = render_template("console/refill.html", refill=view, why=why, error=error, form=form, **_names())
    return page, status


@bp.get("/refills/<refill_id>")
@require_role("clinician", "pharmacist")
def refill_detail(refill_id: str) -> ResponseReturnValue:
    why = viewing.recall(_subject(refill_id))
    if not why:
        action = url_for("console.refill_why", refill_id=refill_id[:24])
        return render_template("console/why.html", subject=f"续方申请 {refill_id[:24]}", action=action)
    return _refill_page(refill_id, why)


@bp.post("/refills/<refill_id>/why")
@require_role("clinician", "pharmacist")
def refill_why(refill_id: str) -> ResponseReturnValue:
    """The viewing reason arrives in the body and is kept for this refill (never in a URL)."""
    why = viewing.posted_why()
    if len(why) < 2:
        raise InvalidInput("查看患者信息前请填写查看原因")
    viewing.remember(_subject(refill_id), why)
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


def _decide(refill_id: str, kind: str, act: Callable[[], object], done: str) -> ResponseReturnValue:
    """Confirm first, then act; any refusal is shown on the refill's page."""
    why = viewing.recall(_subject(refill_id))
    try:
        if request.form.get("confirmed") != "1":
            _precheck(refill_id, kind, why)
            return _confirm_page(refill_id, kind, why)
        act()
    except DomainError as exc:
        if not why:
            raise
        return _refill_page(refill_id, why, exc.message, status_for(exc))
    flash(done)
    return redirect(url_for("console.refill_queue"))


def _precheck(refill_id: str, kind: str, why: str) -> None:
    """What can be known before asking for confirmation: a fee that is needed and missing."""
    amount = _yuan_to_fen(request.form.get("amount_yuan", ""))
    if kind == "sign" and amount is None and why:
        view = refill_review.view(staff_context(), _who(), refill_id, why)
        if not view["priced"]:
            raise InvalidInput("这张处方的药品还没有定价，请先填写药费")
    if (
        kind in ("decline", "reject")
        and len(request.form.get("reason" if kind == "decline" else "note", "").strip()) < 2
    ):
        raise InvalidInput("请填写原因，患者会收到这条说明")


def _confirm_page(refill_id: str, kind: str, why: str) -> ResponseReturnValue:
    title, _role, consequence = DECISIONS[kind]
    view = refill_review.view(staff_context(), _who(), refill_id, why) if why else None
    if kind == "reject" and view and view["status"] == "paid":  # paid before review (see PHARMACIST_QUEUE)
        consequence = "患者会收到不通过原因；这个续方在药师审核前已付款，药费将原路退回。"
    amount = _yuan_to_fen(request.form.get("amount_yuan", ""))
    fields = {k: v for k, v in request.form.items() if k in ("amount_yuan", "reason", "note")}
    return render_template(
        "console/refill_confirm.html",
        refill_id=refill_id[:24],
        kind=kind,
        title=title,
        consequence=consequence,
        refill=view,
        amount_fen=amount,
        fields=fields,
        action=request.path,
        **_names(),
    )


@bp.post("/refills/<refill_id>/sign")
@require_role("clinician")
def refill_sign(refill_id: str) -> ResponseReturnValue:
    amount = request.form.get("amount_yuan", "")
    return _decide(
        refill_id,
        "sign",
        lambda: refill_review.sign(staff_context(), _who(), refill_id, _yuan_to_fen(amount)),
        "已签署处方，已交药师审核",
    )


@bp.post("/refills/<refill_id>/decline")
@require_role("clinician")
def refill_decline(refill_id: str) -> ResponseReturnValue:
    reason = request.form.get("reason", "")
    return _decide(
        refill_id,
        "decline",
        lambda: refill_review.decline(staff_context(), _who(), refill_id, reason),
        "已拒绝这个续方申请，已通知患者",
    )


@bp.post("/refills/<refill_id>/approve")
@require_role("pharmacist")
def refill_approve(refill_id: str) -> ResponseReturnValue:
    note = request.form.get("note", "")
    return _decide(
        refill_id,
        "approve",
        lambda: refill_review.pharmacist_review(staff_context(), _who(), refill_id, True, note),
        "药师审核通过，已把付款链接发给患者",
    )


@bp.post("/refills/<refill_id>/reject")
@require_role("pharmacist")
def refill_reject(refill_id: str) -> ResponseReturnValue:
    note = request.form.get("note", "")
    return _decide(
        refill_id,
        "reject",
        lambda: refill_review.pharmacist_review(staff_context(), _who(), refill_id, False, note),
        "药师审核未通过，已通知患者",
    )


def _day(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput("日期格式应为 2026-01-31") from None


@bp.get("/refills/history")
@require_role("clinician", "pharmacist")
def refill_history_page() -> ResponseReturnValue:
    """Handled refills, which vanish from both queues: filter by outcome, self, period."""
    since, until = _day("since"), _day("until")
    filters = refill_history.HistoryFilters(
        outcome=request.args.get("outcome", "").strip()[:30],
        mine_only=request.args.get("mine") == "1",
        since=datetime.combine(since, time.min, SHANGHAI) if since else None,
        until=datetime.combine(until + timedelta(days=1), time.min, SHANGHAI) if until else None,
    )
    page = request.args.get("page", "1")
    found = refill_history.history(staff_context(), _who(), filters, int(page) if page.isdigit() else 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "console/refill_history.html", found=found, args=args, outcomes=refill_history.OUTCOMES, **_names()
    )
