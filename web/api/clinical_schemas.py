"""Request bodies for one-time codes, results and refills, validated at the edge."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from web.api.schemas import AccountRef, Strict

OtpPurpose = Literal["results", "bind_patient", "refill", "appointments"]


class OtpSendIn(Strict):
    phone: str = Field(min_length=1, max_length=20)
    purpose: OtpPurpose


class OtpVerifyIn(Strict):
    phone: str = Field(min_length=1, max_length=20)
    purpose: OtpPurpose
    code: str = Field(pattern=r"^\d{6}$")
    # the bot's conversation: the grant then works only there (services/patients/otp.py)
    conversation_id: str | None = Field(default=None, min_length=1, max_length=200)


class ClaimIn(Strict):
    """A code sent to the phone on file, typed back in a chat: that chat gets the phone's patients."""

    phone: str = Field(min_length=1, max_length=20)
    purpose: Literal["results", "refill", "appointments"]
    code: str = Field(pattern=r"^\d{6}$")
    account: AccountRef


class RefillAnswers(Strict):
    """What the reviewing doctor asks before a refill, in the patient's own words."""

    readings: str | None = Field(default=None, max_length=500, description="近期血压、血糖等测量值")
    side_effects: str | None = Field(default=None, max_length=500, description="用药后的不适或副作用")
    changes: str | None = Field(default=None, max_length=500, description="病情或用药有无变化")
    question: str | None = Field(default=None, max_length=500, description="想问医生的问题")

    def texts(self) -> dict[str, str]:
        return {name: value for name, value in self.model_dump().items() if value}


class RefillIn(Strict):
    patient_id: str = Field(min_length=1, max_length=24)
    prescription_id: str = Field(min_length=1, max_length=24)
    answers: RefillAnswers | None = None
    fulfilment: Literal["pickup", "delivery"] = "pickup"
