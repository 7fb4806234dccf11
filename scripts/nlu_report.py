# ruff: noqa: UP017  (runs on Python 3.10 in the Rasa venv: no datetime.UTC)
"""NLU quality on held-out data, with the machine it ran on; writes docs/nlu.md.

Run in the Rasa venv (``make nlu-report``):

    .venv-rasa/bin/python scripts/nlu_report.py [--skip-full-train] [--folds 5] [--seed 42]

Two honest measurements, neither on training examples:

1. **Cross-validation**: data/nlu/ is cut into k stratified folds (fixed seed);
   k NLU models are each trained on k-1 folds and scored on the fold they never
   saw, so every example is held out exactly once. One 80/20 split swings by
   several points of F1 with the seed; k folds do not, and no split can be
   picked for luck. ``--folds 1`` trains once on an 80/20 split (quick
   experiments with ``--config``).
2. **Hand-written held-out set**: tests/rasa/heldout_nlu.yml (never copied into
   data/nlu/, every department alias at least once) evaluated on the model
   trained on all of data/nlu/ - the full ``rasa train`` is run and timed here
   too, exactly as ``make train`` (it refreshes var/rasa/models/current.tar.gz);
   ``--skip-full-train`` reuses that model instead.

Figures: intent macro-F1 (retrieval intents ``faq/*`` count as ``faq``; the
FAQ topic is scored apart), department-entity accuracy (every gold department
mention must come out as the right code after synonym mapping), department
false positives, parse latency.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "bot" / "config.yml"
DOMAIN = ROOT / "bot" / "domain.yml"
NLU_DIR = ROOT / "data" / "nlu"
HELDOUT = ROOT / "tests" / "rasa" / "heldout_nlu.yml"
CURRENT_MODEL = ROOT / "var" / "rasa" / "models" / "current.tar.gz"
DOC = ROOT / "docs" / "nlu.md"
TARGET_F1 = 0.92
TARGET_DEPT = 0.95


@dataclass
class Scores:
    name: str
    examples: int = 0
    macro_f1: float = 0.0
    bot_macro_f1: float = 0.0
    accuracy: float = 0.0
    per_intent: dict[str, tuple[float, int]] = field(default_factory=dict)
    faq_topic_accuracy: float = 0.0
    faq_examples: int = 0
    dept_mentions: int = 0
    dept_correct: int = 0
    dept_false_positives: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    faq_right: int = 0
    confidences: list[tuple[float, bool]] = field(default_factory=list)  # (classifier confidence, right?)

    @property
    def dept_accuracy(self) -> float:
        return self.dept_correct / self.dept_mentions if self.dept_mentions else 0.0


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(
            line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        mem_text = f"{int(mem) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem_text = "?"
    import rasa

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu or "?",
        "memory": mem_text,
        "python": platform.python_version(),
        "rasa": rasa.__version__,
        "os": platform.platform(),
    }


def synonym_map(training_data: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in training_data.entity_synonyms.items()}


def gold_departments(example: Any, synonyms: dict[str, str]) -> list[str]:
    out = []
    for ent in example.get("entities") or []:
        if ent["entity"] == "department":
            value = str(ent.get("value") or ent.get("text") or "")
            out.append(synonyms.get(value.lower(), value))
    return out


async def evaluate(model_path: str, examples: list[Any], synonyms: dict[str, str], name: str) -> Scores:
    """Score one model on examples it never saw (also used by scripts/evaluate_models.py)."""
    scores = Scores(name=name)
    await score_model(model_path, examples, synonyms, scores)
    return finish(scores)


async def score_model(model_path: str, examples: list[Any], synonyms: dict[str, str], scores: Scores) -> None:
    """Add one model's answers on `examples` to `scores` (cross-validation adds one model per fold)."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    scores.examples += len(examples)
    gold_intents, pred_intents, bot_intents = scores.gold, scores.predicted, scores.answered
    for example in examples:
        text = example.get("text")
        full_intent = example.get_full_intent() or ""
        gold = full_intent.split("/")[0]
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        scores.latencies_ms.append((time.perf_counter() - start) * 1000)
        ranking = parsed.get("intent_ranking") or []
        predicted = (parsed.get("intent") or {}).get("name")
        # the bot answers a low-confidence message like an out-of-scope one (menu + clarification)
        bot_intents.append("out_of_scope" if predicted == "nlu_fallback" else predicted)
        best = next((r for r in ranking if r.get("name") != "nlu_fallback"), {})
        if predicted == "nlu_fallback" and best:  # score the classifier, not the threshold
            predicted = best["name"]
        scores.confidences.append((float(best.get("confidence") or 0.0), gold == predicted))
        gold_intents.append(gold)
        pred_intents.append(predicted)
        if gold != predicted:
            scores.errors.append(f"intent  {text!r}: {gold} -> {predicted}")
        if gold == "faq" and "/" in full_intent:
            scores.faq_examples += 1
            selected = (
                (parsed.get("response_selector") or {}).get("faq", {}).get("response", {}).get("intent_response_key")
            )
            if selected == full_intent:
                scores.faq_right += 1
            else:
                scores.errors.append(f"faq     {text!r}: {full_intent} -> {selected}")
        wanted = gold_departments(example, synonyms)
        got = [e.get("value") for e in parsed.get("entities") or [] if e.get("entity") == "department"]
        for value in wanted:
            scores.dept_mentions += 1
            if value in got:
                scores.dept_correct += 1
                got.remove(value)
            else:
                scores.errors.append(f"dept    {text!r}: {value} -> {got or '-'}")
        if got:
            scores.dept_false_positives += len(got)
            scores.errors.append(f"dept+   {text!r}: unexpected {got}")


def finish(scores: Scores) -> Scores:
    """Compute the figures from every answer collected (over all folds)."""
    from sklearn.metrics import f1_score

    gold_intents, pred_intents, bot_intents = scores.gold, scores.predicted, scores.answered
    labels = sorted(set(gold_intents))
    scores.macro_f1 = float(f1_score(gold_intents, pred_intents, labels=labels, average="macro", zero_division=0))
    scores.bot_macro_f1 = float(f1_score(gold_intents, bot_intents, labels=labels, average="macro", zero_division=0))
    scores.accuracy = sum(g == p for g, p in zip(gold_intents, pred_intents, strict=True)) / max(1, len(gold_intents))
    per = f1_score(gold_intents, pred_intents, labels=labels, average=None, zero_division=0)
    scores.per_intent = {label: (float(f), gold_intents.count(label)) for label, f in zip(labels, per, strict=True)}
    scores.faq_topic_accuracy = scores.faq_right / scores.faq_examples if scores.faq_examples else 0.0
    return scores


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


def pipeline_summary() -> str:
    import yaml

    return ", ".join(c["name"] for c in yaml.safe_load(CONFIG.read_text(encoding="utf-8")).get("pipeline", []))


def fallback_threshold() -> str:
    import yaml

    for component in yaml.safe_load(CONFIG.read_text(encoding="utf-8")).get("pipeline", []):
        if component.get("name") == "FallbackClassifier":
            return str(component.get("threshold"))
    return "none"


def threshold_rows(scores: Scores) -> list[str]:
    pairs = scores.confidences
    wrong_total = sum(not right for _c, right in pairs) or 1
    rows = []
    for threshold in (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
        below = [right for c, right in pairs if c < threshold]
        kept = [right for c, right in pairs if c >= threshold]
        rows.append(
            f"| {threshold:.2f} | {len(below) / max(1, len(pairs)):.1%} | "
            f"{sum(not r for r in below) / wrong_total:.0%} | {sum(below)} | "
            f"{sum(kept) / max(1, len(kept)):.3f} |"
        )
    return rows


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else 0.0


def render(
    info: dict[str, str],
    split: Scores,
    held: Scores,
    fold_seconds: list[float],
    full_seconds: float | None,
    fold_sizes: list[int],
    args: argparse.Namespace,
) -> str:
    def verdict(value: float, target: float) -> str:
        return "meets" if value >= target else "**below**"

    lines = [
        "# NLU quality (measured, held-out data only)",
        "",
        f"Generated by `scripts/nlu_report.py` (`make nlu-report`) on "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. Do not edit by hand.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']} - `nproc` = {info['nproc']}, memory {info['memory']} "
        "(shared with other work while measured)",
        f"- Python {info['python']}, Rasa {info['rasa']}, {info['os']}",
        f"- Pipeline `bot/config.yml`: {pipeline_summary()}. Nothing is downloaded. Intents come from the "
        "LogisticRegressionClassifier (DIET finds the entities); regex word-class features are in "
        "`data/nlu/regex_features.yml`.",
        "",
        "## Training time",
        "",
        "- Full `rasa train` (NLU + dialogue policies, all data): "
        + (f"**{full_seconds:.0f} s**" if full_seconds is not None else "not measured in this run (--skip-full-train)"),
        f"- NLU only, per fold ({min(fold_sizes)}-{max(fold_sizes)} examples): "
        f"{statistics.mean(fold_seconds):.0f} s on average ({len(fold_seconds)} trainings)",
        "",
        "## Results",
        "",
        "| held-out set | messages | intent macro-F1 | macro-F1 as the bot answers | intent accuracy"
        " | FAQ topic accuracy | department mentions | department accuracy | department false positives"
        " | parse p50 / p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in (split, held):
        lines.append(
            f"| {s.name} | {s.examples} | **{s.macro_f1:.3f}** | {s.bot_macro_f1:.3f} | {s.accuracy:.3f} "
            f"| {s.faq_topic_accuracy:.3f} "
            f"({s.faq_examples}) | {s.dept_mentions} | **{s.dept_accuracy:.3f}** | {s.dept_false_positives} | "
            f"{statistics.median(s.latencies_ms):.0f} / {percentile(s.latencies_ms, 95):.0f} ms |"
        )
    lines += [
        "",
        f"Targets: intent macro-F1 >= {TARGET_F1} - {split.name} {verdict(split.macro_f1, TARGET_F1)}, "
        f"hand-written set {verdict(held.macro_f1, TARGET_F1)}; department accuracy >= {TARGET_DEPT} - "
        f"{split.name} {verdict(split.dept_accuracy, TARGET_DEPT)}, "
        f"hand-written set {verdict(held.dept_accuracy, TARGET_DEPT)}.",
        "",
        f"### Fallback threshold on the {split.name} answers",
        "",
        "Below the threshold the FallbackClassifier answers with a clarification and the main menu instead of "
        "acting on a guess. The table shows what each threshold would do to these held-out messages "
        f"(`bot/config.yml` uses {fallback_threshold()}):",
        "",
        "| threshold | asked to clarify | wrong guesses caught | right answers lost | accuracy of the rest |",
        "|---|---|---|---|---|",
        *threshold_rows(split),
        "",
        "How it is measured:",
        "",
        f"- *{split.name}*: `data/nlu/` ({split.examples} examples) cut into {args.folds} folds stratified by "
        f"intent and FAQ topic (seed {args.seed}); {args.folds} models are each trained on the other folds and "
        "scored on the fold they never saw, so every example is held out exactly once and the figure does not "
        "depend on a lucky split. Lookup tables, regexes and synonyms stay with the training side (they are "
        "configuration, not examples)."
        if args.folds > 1
        else f"- *{split.name}*: `data/nlu/` split 80/20 per intent with seed {args.seed}; the model is trained on "
        "the 80 % only.",
        "- *hand-written*: `tests/rasa/heldout_nlu.yml`, messages written apart from the training data and never "
        "copied into it (a check rejects exact duplicates), evaluated on the model trained on all of `data/nlu/`. "
        "Every alias in `data/departments.yml` appears there at least once.",
        "- Tuning: the word classes of `data/nlu/regex_features.yml` and the weak intents' examples were improved "
        "while reading the cross-validation errors, so that figure is somewhat optimistic; the hand-written set was "
        "never used to tune anything and is the independent check.",
        "- Intent: `faq/<topic>` counts as `faq` (the classifier's view); the topic chosen by the ResponseSelector "
        "is scored as *FAQ topic accuracy*. When the FallbackClassifier says `nlu_fallback`, the classifier's best "
        "intent is scored (the threshold is a dialogue choice, not a classification). *As the bot answers* counts "
        "`nlu_fallback` as `out_of_scope` instead, since both get the same clarification with the main menu.",
        "- Department accuracy: every annotated department mention must come out as an entity whose value, after "
        "the EntitySynonymMapper, is the right department code (`心内科` -> `cardiology`).",
        "- Parse latency: `Agent.parse_message` in-process, one message at a time, on this machine.",
        "",
        "## Per intent (F1, support)",
        "",
        f"| intent | {split.name} | hand-written |",
        "|---|---|---|",
    ]
    for intent in sorted(set(split.per_intent) | set(held.per_intent)):
        a = split.per_intent.get(intent)
        b = held.per_intent.get(intent)
        cell = lambda v: f"{v[0]:.2f} ({v[1]})" if v else "-"  # noqa: E731
        lines.append(f"| {intent} | {cell(a)} | {cell(b)} |")
    for s in (split, held):
        lines += ["", f"## Errors on the {s.name} set ({len(s.errors)})", "", "```"]
        lines += s.errors[:80] or ["(none)"]
        lines += ["```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="NLU report on held-out data")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-full-train", action="store_true", help="reuse var/rasa/models/current.tar.gz")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/nlu.md alone")
    parser.add_argument("--config", type=Path, default=CONFIG, help="try another pipeline (held-out data only)")
    parser.add_argument("--folds", type=int, default=5, help="k for cross-validation; 1 = one 80/20 split")
    parser.add_argument("--cv-only", action="store_true", help="only the cross-validation (for experiments)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # bot/config.yml names bot/jieba relative to the repository
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("rasa", "tensorflow", "absl", "jieba"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    import structlog  # rasa logs every parse at debug level through structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_DIR))
    heldout = load_data(str(HELDOUT))
    overlap = {e.get("text") for e in data.intent_examples} & {e.get("text") for e in heldout.intent_examples}
    if overlap:
        raise SystemExit(f"held-out messages also in the training data: {sorted(overlap)[:10]}")
    synonyms = synonym_map(data)
    name = f"{args.folds}-fold cross-validation" if args.folds > 1 else "split 20 %"
    cv_scores = Scores(name=name)
    fold_seconds: list[float] = []
    fold_sizes: list[int] = []

    with tempfile.TemporaryDirectory(prefix="nlu-report-") as tmp:
        tmp_path = Path(tmp)
        for number, (train, test) in enumerate(folds(data, args.folds, args.seed), start=1):
            train_file = tmp_path / f"train-{number}.yml"
            train.persist_nlu(str(train_file))
            print(f"fold {number}: training NLU on {len(train.intent_examples)} examples ...", flush=True)
            model, seconds = train_split(train_file, tmp_path, args.config)
            fold_seconds.append(seconds)
            fold_sizes.append(len(train.intent_examples))
            asyncio.run(score_model(model, test, synonyms, cv_scores))
            Path(model).unlink(missing_ok=True)
        finish(cv_scores)
        print(
            f"{name}: intent macro-F1 {cv_scores.macro_f1:.3f} (as the bot answers {cv_scores.bot_macro_f1:.3f}), "
            f"department accuracy {cv_scores.dept_accuracy:.3f} ({cv_scores.dept_mentions}) - "
            f"NLU trained in {statistics.mean(fold_seconds):.0f} s per fold",
            flush=True,
        )
        if args.cv_only:
            print("\n".join(cv_scores.errors))
            return 0 if cv_scores.macro_f1 >= TARGET_F1 else 1

        full_seconds: float | None = None
        if args.skip_full_train:
            if not CURRENT_MODEL.exists():
                raise SystemExit("no var/rasa/models/current.tar.gz - run `make train` first")
            full_model = str(CURRENT_MODEL)
        else:
            print("timing the full `rasa train` (as `make train`) ...", flush=True)
            full_model, full_seconds = train_full()
        held_scores = asyncio.run(evaluate(full_model, heldout.intent_examples, synonyms, "hand-written"))

    info = machine()
    text = render(info, cv_scores, held_scores, fold_seconds, full_seconds, fold_sizes, args)
    print(text)
    if not args.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    ok = (
        min(cv_scores.macro_f1, held_scores.macro_f1) >= TARGET_F1
        and min(cv_scores.dept_accuracy, held_scores.dept_accuracy) >= TARGET_DEPT
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
