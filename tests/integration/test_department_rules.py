"""Issue 13: a department sees the patients it is for (data/department_rules.yml):
妇科 and 产科 women, 儿科 children under 14, checked when a place is booked,
with a clear Chinese message (422) and no place taken."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from models import Slot
from services.booking.eligibility import age_on
from services.context import ServiceContext
from services.patients.registry import register_patient
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_slot, valid_id_number

MAN, WOMAN = 1, 2  # the 17th digit of an ID number: odd for men, even for women


def patient(ctx: ServiceContext, birth: str, sex_digit: int, phone: str) -> str:
    view, _ = register_patient(ctx, name="测试", id_number=valid_id_number(birth, sequence=sex_digit), phone=phone)
    return view.id


def slot_in(ctx: ServiceContext, code: str, name: str, day: date) -> str:
    return make_slot(ctx, make_doctor(ctx, make_department(ctx, code, name)), day, capacity=3)


def book(client: FlaskClient, patient_id: str, slot_id: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/appointments", json={"patient_id": patient_id, "slot_id": slot_id}, headers=AUTH)


def remaining(ctx: ServiceContext, slot_id: str) -> int:
    with ctx.db.reading() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.remaining


def test_a_man_cannot_book_gynaecology_and_is_told_where_to_go(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    gyn = slot_in(ctx, "gynecology", "妇科", clinic_day)
    response = book(client, patient(ctx, "19800101", MAN, "13800000001"), gyn)
    assert response.status_code == 422
    assert response.json["error"] == "department_not_suitable"
    assert "妇科只接诊女性患者" in response.json["message"] and "泌尿外科" in response.json["message"]
    assert remaining(ctx, gyn) == 3
    assert book(client, patient(ctx, "19800101", WOMAN, "13800000002"), gyn).status_code == 201


def test_obstetrics_is_for_women(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    obs = slot_in(ctx, "obstetrics", "产科", clinic_day)
    assert book(client, patient(ctx, "19900101", MAN, "13800000003"), obs).status_code == 422
    assert book(client, patient(ctx, "19900101", WOMAN, "13800000004"), obs).status_code == 201


def test_paediatrics_is_for_children_under_14(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    peds = slot_in(ctx, "pediatrics", "儿科", clinic_day)
    adult = book(client, patient(ctx, "19510301", MAN, "13800000005"), peds)
    assert adult.status_code == 422 and "儿科接诊14岁以下的孩子" in adult.json["message"]
    assert "全科医学科" in adult.json["message"]
    child_birth = date(clinic_day.year - 6, 1, 1).strftime("%Y%m%d")
    assert book(client, patient(ctx, child_birth, WOMAN, "13800000006"), peds).status_code == 201


def test_other_departments_see_everyone(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    uro = slot_in(ctx, "urology", "泌尿外科", clinic_day)  # 男科 is its alias, but it sees women too
    assert book(client, patient(ctx, "19800101", WOMAN, "13800000007"), uro).status_code == 201


def test_age_is_counted_on_the_clinic_day() -> None:
    assert age_on(date(2012, 12, 20), date(2026, 12, 19)) == 13
    assert age_on(date(2012, 12, 20), date(2026, 12, 20)) == 14


def test_the_confirmation_says_the_cancel_cutoff_plainly(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    """Issue 13: it read "就诊前2小时前"."""
    free = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day, fee_fen=0)
    assert book(client, patient(ctx, "19800101", WOMAN, "13611113333"), free).status_code == 201
    [sent] = client.get("/api/v1/dev/outbox?to=13611113333", headers=AUTH).json
    assert "最晚请在就诊前2小时操作" in sent["text"] and "小时前" not in sent["text"]
