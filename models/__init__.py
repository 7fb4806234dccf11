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
from models.channels import ChannelToken as ChannelToken
from models.channels import PendingReply as PendingReply
from models.channels import SmsOptOut as SmsOptOut
from models.chat_secret import ChatSecret as ChatSecret
from models.clinical import LabReport, Prescription, RefillRequest, ReportItem
from models.conversation import ConversationMessage
from models.conversation import RasaSender as RasaSender
from models.handoff import FallbackStreak, HandoffTicket, StaffReply
from models.hospital import Department, Doctor, Schedule, Slot
from models.model_rollout import ModelRollout as ModelRollout
from models.model_rollout import RasaReplica as RasaReplica
from models.notifications import NurseTask, QuestionnaireResponse, WaitlistEntry
from models.otp import OtpCode, OtpPhone
from models.outbox import OutboxMessage
from models.payment import ORDER_TRANSITIONS, LedgerEntry, PaymentOrder, Refund
from models.privacy import PrivacyConsent as PrivacyConsent
from models.privacy import PrivacyRequest as PrivacyRequest
from models.privacy import WindowBindCode as WindowBindCode
from models.refill_review import RefillReview
from models.staff import LoginThrottle, StaffAccount, StaffSession
from models.training import (
    ModelVersion,
    TrainingExample,
    TrainingFile,
    TrainingItem,
    TrainingRevision,
    TrainingSnapshot,
    TriageProposal,
)

__all__ = [
    "ACTIVE",
    "OCCUPYING",
    "ORDER_TRANSITIONS",
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
    "FallbackStreak",
    "HandoffTicket",
    "IdempotencyRecord",
    "IllegalTransition",
    "LabReport",
    "LedgerEntry",
    "LoginThrottle",
    "ModelVersion",
    "NurseTask",
    "OtpCode",
    "OtpPhone",
    "OutboxMessage",
    "Patient",
    "PaymentOrder",
    "PhoneBinding",
    "Prescription",
    "QuestionnaireResponse",
    "RefillRequest",
    "RefillReview",
    "Refund",
    "ReportItem",
    "Schedule",
    "Slot",
    "StaffAccount",
    "StaffReply",
    "StaffSession",
    "TrainingExample",
    "TrainingFile",
    "TrainingItem",
    "TrainingRevision",
    "TrainingSnapshot",
    "TriageProposal",
    "WaitlistEntry",
    "new_id",
    "utcnow",
]
