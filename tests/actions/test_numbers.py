from __future__ import annotations

import pytest

from actions.numbers import cn_to_int, parse_age, parse_choice


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("三十一", 31),
        ("两", 2),
        ("7", 7),
        ("１２", 12),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "十十", "abc", "百"])
def test_not_numbers(text: str) -> None:
    assert cn_to_int(text) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1", 1),
        ("2", 2),
        ("第二个", 2),
        ("选3", 3),
        ("就第1个吧", 1),
        ("第五个", 5),
        ("2号", 2),
        ("张三", None),
        ("", None),
    ],
)
def test_choices(text: str, choice: int | None) -> None:
    assert parse_choice(text) == choice


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("5个月", 0.4),
        ("72", 72),
        ("72岁", 72),
        ("六十八岁", 68),
        ("八十多", 80),
        ("三岁半", 3.5),
        ("今年七十二了", 72),
        ("十个月", 0.8),
    ],
)
def test_ages(text: str, age: float) -> None:
    assert parse_age(text) == age


def test_not_an_age() -> None:
    assert parse_age("不知道") is None
    assert parse_age("200岁") is None


@pytest.mark.parametrize("text", ["两天了", "三天", "一年多", "两个星期了", "半个多小时"])
def test_a_duration_is_not_an_age(text: str) -> None:
    # a duration typed where the age is asked must not become "2 years old"
    assert parse_age(text) is None
