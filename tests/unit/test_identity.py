from datetime import date

import pytest

from services.patients.identity import (
    InvalidIdentity,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_phone,
    parse_id_number,
)


def test_the_standards_own_example_checks_out() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X.
    facts = parse_id_number("11010519491231002X")
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.sex == "female"


def test_lower_case_x_and_spaces_are_accepted() -> None:
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "complaint"),
    [
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "数字"),
        ("110105194913310021", "出生日期"),
        ("110105209912310021", "出生日期"),
        ("110105194912310021", "校验位"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_chinese_reason(number: str, complaint: str) -> None:
    with pytest.raises(InvalidIdentity, match=complaint):
        parse_id_number(number)


def test_every_single_digit_typo_is_caught_by_the_check_character() -> None:
    good = "11010519491231002X"
    for position in range(17):
        for digit in "0123456789":
            if digit == good[position]:
                continue
            typo = good[:position] + digit + good[position + 1 :]
            assert id_check_char(typo[:17]) != typo[17] or typo == good


@pytest.mark.parametrize("raw", ["13812345678", "+86 138-1234-5678", "0086 13812345678", "138 1234 5678"])
def test_phones_are_normalised(raw: str) -> None:
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "010-12345678", "abc"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidIdentity, match="手机号"):
        normalize_phone(raw)


def test_masks_show_only_what_a_patient_needs_to_recognise() -> None:
    assert mask_id_number("110105194912310021") == "110105********0021"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("欧阳娜娜") == "欧***"
