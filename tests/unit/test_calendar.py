from datetime import date

from services.booking.calendar import clinic_days, holiday_name, is_clinic_day, iso_week_bounds


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
