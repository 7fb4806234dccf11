"""Scoring an NLU model on examples it never saw: intent macro-F1 (`faq/*` counted
as `faq`, the FAQ topic scored apart), department-entity accuracy after synonym
mapping, false positives, parse latency. Shared by scripts/nlu_report.py and
scripts/evaluate_models.py (the console's "evaluate" step), so the two can
never count differently. Runs in the Rasa venv (Python 3.10).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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

    if _REPO not in sys.path:  # the pipeline names the bot's own components (bot/components/)
        sys.path.insert(0, _REPO)
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
