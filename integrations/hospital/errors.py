"""Typed errors of the hospital API client.

Each carries the API's error code (from the ``{"error", "message"}`` body), the
HTTP status and the patient-safe Chinese message the API sent, so the action
layer can choose a domain response by code and never has to parse text. The codes
are `shared_rules.ErrorCode`, the same constants the API raises them with.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from shared_rules import ErrorCode


class HospitalError(Exception):
    """Any failure talking to the hospital API."""

    default_code = ErrorCode.ERROR

    def __init__(
        self,
        code: Optional[str] = None,
        message: str = "",
        status: Optional[int] = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.code = code or self.default_code
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} -> {status} {self.code}: {message}".strip())


class BackendUnavailable(HospitalError):
    """Network failure, timeout or a 5xx after the retries ran out."""

    default_code = ErrorCode.UNAVAILABLE


class Unauthorized(HospitalError):
    default_code = ErrorCode.UNAUTHORIZED


class NotFound(HospitalError):
    default_code = ErrorCode.NOT_FOUND


class InvalidInput(HospitalError):
    """422: bad ID number, phone, or a request the API refused as malformed."""

    default_code = ErrorCode.INVALID


class Conflict(HospitalError):
    """409: the state does not allow it (sold out, duplicate, not eligible...)."""

    default_code = ErrorCode.CONFLICT


class SoldOut(Conflict):
    default_code = ErrorCode.SOLD_OUT


class Duplicate(Conflict):
    default_code = ErrorCode.DUPLICATE


class Restricted(HospitalError):
    default_code = ErrorCode.RESTRICTED


class RateLimited(HospitalError):
    """429: a per-patient quota or rate limit."""

    default_code = ErrorCode.RATE_LIMITED


class CodeSent(HospitalError):
    """403 ``phone_code_sent``: binding a patient needs the SMS code just sent; the
    message says to which (masked) phone."""

    default_code = ErrorCode.PHONE_CODE_SENT


BY_CODE: Dict[str, Type[HospitalError]] = {
    ErrorCode.PHONE_CODE_SENT: CodeSent,
    ErrorCode.SOLD_OUT: SoldOut,
    ErrorCode.DUPLICATE: Duplicate,
    ErrorCode.RESTRICTED: Restricted,
    ErrorCode.QUOTA_EXCEEDED: RateLimited,
    ErrorCode.RATE_LIMITED: RateLimited,
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.INVALID: InvalidInput,
    ErrorCode.UNAUTHORIZED: Unauthorized,
}

# Only for a code the client does not know (the API sends a code with every error):
# the broad kind its status says. A 403 is not necessarily "restricted" (it may be
# `verification_required`, `phone_code_required`, `forbidden`), so it stays a plain
# HospitalError and the bot shows the API's own message.
BY_STATUS: Dict[int, Type[HospitalError]] = {
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    422: InvalidInput,
    400: InvalidInput,
    429: RateLimited,
}


def error_for(status: int, code: Optional[str]) -> Type[HospitalError]:
    """The most specific error class for an API error response: by its code, which
    the API chooses (`shared_rules.ErrorCode`); by its status only when the code is
    not one the client tells apart."""
    if code and code in BY_CODE:
        return BY_CODE[code]
    if status >= 500:
        return BackendUnavailable
    return BY_STATUS.get(status, HospitalError)
