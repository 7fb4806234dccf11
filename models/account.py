"""Accounts (who is chatting) and real-name patients (就诊人) they manage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_id, utcnow


class Account(Base):
    """One person's presence across channels; manages self and family patients."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("acc"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="account")
    patient_links: Mapped[list[AccountPatient]] = relationship(back_populates="account")


class ChannelIdentity(Base):
    """A WeChat openid, Alipay user id, phone or web sender that leads to an account.

    The platform id (for SMS the patient's phone) is personal data: `external_hash`
    is its blind index (lookups, the unique key), `external_enc` its FieldCipher
    token, opened only to send to it (services/patients/identities.py). A phone
    identity's value is the phone's blind index and the account id.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))  # wechat | alipay | sms | web | phone
    external_hash: Mapped[str] = mapped_column(String(64))
    external_enc: Mapped[str] = mapped_column(String(600))  # up to 128 characters, sealed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="identities")


class PhoneBinding(Base):
    """How many accounts a phone is bound to; a conditional increment enforces the cap."""

    __tablename__ = "phone_bindings"
    __table_args__ = (CheckConstraint("account_count >= 0", name="count_not_negative"),)

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_count: Mapped[int] = mapped_column(Integer, default=0)


class Patient(Base):
    """A real-name patient. One ID number is one patient (unique blind index).

    Every personal field is FieldCipher ciphertext (services/patients/registry.py
    seals and opens them); the name is matched only after a lookup by ID number,
    so it needs no index of its own.
    """

    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("pat"))
    name_enc: Mapped[str] = mapped_column(String(300))
    id_number_enc: Mapped[str] = mapped_column(String(200))
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[str] = mapped_column(String(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    birth_date_enc: Mapped[str] = mapped_column(String(100))  # ISO date, sealed
    sex: Mapped[str] = mapped_column(String(6))
    # Bumped by every booking: the UPDATE serialises one patient's concurrent bookings.
    booking_seq: Mapped[int] = mapped_column(Integer, default=0)
    restricted_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account_links: Mapped[list[AccountPatient]] = relationship(back_populates="patient")


class AccountPatient(Base):
    """Which patients an account manages. The key leads with the account; the booking reads
    the other way, from the patient to its accounts (the account cap, a free place's app
    channel), so `patient_id` has its own index: without it both read every link (issue 14)."""

    __tablename__ = "account_patients"
    __table_args__ = (Index("ix_account_patients_patient", "patient_id"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(12), default="self")  # self | family

    account: Mapped[Account] = relationship(back_populates="patient_links")
    patient: Mapped[Patient] = relationship(back_populates="account_links")
