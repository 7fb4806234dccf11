"""The service token that guards `/api/v1/` (all but the public chat route)."""

from __future__ import annotations

import hmac

from services.errors import DomainError
from shared_rules import ErrorCode
from web.context import current_flask, current_request


class Unauthorized(DomainError):
    code, message = ErrorCode.UNAUTHORIZED, "没有访问权限"


def require_service_token() -> None:
    expected = current_flask().config["SETTINGS"].hospital_api_token
    header = current_request().headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized()
