"""Training data checks: `rasa data validate`, synonyms in step with the
department catalogue, and `rasa test core` on tests/rasa/test_stories.yml."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rasa.conftest import MODEL, RASA, ROOT, rasa_env, require_model, require_rasa

DATA = ["data/nlu", "data/rules", "data/stories"]


@pytest.mark.slow
@pytest.mark.rasa
def test_rasa_data_validate_passes() -> None:
    require_rasa()
    cmd = [str(RASA), "data", "validate", "--config", "bot/config.yml", "--domain", "bot/domain.yml", "--data", *DATA]
    result = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_department_synonyms_are_generated_from_the_catalogue() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_department_synonyms.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, "run scripts/gen_department_synonyms.py: " + result.stdout


def test_every_alias_maps_to_its_code() -> None:
    catalogue = yaml.safe_load((ROOT / "data" / "departments.yml").read_text(encoding="utf-8"))["departments"]
    synonyms = yaml.safe_load((ROOT / "data" / "nlu" / "synonyms_departments.yml").read_text(encoding="utf-8"))
    mapped = {
        line.strip()[2:]: item["synonym"]
        for item in synonyms["nlu"]
        for line in item["examples"].splitlines()
        if line.strip()
    }
    for dept in catalogue:
        for form in [dept["name"], *dept["aliases"]]:
            assert mapped.get(form) == dept["code"], form


@pytest.mark.slow
@pytest.mark.rasa
def test_rasa_test_core_stories_pass(tmp_path: Path) -> None:
    require_model()
    cmd = [
        str(RASA), "test", "core", "-m", str(MODEL), "--stories", "tests/rasa/test_stories.yml",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, detail + result.stderr[-2000:]
    assert "- story:" not in detail, detail


def _word_classes() -> dict[str, list[re.Pattern[str]]]:
    data = yaml.safe_load((ROOT / "data" / "nlu" / "regex_features.yml").read_text(encoding="utf-8"))
    return {
        item["regex"]: [re.compile(line.strip()[2:]) for line in item["examples"].splitlines() if line.strip()]
        for item in data["nlu"]
    }


def test_word_class_features_are_features_not_entities() -> None:
    """A regex named like an entity would also steer DIET's entity tagging."""
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    entities = {e if isinstance(e, str) else next(iter(e)) for e in domain.get("entities", [])}
    assert set(_word_classes()) and not set(_word_classes()) & entities


@pytest.mark.parametrize(
    ("word_class", "says_it", "does_not"),
    [
        ("symptom_phrase", ["肩膀酸痛", "半边身子发麻", "痰里带血", "老是睡不着"], ["手机卡了", "我要挂号"]),
        ("yes_word", ["对着呢", "行", "没问题的"], ["不是", "我要取消"]),
        ("no_word", ["木有", "不必了", "算了吧"], ["好的"]),
        ("bye_word", ["告辞", "886", "先不打扰了"], ["你好"]),
        ("greeting_word", ["阿姨好", "您好", "在线吗"], ["再见"]),
        ("time_span", ["一个多月", "打上周起", "十来天"], ["心内科"]),
        ("hospital_word", ["挂个号", "发票", "医保"], ["电视怎么连网"]),
        ("pet_word", ["狗狗发烧了"], ["孩子发烧了"]),
    ],
)
def test_word_classes_recognise_their_words(word_class: str, says_it: list[str], does_not: list[str]) -> None:
    patterns = _word_classes()[word_class]
    for text in says_it:
        assert any(p.search(text) for p in patterns), (word_class, text)
    for text in does_not:
        assert not any(p.search(text) for p in patterns), (word_class, text)
