"""SQLAlchemy models, one module per aggregate. Importing this registers them all."""

from models.account import Account, AccountPatient, ChannelIdentity, Patient, PhoneBinding
from models.appointment import (
    ACTIVE,
    OCCUPYING,
    Appointment,
    AppointmentStatus,
    IdempotencyRecord,
    IllegalTransition,
)
from models.audit import AuditEntry
from models.base import Base, new_id, utcnow
from models.channels import ChannelToken as ChannelToken, PendingReply as PendingReply, SmsOptOut as SmsOptOut
from models.conversation import ConversationMessage
from models.clinical import LabReport, Prescription, RefillRequest, ReportItem
from models.hospital import Department, Doctor, Schedule, Slot
from models.otp import OtpCode, OtpPhone
from models.outbox import OutboxMessage
from models.payment import LedgerEntry, PaymentOrder, Refund

__all__ = [
    "ACTIVE",
    "OCCUPYING",
    "Account",
    "AccountPatient",
    "Appointment",
    "AppointmentStatus",
    "AuditEntry",
    "Base",
    "ChannelIdentity",
    "ConversationMessage",
    "Department",
    "Doctor",
    "IdempotencyRecord",
    "IllegalTransition",
    "LabReport",
    "LedgerEntry",
    "OtpCode",
    "OtpPhone",
    "OutboxMessage",
    "Patient",
    "PaymentOrder",
    "PhoneBinding",
    "Prescription",
    "RefillRequest",
    "Refund",
    "ReportItem",
    "Schedule",
    "Slot",
    "new_id",
    "utcnow",
]
