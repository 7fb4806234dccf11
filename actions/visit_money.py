"""What the patient hears about the money of a held or moved visit: how long the hold
keeps the place, and where a paid fee went when the visit moved."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Optional

from rasa_sdk.executor import CollectingDispatcher

from actions import common
from integrations.hospital.base import Appointment


def say_money_moved(
    dispatcher: CollectingDispatcher, appointment: Appointment, carried: Dict[str, Any], names: Dict[str, str]
) -> None:
    """A paid visit moved: one message says where the money went (carried over, the
    difference refunded, or the difference to pay with its link)."""
    difference = int(carried.get("difference_fen") or 0)
    money = {
        "paid_yuan": common.yuan(carried.get("paid_fen")),
        "fee_yuan": common.yuan(appointment.get("fee_fen")),
        "difference_yuan": common.yuan(abs(difference)),
    }
    payment = appointment.get("payment") or {}
    if difference > 0 and common.pay_link(payment):
        dispatcher.utter_message(
            response="utter_rescheduled_pay_difference",
            pay_url=common.pay_link(payment),
            hold_minutes=hold_minutes(appointment.get("hold_expires_at")),
            **money,
            **names,
        )
    elif difference < 0:
        refund = carried.get("refund") or {}
        days = str(refund.get("working_days") or 7)
        dispatcher.utter_message(response="utter_rescheduled_refund_difference", refund_days=days, **money, **names)
    else:
        dispatcher.utter_message(response="utter_rescheduled_carried", **money, **names)


def hold_minutes(expires_at: Optional[str]) -> int:
    parsed = common.parse_iso(str(expires_at or ""))
    if parsed is None:
        return 15
    minutes = int((parsed - datetime.now(timezone.utc)).total_seconds() // 60)
    return max(1, minutes)
