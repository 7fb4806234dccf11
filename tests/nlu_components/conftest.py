"""Tests of the bot's own NLU components (bot/components/), run in the Rasa venv:

    .venv-rasa/bin/python -m pytest tests/nlu_components

The app's pytest (Python 3.11, no Rasa) skips collecting this folder and runs it
through tests/rasa/test_nlu_components_in_rasa_venv.py instead. No trained model
is needed: the component is trained on a tiny TrainingData here.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("rasa") is None:  # the app venv: collected via a subprocess instead
    collect_ignore_glob = ["test_*.py"]
