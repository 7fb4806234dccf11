"""The hospital backend as the bot sees it: a small ABC.

The action server only ever reaches hospital data through this interface;
``HttpHospitalBackend`` is the real one (v1 HTTP API, see DESIGN.md). Payloads
are plain dicts shaped as the API returns them, described by the TypedDicts
below (this runs in the Rasa venv: standard library + urllib3, no pydantic).
"""

from __future__ import annotations

import abc
from typing import Any, Dict, List, Optional, TypedDict


class Doctor(TypedDict, total=False):
    id: str
    name: str
    title: str


class Slot(TypedDict, total=False):
    id: str
    department: str
    doctor: Doctor
    date: str
    start: str
    end: str
    fee_fen: int
    remaining: int


class Patient(TypedDict, total=False):
    id: str
    name: str
    id_number: str  # masked
    phone: str  # masked
    relation: str


class Payment(TypedDict, total=False):
    out_trade_no: str
    amount_fen: int
    pay_url: str
    pay_link: str  # the short /p/<code> page: what 去支付 opens
    status: str


class Appointment(TypedDict, total=False):
    id: str
    status: str
    patient_id: str
    slot_id: str
    department: str
    department_name: str
    doctor: Doctor
    start: str
    fee_fen: int
    hold_expires_at: Optional[str]
    payment: Payment
    rescheduled_from: str  # a moved visit: the one it replaced
    carried_over: Dict[str, Any]  # {paid_fen, difference_fen, refund}: what the move did with the money


class TriageResult(TypedDict, total=False):
    level: str
    departments: List[str]
    red_flags: List[str]
    advice: str


class HospitalBackend(abc.ABC):
    """What the dialogue engine needs from the hospital."""

    @abc.abstractmethod
    def departments(self) -> List[Dict[str, Any]]: ...

    @abc.abstractmethod
    def resolve_department(self, text: str) -> Optional[str]:
        """The department code a patient's words name ("皮服科", "皮膚科", "看心脏的"), or None."""

    @abc.abstractmethod
    def slots(self, department: str, day: str) -> List[Slot]:
        """Open slots of a department on a day (``YYYY-MM-DD``)."""

    @abc.abstractmethod
    def account_patients(self, channel: str, channel_user_id: str) -> List[Patient]:
        """The chat account's patients. ``channel_user_id`` (here and in every account
        argument) is what Rasa knows the patient by: the conversation's pseudonym
        (``c_<hex>``), which the API maps back to the platform's id; the bot never has that."""

    @abc.abstractmethod
    def register_patient(
        self,
        name: str,
        id_number: str,
        phone: str,
        channel: Optional[str] = None,
        channel_user_id: Optional[str] = None,
        code: Optional[str] = None,
        conversation_id: Optional[str] = None,
    ) -> Patient:
        """Create (or find) a real-name patient, bound to the chat account when given.

        Binding needs the SMS code: without it the API sends one and this raises
        CodeSent; call again with ``code``. ``id_number``, ``phone`` and ``code`` may be
        the chat's placeholders, resolved by the API for ``conversation_id`` only."""

    @abc.abstractmethod
    def book(self, patient_id: str, slot_id: str, idempotency_key: str, channel: str = "api") -> Appointment: ...

    @abc.abstractmethod
    def appointments(self, patient_id: str) -> List[Appointment]: ...

    @abc.abstractmethod
    def cancel(self, appointment_id: str) -> Appointment: ...

    @abc.abstractmethod
    def reschedule(self, appointment_id: str, slot_id: str, idempotency_key: str) -> Appointment:
        """Move a visit to ``slot_id``; what was paid goes with it. The answer is the new visit
        with ``carried_over`` ({paid_fen, difference_fen, refund}): confirmed when nothing is
        owed, else held for ``difference_fen`` with its ``payment.pay_link``."""

    @abc.abstractmethod
    def check_payment(self, appointment_id: str) -> Appointment:
        """The visit after the hospital asked the payment platform about its open order
        ("我付过了"): ``confirmed`` if the money arrived, else still ``held`` with its link."""

    @abc.abstractmethod
    def triage(
        self,
        text: str,
        age: Optional[float] = None,
        sex: Optional[str] = None,
        pregnant: Optional[bool] = None,
    ) -> TriageResult: ...

    @abc.abstractmethod
    def send_otp(self, phone: str, purpose: str, conversation_id: Optional[str] = None) -> Dict[str, Any]:
        """Send a code; ``phone`` may be a placeholder of ``conversation_id``."""

    @abc.abstractmethod
    def verify_otp(self, phone: str, purpose: str, code: str, conversation_id: Optional[str] = None) -> Dict[str, Any]:
        """``{"verified": true, "token": ...}``; raises InvalidInput on a wrong code. The token is
        one-time and, given ``conversation_id``, good only in that conversation."""

    @abc.abstractmethod
    def claim_patients(
        self, phone: str, code: str, purpose: str, channel: str, channel_user_id: str, conversation_id: str
    ) -> Dict[str, Any]:
        """The code sent to the phone on file, typed back: the chat account gets that phone's
        patients. ``{"patients": [...], "token": grant}``; the grant is of ``purpose``."""

    @abc.abstractmethod
    def payable_refills(self, patient_id: str) -> List[Dict[str, Any]]:
        """Approved refills whose fee is open, and signed ones waiting for the pharmacist
        (``pay_link`` None, ``waiting_for`` "pharmacist"):
        ``[{refill_id, status, amount_fen, drugs, pay_link, waiting_for}]``."""

    @abc.abstractmethod
    def results(self, patient_id: str, token: str, conversation_id: Optional[str] = None) -> List[Dict[str, Any]]: ...

    @abc.abstractmethod
    def prescriptions(self, patient_id: str) -> List[Dict[str, Any]]: ...

    @abc.abstractmethod
    def request_refill(
        self, patient_id: str, prescription_id: str, answers: Optional[Dict[str, str]] = None
    ) -> Dict[str, Any]: ...

    @abc.abstractmethod
    def open_handoff(self, conversation_id: str, reason: str = "asked_for_human") -> Dict[str, Any]:
        """Put a person on the conversation; the front door pauses the bot meanwhile."""
