"""Training the models the NLU report scores: the full `rasa train` exactly as
`make train`, NLU-only models on a split, and the stratified folds of the
cross-validation. Runs in the Rasa venv (Python 3.10).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "bot" / "config.yml"
DOMAIN = ROOT / "bot" / "domain.yml"
CURRENT_MODEL = ROOT / "var" / "rasa" / "models" / "current.tar.gz"


def train_full() -> tuple[str, float]:
    """Exactly `make train` (so it also refreshes var/rasa/models/current.tar.gz), timed."""
    rasa_bin = str(Path(sys.executable).with_name("rasa"))
    cmd = [
        rasa_bin, "train", "--config", "bot/config.yml", "--domain", "bot/domain.yml",
        "--data", "data/nlu", "data/rules", "data/stories",
        "--out", "var/rasa/models", "--fixed-model-name", "current",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit("rasa train failed:\n" + (done.stdout + done.stderr)[-4000:])
    return str(CURRENT_MODEL), time.perf_counter() - start


def train_split(train_file: Path, out_dir: Path, config: Path = CONFIG) -> tuple[str, float]:
    from rasa.model_training import train_nlu

    start = time.perf_counter()
    path = train_nlu(str(config), str(train_file), str(out_dir), fixed_model_name="split", domain=str(DOMAIN))
    if path is None:
        raise SystemExit("NLU training failed")
    return str(path), time.perf_counter() - start


def folds(data: Any, k: int, seed: int) -> list[tuple[Any, list[Any]]]:
    """(training data, held-out examples) per fold; lookups, regexes and synonyms stay with training."""
    if k <= 1:
        train, test = data.train_test_split(train_frac=0.8, random_seed=seed)
        return [(train, test.intent_examples)]
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    labels = [e.get_full_intent() for e in examples]
    out = []
    for train_idx, test_idx in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(examples, labels):
        train = TrainingData(
            training_examples=[examples[i] for i in train_idx],
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
            responses=data.responses,
        )
        out.append((train, [examples[i] for i in test_idx]))
    return out
