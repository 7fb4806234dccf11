"""The learned layer beside the rules: the rules are the floor, the model raises, rarely lowers.

The combination is tested as a pure function over every rules level and
many probability vectors, and end to end on the real model trained from
data/triage/corpus (the session's default engine) with paraphrases written
for these tests, not copied from the corpus.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from services.clinical.triage.learned import (
    LEVELS,
    LearnedLayer,
    LearnedSettings,
    Prediction,
    combine,
    denied,
    features_text,
    load_corpus,
    load_settings,
    train,
    without_denials,
)

SETTINGS = LearnedSettings(
    source="test",
    emergency=0.4,
    urgent=0.5,
    urgent_from_self_care=0.65,
    self_care=0.5,
    department=0.5,
    min_characters=12,
)
LONG = 20


def prediction(*probabilities: float) -> Prediction:
    """Probabilities in severity order: self_care, routine, urgent, emergency."""
    return Prediction(dict(zip(LEVELS, probabilities, strict=True)), (("cardiology", 0.9),))


@pytest.fixture(scope="module")
def rules_engine() -> TriageEngine:
    return TriageEngine.from_directory(DEFAULT_DATA_DIR)


probabilities = st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4).filter(lambda p: sum(p) > 0)


@settings(max_examples=300, deadline=None)
@given(rules=st.sampled_from(LEVELS), raw=probabilities, may_lower=st.booleans(), said=st.integers(0, 60))
def test_the_rules_level_is_a_floor(rules: TriageLevel, raw: list[float], may_lower: bool, said: int) -> None:
    seen = prediction(*(p / sum(raw) for p in raw))
    decision = combine(rules, seen, SETTINGS, may_lower=may_lower, said=said)
    if decision.level < rules:
        # The one way down: a clean routine answer to self-care, when allowed and confident.
        assert (rules, decision.level, may_lower) == (TriageLevel.ROUTINE, TriageLevel.SELF_CARE, True)
        assert seen.self_care >= SETTINGS.self_care and said >= SETTINGS.min_characters


def test_an_emergency_from_the_rules_is_never_talked_down() -> None:
    calm = prediction(0.97, 0.01, 0.01, 0.01)
    assert combine(TriageLevel.EMERGENCY, calm, SETTINGS, may_lower=True, said=LONG).level is TriageLevel.EMERGENCY
    assert combine(TriageLevel.URGENT, calm, SETTINGS, may_lower=True, said=LONG).level is TriageLevel.URGENT


def test_a_confident_model_raises_and_says_so() -> None:
    decision = combine(TriageLevel.ROUTINE, prediction(0.05, 0.1, 0.15, 0.7), SETTINGS, may_lower=False, said=LONG)
    assert (decision.level, decision.moved, decision.probability) == (TriageLevel.EMERGENCY, "raised", 0.7)
    urgent = combine(TriageLevel.SELF_CARE, prediction(0.2, 0.1, 0.45, 0.25), SETTINGS, may_lower=True, said=LONG)
    assert (urgent.level, urgent.moved) == (TriageLevel.URGENT, "raised")
    # Two levels up from the rules' self-care needs more than one level up from routine.
    unsure = prediction(0.3, 0.15, 0.3, 0.25)
    assert combine(TriageLevel.ROUTINE, unsure, SETTINGS, may_lower=False, said=LONG).level is TriageLevel.URGENT
    assert combine(TriageLevel.SELF_CARE, unsure, SETTINGS, may_lower=True, said=LONG).level is TriageLevel.SELF_CARE


def test_lowering_needs_permission_and_a_routine_answer() -> None:
    mild = prediction(0.8, 0.15, 0.04, 0.01)
    assert combine(TriageLevel.ROUTINE, mild, SETTINGS, may_lower=True, said=LONG).level is TriageLevel.SELF_CARE
    assert combine(TriageLevel.ROUTINE, mild, SETTINGS, may_lower=False, said=LONG).level is TriageLevel.ROUTINE
    assert combine(TriageLevel.URGENT, mild, SETTINGS, may_lower=True, said=LONG).level is TriageLevel.URGENT


def test_a_message_too_short_for_the_model_is_left_to_the_rules() -> None:
    decision = combine(TriageLevel.URGENT, prediction(0.0, 0.0, 0.1, 0.9), SETTINGS, may_lower=True, said=3)
    assert (decision.level, decision.moved) == (TriageLevel.URGENT, "too_short")


def test_a_paraphrased_emergency_without_the_rule_words_is_raised(
    engine: TriageEngine, rules_engine: TriageEngine
) -> None:
    # A swallowed button battery, said without 纽扣电池 (if a rule learns these words, pick another paraphrase).
    text = TriageInput(text="孩子玩的时候把一个扁扁的小电池放嘴里，现在找不到了")
    assert rules_engine.assess(text).level < TriageLevel.EMERGENCY
    result = engine.assess(text)
    assert result.level is TriageLevel.EMERGENCY
    assert result.departments[0] == "emergency" and result.red_flags == ["learned_level"]
    assert "拨打120" in result.advice and result.questions == []
    learned = next(r for r in result.reasons if r.rule == "learned_level")
    assert learned.level is TriageLevel.EMERGENCY and "提高" in learned.label and learned.source
    assert any(f.startswith("P(emergency)=") for f in learned.findings)


@pytest.mark.parametrize(
    "text", ["这两天有点鼻塞流清鼻涕，不发烧，精神胃口都挺好", "手指被纸划了一道小口子，出了一点点血，已经不流了"]
)
def test_a_mild_self_care_text_stays_self_care(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.SELF_CARE, [r.label for r in result.reasons]
    assert any(r.rule == "learned_level" and r.level is None for r in result.reasons)


def test_a_rules_emergency_keeps_its_rule_and_the_model_only_comments(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="胸口压着疼，出冷汗，左胳膊发麻"))
    assert result.level is TriageLevel.EMERGENCY and "learned_level" not in result.red_flags
    assert result.reasons[0].rule != "learned_level"


def test_the_fast_scorer_matches_scikit_learn(engine: TriageEngine) -> None:
    model = train(load_corpus()[::4], load_settings(), engine.normalize)  # fitted here: scikit-learn's objects
    texts = [engine.normalize(t) for t in ("宝宝发烧三十九度，手脚冰凉", "腰扭了一下 弯不下去", "")]
    for slow, text in zip(model.predict(texts), texts, strict=True):
        fast = model.predict_one(text)
        assert all(abs(fast.probabilities[k] - slow.probabilities[k]) < 1e-9 for k in LEVELS)
        assert [code for code, _ in fast.departments] == [code for code, _ in slow.departments]


def test_training_is_deterministic(engine: TriageEngine) -> None:
    cases = load_corpus()[::6]
    settings_ = load_settings()
    text = features_text(engine.normalize("老人家摔了一跤，头上起了个大包，一直想睡觉"), None, None, None)
    first = train(cases, settings_, engine.normalize).predict_one(text)
    again = train(cases, settings_, engine.normalize).predict_one(text)
    assert first == again


def test_without_its_corpus_the_engine_answers_with_the_rules(
    tmp_path: Path, rules_engine: TriageEngine, caplog: pytest.LogCaptureFixture
) -> None:
    engine = TriageEngine(rules_engine.knowledge)
    engine.learned = LearnedLayer(engine.normalize, corpus_dir=tmp_path)
    text = TriageInput(text="孩子玩的时候把一个扁扁的小电池放嘴里，现在找不到了")
    with caplog.at_level(logging.ERROR):
        result = engine.assess(text)
    assert result.level is rules_engine.assess(text).level
    assert all(r.rule != "learned_level" for r in result.reasons)
    assert "learned layer unavailable" in caplog.text


def test_questions_are_the_rules_and_none_once_the_layer_calls_an_emergency(
    engine: TriageEngine, rules_engine: TriageEngine
) -> None:
    # Questions say what would change the rules' answer; a raised answer must not make every
    # candidate question look decisive, and an emergency asks nothing.
    moved = 0
    for case in load_corpus()[::25]:
        text = TriageInput(text=case.text)
        combined, rules = engine.assess(text), rules_engine.assess(text)
        moved += combined.level is not rules.level
        expected = [] if combined.level is TriageLevel.EMERGENCY else rules.questions
        assert combined.questions == expected, case.text
    assert moved, "the sample should include answers the layer moved"


@pytest.mark.parametrize(
    ("said", "kept", "marked"),
    [
        ("孩子咳嗽两天，不喘，没晕过", ["咳嗽"], ["喘", "晕"]),
        ("没有胸痛、气短，就是头晕", ["头晕"], ["胸痛", "气短"]),
        # A denial that is itself a finding keeps its words; so do a sign said and an old illness.
        ("宝宝不吃奶，皮疹压了不褪色", ["不吃奶", "不褪色"], []),
        ("去年得过心梗，今天胸口疼得厉害", ["心梗", "胸口疼"], []),
    ],
)
def test_a_denied_sign_is_read_apart_from_the_sign_said(
    rules_engine: TriageEngine, said: str, kept: list[str], marked: list[str]
) -> None:
    read = without_denials(rules_engine.normalize(said))
    assert all(word in read for word in kept), read
    assert all(word not in read and denied(word) in read for word in marked), read
    # Training and prediction read the same: features_text masks too.
    assert features_text(rules_engine.normalize(said), 70, None, None) == f"{read} 老人"


def test_saved_weights_score_as_the_fit_did(tmp_path: Path, engine: TriageEngine) -> None:
    cases, settings_ = load_corpus()[::6], load_settings()
    fitted = train(cases, settings_, engine.normalize, tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    loaded = train(cases, settings_, engine.normalize, tmp_path)
    assert loaded._vectorizer is None  # read from disk, not fitted again
    for said in ("宝宝发烧三十九度，手脚冰凉", "腰扭了一下 弯不下去", "孕32周 头疼眼花 血压160"):
        text = features_text(engine.normalize(said), None, None, None)
        assert loaded.predict_one(text) == fitted.predict_one(text)
        assert loaded.predict([text]) == [fitted.predict_one(text)]


def test_changed_inputs_never_reuse_saved_weights(tmp_path: Path, engine: TriageEngine) -> None:
    cases, settings_ = load_corpus()[::6], load_settings()
    train(cases, settings_, engine.normalize, tmp_path)
    train(cases[:-1], settings_, engine.normalize, tmp_path)
    train(cases, settings_.model_copy(update={"c": 5.0}), engine.normalize, tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3
    train(cases[:-2], settings_, engine.normalize, tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3  # only the newest fits are kept


def test_a_torn_saved_file_is_fitted_again(
    tmp_path: Path, engine: TriageEngine, caplog: pytest.LogCaptureFixture
) -> None:
    cases, settings_ = load_corpus()[::6], load_settings()
    text = features_text(engine.normalize("胸口闷 喘不上气 一直出汗"), None, None, None)
    expected = train(cases, settings_, engine.normalize, tmp_path).predict_one(text)
    (saved,) = tmp_path.glob("*.npz")
    saved.write_bytes(b"not an archive")
    with caplog.at_level(logging.WARNING):
        again = train(cases, settings_, engine.normalize, tmp_path)
    assert again.predict_one(text) == expected
    assert "unreadable" in caplog.text
