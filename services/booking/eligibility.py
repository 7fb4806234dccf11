"""Clinical sense at booking: a department sees the patients it is for.

A man booking 妇科, a woman 男科-only clinics, a 40-year-old in 儿科: the place
would be wasted and the patient turned away at the desk. The rules are data
(data/department_rules.yml, with their source); sex and age come from the
patient's real-name ID number, so the check needs nothing more from the patient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from services.errors import DomainError

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "department_rules.yml"
SEX_NAMES = {"female": "女性", "male": "男性"}


class DepartmentNotSuitable(DomainError):
    code, message = "department_not_suitable", "这个科室不接诊这位就诊人，请换个科室"


@dataclass(frozen=True)
class DepartmentRule:
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    suggest: dict[str, str] = field(default_factory=dict)  # male/female/young/old -> department name


def parse_rules(raw: dict[str, Any] | None) -> dict[str, DepartmentRule]:
    rules: dict[str, DepartmentRule] = {}
    for code, item in (raw or {}).items():
        sex = item.get("sex")
        if sex not in (None, "female", "male"):
            raise ValueError(f"data/department_rules.yml: {code} 的 sex 应为 female 或 male")
        rules[str(code)] = DepartmentRule(
            sex=sex,
            min_age=item.get("min_age"),
            max_age=item.get("max_age"),
            suggest={str(k): str(v) for k, v in (item.get("suggest") or {}).items()},
        )
    return rules


_cache: dict[Path, tuple[float, dict[str, DepartmentRule]]] = {}
_checked: dict[Path, float] = {}  # path -> monotonic time its mtime was last looked at
RECHECK_SECONDS = 1.0


def load_rules(path: Path = RULES_FILE) -> dict[str, DepartmentRule]:
    """The rules, read again when the file changes. Its mtime is looked at once a second at
    most, not on every booking (a `stat` per attempt at the 08:00 peak, issue 14): an edit
    is in force within a second."""
    cached = _cache.get(path)
    now = time.monotonic()
    if cached is not None and now - _checked.get(path, -RECHECK_SECONDS) < RECHECK_SECONDS:
        return cached[1]
    mtime = path.stat().st_mtime
    if cached is None or cached[0] != mtime:
        cached = (mtime, parse_rules(yaml.safe_load(path.read_text(encoding="utf-8"))))
        _cache[path] = cached
    _checked[path] = now
    return cached[1]


def age_on(birth_date: date, day: date) -> int:
    """Whole years on `day` (the clinic day, not today)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_fits(
    department_code: str,
    department_name: str,
    *,
    sex: str,
    birth_date: date,
    clinic_date: date,
    rules: dict[str, DepartmentRule] | None = None,
) -> None:
    """Raise DepartmentNotSuitable, with a message saying why and where to go instead."""
    rule = (load_rules() if rules is None else rules).get(department_code)
    if rule is None:
        return
    age = age_on(birth_date, clinic_date)
    if rule.sex is not None and sex != rule.sex:
        instead = _instead(rule, sex)
        raise DepartmentNotSuitable(
            f"{department_name}只接诊{SEX_NAMES[rule.sex]}患者，这位就诊人的身份证登记为{SEX_NAMES.get(sex, sex)}。"
            f"{instead}不清楚挂哪科，可以说说哪里不舒服，我帮您看看。"
        )
    if rule.max_age is not None and age > rule.max_age:
        raise DepartmentNotSuitable(
            f"{department_name}接诊{rule.max_age + 1}岁以下的孩子，这位就诊人就诊那天{age}岁了。{_instead(rule, 'old')}"
        )
    if rule.min_age is not None and age < rule.min_age:
        raise DepartmentNotSuitable(
            f"{department_name}不接诊{rule.min_age}岁以下的孩子，这位就诊人就诊那天{age}岁。{_instead(rule, 'young')}"
        )


def _instead(rule: DepartmentRule, key: str) -> str:
    name = rule.suggest.get(key)
    return f"可以改挂{name}。" if name else "请换个科室。"
