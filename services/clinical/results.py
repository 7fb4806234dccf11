"""Lab and exam results, shown only to a caller who proved the patient's phone.

The proof is a `results` grant from `services.otp`: its phone blind index must
equal the patient's, so a grant for one phone can never open another patient's
reports. Every view and every refusal is audited. The plain-words summary
states which items are outside the reference range and nothing more: judging
what that means is the doctor's job.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import Department, LabReport, Patient, ReportItem, utcnow
from services import audit
from services.booking.calendar import SHANGHAI
from services.clinical.sealed import title_of
from services.context import ServiceContext
from services.patients.otp import Grant, VerificationRequired, check_grant

VALUE_CONTEXT = "report_items.value"
FINDINGS_CONTEXT = "lab_reports.findings"
PURPOSE = "results"
DOCTOR_JUDGES = "结果需要结合病情由医生判断，建议复诊时带上报告。"
# Usual turnaround from sampling to report, to tell a patient when to look again.
TURNAROUND = {"lab": timedelta(days=1), "exam": timedelta(days=3)}

Flag = Literal["high", "low", "normal"]


def flag_for(value: str, low: float | None, high: float | None) -> Flag | None:
    """Where a value lies against its reference range (bounds inclusive); None if it can't be said."""
    if low is None and high is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if high is not None and number > high:
        return "high"
    if low is not None and number < low:
        return "low"
    return "normal"


def _num(value: float) -> str:
    return f"{value:g}"


def reference_text(low: float | None, high: float | None) -> str | None:
    """As printed on the report: "3.5-9.5", "<5.2", ">3.9"."""
    if low is not None and high is not None:
        return f"{_num(low)}-{_num(high)}"
    if high is not None:
        return f"<{_num(high)}"
    if low is not None:
        return f">{_num(low)}"
    return None


def summarize(items: list[dict[str, Any]]) -> str:
    high = [item["name"] for item in items if item["flag"] == "high"]
    low = [item["name"] for item in items if item["flag"] == "low"]
    parts = []
    if high:
        parts.append(f"有{len(high)}项偏高：{'、'.join(high)}。")
    if low:
        parts.append(f"有{len(low)}项偏低：{'、'.join(low)}。")
    if not parts:
        assessed = any(item["flag"] == "normal" for item in items)
        parts.append("所列项目均在参考范围内。" if assessed else "")
    return "".join(parts) + DOCTOR_JUDGES


def _local(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat() if moment else None


def _pending_text(report: LabReport, now: datetime) -> tuple[str, datetime]:
    expected = report.sampled_at + TURNAROUND.get(report.kind, TURNAROUND["lab"])
    if expected <= now:
        return "报告还未出，预计很快出结果，请稍后再查；如有疑问可咨询开单科室。", expected
    return f"报告还未出，预计{expected.astimezone(SHANGHAI):%m月%d日 %H:%M}前出结果，请到时再查。", expected


def report_view(ctx: ServiceContext, report: LabReport, department: str | None, now: datetime) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": report.id,
        "kind": report.kind,
        "title": title_of(ctx.cipher, report),
        "department": department,
        "sampled_at": _local(report.sampled_at),
        "reported_at": _local(report.reported_at),
        "status": report.status,
    }
    if report.status != "final":
        text, expected = _pending_text(report, now)
        view.update(status_text=text, expected_at=_local(expected), items=[], summary=text)
        return view
    items = [_item_view(ctx, item) for item in report.items]
    view["items"] = items
    if report.findings_enc:
        view["findings"] = ctx.cipher.decrypt(report.findings_enc, FINDINGS_CONTEXT)
    view["summary"] = summarize(items) if items else "检查报告已出，请查看报告所见和结论。" + DOCTOR_JUDGES
    return view


def _item_view(ctx: ServiceContext, item: ReportItem) -> dict[str, Any]:
    value = ctx.cipher.decrypt(item.value_enc, VALUE_CONTEXT)
    return {
        "code": item.code,
        "name": item.name,
        "value": value,
        "unit": item.unit,
        "reference": reference_text(item.ref_low, item.ref_high),
        "flag": flag_for(value, item.ref_low, item.ref_high),
    }


def _deny(ctx: ServiceContext, patient_id: str, reason: str) -> None:
    """Record a refused look in its own transaction; the refusal changes nothing else."""
    with ctx.db.transaction() as session:
        known = session.get(Patient, patient_id) if len(patient_id) <= 24 else None
        audit.record(
            ctx,
            session,
            action="results.denied",
            patient_id=known.id if known else None,
            reason=reason,
        )


def _matches(patient: Patient | None, grant: Grant) -> bool:
    return patient is not None and hmac.compare_digest(patient.phone_hash, grant.phone_hash)


def list_results(
    ctx: ServiceContext, patient_id: str, token: str | None, conversation: str | None = None
) -> list[dict[str, Any]]:
    """The patient's reports, newest first, for the holder of a matching `results` grant.

    An unknown patient and someone else's patient get the same `VerificationRequired`, so the
    answer never tells whether a patient id exists.
    """
    try:
        grant = check_grant(ctx, token, PURPOSE, conversation)  # one look per code, in its conversation
    except VerificationRequired:
        _deny(ctx, patient_id, "missing_or_invalid_token")
        raise
    with ctx.db.transaction() as session:
        patient = session.get(Patient, patient_id) if len(patient_id) <= 24 else None
        if patient is not None and _matches(patient, grant):
            views = _reports(ctx, session, patient.id)
            audit.record(
                ctx,
                session,
                action="results.view",
                patient_id=patient.id,
                detail={"reports": len(views)},
            )
            return views
    _deny(ctx, patient_id, "phone_mismatch")
    raise VerificationRequired()


def _reports(ctx: ServiceContext, session: Session, patient_id: str) -> list[dict[str, Any]]:
    now = utcnow()
    rows = session.execute(
        select(LabReport, Department.name)
        .outerjoin(Department, Department.id == LabReport.department_id)
        .where(LabReport.patient_id == patient_id)
        .options(selectinload(LabReport.items))
        .order_by(LabReport.sampled_at.desc(), LabReport.id.desc())
    ).all()
    return [report_view(ctx, report, department, now) for report, department in rows]
