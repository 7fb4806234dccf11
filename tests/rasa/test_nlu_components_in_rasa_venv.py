"""The bot's own NLU components (bot/components/) need Rasa (Python 3.10): their unit
tests run in the Rasa venv, without a trained model."""

from __future__ import annotations

import subprocess

import pytest

from tests.rasa.conftest import RASA_PYTHON, ROOT, rasa_env, require_rasa


@pytest.mark.rasa
def test_nlu_component_unit_tests_pass_in_the_rasa_venv() -> None:
    require_rasa()
    cmd = [str(RASA_PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--confcutdir=tests/nlu_components"]
    cmd.append("tests/nlu_components")
    result = subprocess.run(cmd, cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
