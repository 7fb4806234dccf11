"""The HTTP status of each domain error, by its code: the one table where the domain's
refusals meet HTTP.

Why here and not on the errors: a service says what went wrong (`sold_out`,
`restricted`), the edge decides what that is in HTTP. The same code always gets the same
status, so the table is keyed by code; `tests/unit/test_error_status.py` fails when a
`DomainError` subclass anywhere has a code missing here, so a new error never falls
through to the nearest base's status (or a 500) unnoticed.
"""

from __future__ import annotations

import logging

from services.errors import DomainError
from shared_rules import ErrorCode

log = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, int] = {
    # the base and the broad kinds
    ErrorCode.ERROR: 400,
    ErrorCode.INVALID: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.UNAUTHORIZED: 401,
    "forbidden": 403,
    # booking (the contract: 409 sold_out / duplicate, 403 restricted, 429)
    ErrorCode.SOLD_OUT: 409,
    ErrorCode.DUPLICATE: 409,  # one appointment per department and day; one open refill per prescription
    ErrorCode.RESTRICTED: 403,
    ErrorCode.QUOTA_EXCEEDED: 429,
    "not_released": 409,
    "slot_unavailable": 409,
    "too_late_to_cancel": 409,
    "not_cancellable": 409,
    "not_reschedulable": 409,
    "too_late_to_reschedule": 409,
    "idempotency_mismatch": 422,
    "department_not_suitable": 422,
    "hold_limit": 429,
    "payment_unavailable": 503,
    # patients, binding and one-time codes
    ErrorCode.PHONE_CODE_SENT: 403,
    "phone_code_required": 403,
    "phone_limit": 409,
    "patient_limit": 409,
    ErrorCode.RATE_LIMITED: 429,
    "otp_invalid": 422,
    "otp_expired": 410,
    "otp_locked": 429,
    "verification_required": 403,
    # payments
    "hold_lapsed": 409,
    "amount_mismatch": 422,
    "notification_mismatch": 422,
    "not_payable": 409,
    "pay_link_invalid": 404,
    "pay_link_expired": 410,
    # clinical
    "not_eligible": 422,
    "needs_offline_visit": 422,
    # staff and the console
    "login_failed": 401,
    "last_admin": 409,
    "weak_password": 422,
    "handoff_held": 409,
    # teaching
    "training_in_progress": 409,
    "model_not_ready": 409,
    "rasa_unavailable": 502,
    "pending_changes": 409,
    "nothing_loaded": 409,
    "triage_gate_failed": 409,
    # the web edge's own
    "too_long": 422,
}


def status_for(exc: DomainError) -> int:
    """The status for this error: its code's; for a code the table lacks (the test
    should have caught it), the nearest base class's, logged so it is seen."""
    status = STATUS_BY_CODE.get(exc.code)
    if status is not None:
        return status
    log.warning("domain error code without an HTTP status", extra={"error_code": exc.code})
    for cls in type(exc).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str) and code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return STATUS_BY_CODE[ErrorCode.ERROR]
