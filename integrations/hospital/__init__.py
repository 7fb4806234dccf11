"""Client of the hospital's v1 HTTP API, used by the Rasa action server.

Standard library + urllib3 (the HTTP library under requests) only (it runs in the Rasa venv, Python 3.10).
"""

from __future__ import annotations

from integrations.hospital.base import HospitalBackend
from integrations.hospital.errors import (
    BackendUnavailable,
    CodeSent,
    Conflict,
    Duplicate,
    HospitalError,
    InvalidInput,
    NotFound,
    RateLimited,
    Restricted,
    SoldOut,
    Unauthorized,
)
from integrations.hospital.http import HttpHospitalBackend

__all__ = [
    "BackendUnavailable",
    "CodeSent",
    "Conflict",
    "Duplicate",
    "HospitalBackend",
    "HospitalError",
    "HttpHospitalBackend",
    "InvalidInput",
    "NotFound",
    "RateLimited",
    "Restricted",
    "SoldOut",
    "Unauthorized",
]
