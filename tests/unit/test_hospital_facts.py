"""The hospital's facts file: every FAQ placeholder is filled from it, the demo
values are real-looking (no "XX市"), fees read in yuan, the rota knows its hours."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from services.hospital_facts import (
    FactsError,
    facts_or_last_good,
    hospital_phone,
    load_facts,
    opening_text,
    parse_facts,
)

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_demo_hospital_has_a_real_looking_address_and_phone() -> None:
    facts = load_facts()
    assert "XX" not in facts.address and "市" in facts.address and "区" in facts.address
    assert re.fullmatch(r"0\d{2,3}-\d{7,8}", facts.phone)
    assert "急诊" not in facts.emergency_location and "层" in facts.emergency_location


def test_fees_by_title_read_in_yuan() -> None:
    facts = load_facts()
    assert facts.fee_yuan("专家号") == "50" and facts.fee_yuan("普通号") == "15"
    assert "专家号50元" in facts.fees_text() and "普通号15元" in facts.fees_text()


def test_every_faq_placeholder_is_a_fact() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    values = load_facts().template_values()
    faq = {name: r for name, r in domain["responses"].items() if name.startswith("utter_faq/")}
    assert {"utter_faq/phone", "utter_faq/fees", "utter_faq/address"} <= set(faq)
    for name, variants in faq.items():
        for variant in variants:
            filled = variant["text"].format(**values)  # KeyError: a placeholder with no fact
            assert "{" not in filled and "XX" not in filled, name


def test_a_missing_fact_is_named() -> None:
    raw = yaml.safe_load((ROOT / "data" / "hospital.yml").read_text(encoding="utf-8"))
    del raw["emergency"]["location"]
    with pytest.raises(FactsError, match=r"emergency\.location"):
        parse_facts(raw)


def test_the_rota_says_when_someone_is_next_on_duty() -> None:
    rota = load_facts().rota
    sunday_evening = datetime(2026, 12, 6, 20, 0, tzinfo=SHANGHAI)
    assert not rota.on_duty(sunday_evening)
    monday = rota.next_opening(sunday_evening)
    assert monday == datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI)
    assert opening_text(monday, sunday_evening) == "明天8:00"
    friday_night = datetime(2026, 12, 4, 18, 0, tzinfo=SHANGHAI)
    closed_saturday = date(2026, 12, 5)
    after = rota.next_opening(friday_night, lambda d: d != closed_saturday)
    assert opening_text(after, friday_night) == "12月7日（周一）8:00"
    assert rota.on_duty(datetime(2026, 12, 7, 9, 30, tzinfo=SHANGHAI))


def test_the_phone_comes_from_the_facts_file_and_no_setting_repeats_it() -> None:
    from config import Settings

    assert hospital_phone() == load_facts().phone
    assert "hospital_phone" not in Settings.model_fields


def test_a_broken_edit_keeps_the_last_good_facts(tmp_path: Path) -> None:
    raw = yaml.safe_load((ROOT / "data" / "hospital.yml").read_text(encoding="utf-8"))
    raw["phone"] = "0571-88888888"
    facts_file = tmp_path / "hospital.yml"
    facts_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert hospital_phone(facts_file) == "0571-88888888"
    facts_file.write_text("phone: [unclosed", encoding="utf-8")  # a staff edit gone wrong
    later = facts_file.stat().st_mtime_ns + 1_000_000_000
    os.utime(facts_file, ns=(later, later))  # a new mtime even on a coarse-grained file system
    with pytest.raises(yaml.YAMLError):
        load_facts(facts_file)
    last = facts_or_last_good(facts_file)
    assert last is not None and last.phone == "0571-88888888"
    assert hospital_phone(facts_file) == "0571-88888888"


def test_facts_never_read_well_leave_only_120(tmp_path: Path) -> None:
    assert facts_or_last_good(tmp_path / "missing.yml") is None
    assert hospital_phone(tmp_path / "missing.yml") == "120"


def test_the_blood_drawing_room_is_said_even_by_an_older_facts_file() -> None:
    raw = yaml.safe_load((ROOT / "data" / "hospital.yml").read_text(encoding="utf-8"))
    assert "空腹" in parse_facts(raw).template_values()["blood_draw"]  # the morning is for fasting draws
    del raw["blood_draw"]
    assert "检验科" in parse_facts(raw).template_values()["blood_draw"]
