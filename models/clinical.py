"""Lab and exam reports, prescriptions and refill requests.

Result values, findings, report titles, diagnoses and answers are personal medical data: stored encrypted
(`*_enc` columns hold FieldCipher tokens) and decrypted only for the verified patient.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_id, utcnow


class LabReport(Base):
    __tablename__ = "lab_reports"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("rpt"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # lab | exam
    title_enc: Mapped[str] = mapped_column(String(400))  # 血常规, 胸部CT (a title can name a condition)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    sampled_at: Mapped[datetime]
    reported_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | final
    findings_enc: Mapped[str | None] = mapped_column(Text)  # exam findings/conclusion

    items: Mapped[list[ReportItem]] = relationship(back_populates="report", order_by="ReportItem.position")


class ReportItem(Base):
    __tablename__ = "report_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("lab_reports.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # WBC, HGB, GLU
    name: Mapped[str] = mapped_column(String(40))  # 白细胞计数
    value_enc: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    ref_low: Mapped[float | None] = mapped_column(Float)
    ref_high: Mapped[float | None] = mapped_column(Float)

    report: Mapped[LabReport] = relationship(back_populates="items")


class Prescription(Base):
    __tablename__ = "prescriptions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("rx"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    diagnosis_enc: Mapped[str] = mapped_column(String(400))  # 高血压, 2型糖尿病
    is_chronic: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_on: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(8), default="offline")  # offline | online (refill)
    items_enc: Mapped[str] = mapped_column(Text)  # JSON list of {drug, spec, dose, quantity}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefillRequest(Base):
    __tablename__ = "refill_requests"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("rfl"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id"))
    # submitted → signed | declined → reviewed (pharmacist) → paid → dispensed
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    answers_enc: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    fulfilment: Mapped[str] = mapped_column(String(10), default="pickup")  # pickup | delivery
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
