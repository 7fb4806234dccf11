from datetime import UTC, datetime

import pytest

from models import Appointment, AppointmentStatus, IllegalTransition
from models.appointment import TRANSITIONS

S = AppointmentStatus
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def appointment_in(state: AppointmentStatus) -> Appointment:
    return Appointment(status=state.value)


@pytest.mark.parametrize(("start", "end"), [(a, b) for a in S for b in S if b in TRANSITIONS[a]])
def test_every_allowed_transition_applies(start: AppointmentStatus, end: AppointmentStatus) -> None:
    appointment = appointment_in(start)
    appointment.move_to(end, NOW)
    assert appointment.state is end


@pytest.mark.parametrize(("start", "end"), [(a, b) for a in S for b in S if b not in TRANSITIONS[a]])
def test_every_other_transition_is_refused(start: AppointmentStatus, end: AppointmentStatus) -> None:
    with pytest.raises(IllegalTransition):
        appointment_in(start).move_to(end, NOW)


def test_final_states_are_final() -> None:
    for state in (S.COMPLETED, S.NO_SHOW, S.CANCELLED, S.EXPIRED):
        assert TRANSITIONS[state] == frozenset()


def test_confirming_clears_the_hold_deadline() -> None:
    appointment = Appointment(status="held", hold_expires_at=NOW)
    appointment.move_to(S.CONFIRMED, NOW)
    assert appointment.hold_expires_at is None and appointment.confirmed_at == NOW
