# Runs on Python 3.10 (the Rasa venv): no datetime.UTC here.
# ruff: noqa: UP017
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from actions.dates import DatePhrase, parse_date_slot, period_of, resolve, today_in_shanghai

THURSDAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("phrase", "day", "period"),
    [
        ("明天下午", date(2026, 11, 27), "afternoon"),
        ("下周三", date(2026, 12, 2), None),
        ("下週三得唔得", date(2026, 12, 2), None),  # traditional 週 (blind set 4, F03)
        ("周五上午", date(2026, 11, 27), "morning"),
        ("12月3号", date(2026, 12, 3), None),
        ("十二月三号", date(2026, 12, 3), None),
        ("3号", date(2026, 12, 3), None),
        ("二十号", date(2026, 12, 20), None),
        ("后天", date(2026, 11, 28), None),
        ("大后天", date(2026, 11, 29), None),
        ("今天", THURSDAY, None),
        ("明早", date(2026, 11, 27), "morning"),
        ("下礼拜一", date(2026, 11, 30), None),
        ("下个星期二", date(2026, 12, 1), None),
        ("这周六上午", date(2026, 11, 28), "morning"),
        ("本周四", THURSDAY, None),
        ("礼拜天", date(2026, 11, 29), None),
        ("星期日", date(2026, 11, 29), None),
        ("周一下午", date(2026, 11, 30), "afternoon"),
        ("下周", date(2026, 11, 30), None),
        ("1月5日", date(2027, 1, 5), None),
        ("2026-12-03", date(2026, 12, 3), None),
        ("12/3", date(2026, 12, 3), None),
        ("就明天上午吧", date(2026, 11, 27), "morning"),
        ("下周三晚上", date(2026, 12, 2), "evening"),
    ],
)
def test_resolves_what_patients_type(phrase: str, day: date, period: str | None) -> None:
    assert resolve(phrase, THURSDAY) == DatePhrase(day=day, period=period)


@pytest.mark.parametrize("phrase", ["", "心内科", "随便", "13月40号", "2月30号"])
def test_no_date_is_none(phrase: str) -> None:
    assert resolve(phrase, THURSDAY) is None


def test_bare_weekday_today_counts() -> None:
    assert resolve("周四", THURSDAY) == DatePhrase(THURSDAY)


def test_today_is_shanghai_day() -> None:
    # 17:00 UTC is already the next day in Shanghai
    assert today_in_shanghai(datetime(2026, 11, 26, 17, 0, tzinfo=timezone.utc)) == date(2026, 11, 27)


def test_date_slot_round_trip() -> None:
    assert parse_date_slot("2026-11-27 afternoon") == ("2026-11-27", "afternoon")
    assert parse_date_slot("2026-11-27") == ("2026-11-27", None)
    assert parse_date_slot(None) == ("", None)


@pytest.mark.parametrize(
    ("phrase", "day", "period"),
    [
        # Wu: 明朝 is tomorrow, 上半天 the morning; 今朝 today
        ("明朝", date(2026, 11, 27), None),
        ("明朝上半天", date(2026, 11, 27), "morning"),
        ("今朝下半天", THURSDAY, "afternoon"),
        # northern: 明儿个, 后儿个, the halves of the day said as 半晌 / 半天
        ("明儿个", date(2026, 11, 27), None),
        ("后儿个下半晌", date(2026, 11, 28), "afternoon"),
        ("明天前半晌", date(2026, 11, 27), "morning"),
        ("明天下半天吧", date(2026, 11, 27), "afternoon"),
        ("大后天上半天", date(2026, 11, 29), "morning"),
        # Cantonese: 听朝 (tomorrow morning), 後日, 下晝
        ("聽朝", date(2026, 11, 27), "morning"),
        ("後日下晝", date(2026, 11, 28), "afternoon"),
        # weeks said every way
        ("下礼拜一", date(2026, 11, 30), None),
        ("礼拜三", date(2026, 12, 2), None),
        ("星期天", date(2026, 11, 29), None),
        ("下周三下半天", date(2026, 12, 2), "afternoon"),
        ("这周五", date(2026, 11, 27), None),
    ],
)
def test_dialect_and_colloquial_days_carry_the_half_of_the_day(phrase: str, day: date, period: str | None) -> None:
    assert resolve(phrase, THURSDAY) == DatePhrase(day=day, period=period)


@pytest.mark.parametrize(
    ("words", "period"),
    [("上半天", "morning"), ("下半晌", "afternoon"), ("前半晌", "morning"), ("有没有下半天的", "afternoon")],
)
def test_a_half_of_the_day_alone_is_a_period_not_a_day(words: str, period: str) -> None:
    assert resolve(words, THURSDAY) is None
    assert period_of(words) == period
