"""Jieba tokens read in simplified characters, whatever the patient typed.

The training data are in simplified Chinese, so "謝謝", "掛號" or "沒有" share no
word or character n-gram with "谢谢", "挂号", "没有" and the intent model falls
back. The issue asks for traditional characters to be converted before
understanding (OpenCC). Converting the message text itself would also rewrite
what the patient typed (a name such as 陳美玲 would reach the booking form as
陈美玲), so this tokenizer converts only what the featurizers see: the tokens'
words. Their offsets still point into the text as typed, so entities DIET finds
keep the patient's own characters.
"""

from __future__ import annotations

import jieba
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.components.department_names import simplify_characters


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SimplifiedJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the OpenCC-simplified text, offsets into the original."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["jieba", "opencc"]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        simplified = simplify_characters(text) if isinstance(text, str) else text
        if not isinstance(text, str) or simplified == text or len(simplified) != len(text):
            return super().tokenize(message, attribute)  # nothing to convert, or offsets would drift
        tokens = [Token(word, start) for word, start, _ in jieba.tokenize(simplified)]
        return self._apply_token_pattern(tokens)
