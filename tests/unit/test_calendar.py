from datetime import date
from pathlib import Path

import pytest

from services.booking.calendar import (
    CalendarFileError,
    calendar_warning,
    clinic_days,
    holiday_name,
    is_clinic_day,
    iso_week_bounds,
    load_overrides,
    parse_overrides,
    unknown_days,
)


def test_clinics_close_on_national_day() -> None:
    assert not is_clinic_day(date(2026, 10, 1))
    assert holiday_name(date(2026, 10, 1)) == "National Day"


def test_clinics_open_on_a_makeup_working_saturday() -> None:
    assert date(2026, 10, 10).weekday() == 5
    assert is_clinic_day(date(2026, 10, 10))


def test_an_ordinary_weekend_is_closed_and_a_weekday_open() -> None:
    assert not is_clinic_day(date(2026, 11, 28))
    assert is_clinic_day(date(2026, 11, 26))


def test_clinic_days_skip_the_golden_week() -> None:
    days = clinic_days(date(2026, 9, 30), 11)
    assert date(2026, 10, 1) not in days and date(2026, 10, 7) not in days
    assert date(2026, 9, 30) in days and date(2026, 10, 9) in days


def test_week_bounds_run_monday_to_sunday() -> None:
    assert iso_week_bounds(date(2026, 11, 26)) == (date(2026, 11, 23), date(2026, 11, 29))


# --- overrides (data/calendar_overrides.yml) read before the package ------------------


def test_new_years_day_2027_is_closed_though_the_package_stops_at_2026() -> None:
    assert not is_clinic_day(date(2027, 1, 1))
    assert holiday_name(date(2027, 1, 1)) == "元旦"
    assert is_clinic_day(date(2027, 1, 4))  # the Monday after


def test_an_override_closes_a_day_and_opens_a_makeup_sunday(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yml"
    path.write_text(
        "known_through: 2027-02-28\nclosed:\n  - {date: 2026-11-26, name: 院内停诊}\nopen: [2027-02-07]\n",
        encoding="utf-8",
    )
    overrides = load_overrides(path)
    assert not is_clinic_day(date(2026, 11, 26), overrides)
    assert holiday_name(date(2026, 11, 26), overrides) == "院内停诊"
    assert date(2027, 2, 7).weekday() == 6 and is_clinic_day(date(2027, 2, 7), overrides)
    assert unknown_days(date(2027, 2, 20), 14, overrides) == [date(2027, 3, d) for d in range(1, 6)]


def test_the_window_reaching_an_unknown_year_is_warned_about() -> None:
    assert calendar_warning(date(2026, 12, 6), 14) is None  # 2026 known, 2027-01-01..03 in the file
    assert unknown_days(date(2026, 12, 18), 14) == []  # the date: 元旦 is covered
    warning = calendar_warning(date(2026, 12, 25), 14)
    assert warning is not None and "2027" in warning and "2027-01-04" in warning


def test_a_day_both_closed_and_open_is_refused() -> None:
    with pytest.raises(CalendarFileError):
        parse_overrides({"closed": ["2027-01-01"], "open": ["2027-01-01"]})
    with pytest.raises(CalendarFileError):
        parse_overrides({"closed": [{"date": "2027-13-01"}]})
