"""Regex word-class features matched on simplified characters.

The word classes of data/nlu/regex_features.yml (a complaint phrase, a yes-word,
a thanks-word ...) are written in simplified Chinese; on "喉嚨痛 有點發燒" or
"謝謝" they never fire, and the intent model loses exactly the hint that lets it
generalise. The SimplifiedJiebaTokenizer already gives the other featurizers
simplified words; this featurizer matches the patterns against the OpenCC
simplified text. The conversion keeps the length (it falls back to the text as
typed when it would not), so the token offsets stay valid.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.department_names import simplify_characters


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SimplifiedRegexFeaturizer(RegexFeaturizer):
    """RegexFeaturizer whose patterns see the message in simplified characters."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["opencc"]

    def _features_for_patterns(self, message: Message, attribute: str) -> Any:
        text = message.get(attribute)
        if attribute != TEXT or not isinstance(text, str):
            return super()._features_for_patterns(message, attribute)
        simplified = simplify_characters(text)
        if simplified == text or len(simplified) != len(text):
            return super()._features_for_patterns(message, attribute)
        # Matched on the simplified text for this call only; the message keeps what was typed.
        message.data[attribute] = simplified
        try:
            return super()._features_for_patterns(message, attribute)
        finally:
            message.data[attribute] = text
