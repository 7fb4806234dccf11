"""Request bodies of the v1 API, validated by pydantic at the edge."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountRef(Strict):
    channel: Literal["wechat", "alipay", "sms", "web"]
    channel_user_id: str = Field(min_length=1, max_length=128)


class PatientIn(Strict):
    name: str = Field(min_length=1, max_length=30)
    id_number: str = Field(min_length=1, max_length=30)
    phone: str = Field(min_length=1, max_length=20)
    account: AccountRef | None = None
    relation: Literal["self", "family"] = "self"
    code: str | None = Field(default=None, pattern=r"^\d{6}$")  # the bind code, on the second call


class AppointmentIn(Strict):
    patient_id: str = Field(min_length=1, max_length=24)
    slot_id: str = Field(min_length=1, max_length=24)
    channel: Literal["wechat", "alipay", "sms", "web", "api"] = "api"


class RescheduleIn(Strict):
    slot_id: str = Field(min_length=1, max_length=24)


class CancelIn(Strict):
    reason: str = Field(default="patient_request", max_length=200)


class SlotsQuery(Strict):
    department: str = Field(min_length=1, max_length=40)
    date: date


class AccountPatientsQuery(Strict):
    channel: Literal["wechat", "alipay", "sms", "web"]
    channel_user_id: str = Field(min_length=1, max_length=128)
