"""What a use case needs from the outside world, handed in rather than imported."""

from __future__ import annotations

from dataclasses import dataclass, replace

from config import Settings
from db import Database
from payments.base import PaymentProvider
from services.crypto import FieldCipher


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    settings: Settings
    cipher: FieldCipher
    payments: PaymentProvider
    actor: str = "system"
    request_id: str | None = None

    def acting_as(self, actor: str, request_id: str | None = None) -> ServiceContext:
        return replace(self, actor=actor, request_id=request_id)
