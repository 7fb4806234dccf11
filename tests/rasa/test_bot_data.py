"""Training data checks: `rasa data validate`, synonyms in step with the
department catalogue, and `rasa test core` on tests/rasa/test_stories.yml."""

from __future__ import annotations

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
