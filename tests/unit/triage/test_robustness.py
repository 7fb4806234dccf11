"""The edge check runs on every raw chat message: it must never raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.clinical.triage import TriageEngine, TriageInput
from services.clinical.triage.normalize import MAX_CHARS

NASTY = [
    "",
    " ",
    "\x00\x01\x02",
    "😀😷🤒🚑" * 50,
    "胸" * 100_000,
    "没有" * 5000 + "胸痛",
    "\ud800",
    "(((((((((",
    "{CHEST}",
    "\\d+[",
    "ＡＢＣ１２３！？",
    "\u200b胸\u200b口\u200b压\u200b着\u200b疼\u200b出\u200b冷\u200b汗",
    bytes(range(256)).decode("latin-1"),
]


@pytest.mark.parametrize("text", NASTY)
def test_red_flags_never_raise(engine: TriageEngine, text: str) -> None:
    assert isinstance(engine.red_flags(text), list)


@pytest.mark.parametrize("text", [t for t in NASTY if len(t) <= 20_000 and t != "\ud800"])
def test_assess_never_raises(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.departments


def test_invalid_unicode_is_a_validation_error_not_a_crash() -> None:
    """A lone surrogate cannot be a patient's text; the HTTP edge maps this to 422."""
    with pytest.raises(ValidationError):
        TriageInput(text="\ud800")


def test_zero_width_characters_do_not_hide_a_red_flag(engine: TriageEngine) -> None:
    assert engine.red_flags(NASTY[-2])


def test_huge_input_is_cut_not_rejected(engine: TriageEngine) -> None:
    assert engine.normalize("胸" * (MAX_CHARS * 3)) == "胸" * MAX_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_red_flags_on_arbitrary_text(engine: TriageEngine, text: str) -> None:
    hits = engine.red_flags(text)
    assert all(hit.departments[0] == "emergency" for hit in hits)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("胸口痛疼没有不发烧宝宝个月岁怀孕出血，。喘气3 8")), max_size=60),
    age=st.none() | st.floats(min_value=0, max_value=120),
    pregnant=st.none() | st.booleans(),
)
def test_assess_on_arbitrary_symptom_soup(
    engine: TriageEngine, text: str, age: float | None, pregnant: bool | None
) -> None:
    result = engine.assess(TriageInput(text=text, age=age, pregnant=pregnant))
    assert result.departments
    assert (result.level.value == "emergency") == bool(result.red_flags)
