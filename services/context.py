"""The one wiring point: what a use case needs from the outside world, built once by
`create_app` (or `build_context` for scripts and workers) and handed in rather than
imported. Web code gets it with `web.context.service_context()`, tasks with
`tasks.context.task_context()`; tests swap a part with `dataclasses.replace`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from config import Settings
from db import Database
from integrations.messaging import OutboundSender
from integrations.rasa.client import DialogueEngine
from payments.base import PaymentProvider
from services.crypto import FieldCipher
from services.task_queue import InMemoryTaskQueue, TaskQueue


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    settings: Settings
    cipher: FieldCipher
    payments: PaymentProvider
    actor: str = "system"
    request_id: str | None = None
    tasks: TaskQueue = field(default_factory=InMemoryTaskQueue)
    dialogue: DialogueEngine | None = None
    senders: Mapping[str, OutboundSender] = field(default_factory=dict)

    def acting_as(self, actor: str, request_id: str | None = None) -> ServiceContext:
        """The same context on behalf of `actor`. The request (or task) id stays unless
        another is given: an audit entry written under it still names what asked."""
        return replace(self, actor=actor, request_id=request_id or self.request_id)

    def require_dialogue(self) -> DialogueEngine:
        if self.dialogue is None:
            raise RuntimeError("this context was built without a dialogue engine (create_app wires one)")
        return self.dialogue
