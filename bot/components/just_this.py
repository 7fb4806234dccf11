"""A Rasa NLU component: "别的不要了" while choosing means "just this", not "stop".

At a choice (which place, which patient, which prescription) patients close their
answer with "别的不要了", "其他的俺不要", "别的不用": only this one. The classifiers
read the 不要/不用 in it as a no (deny), a goodbye, or a cancellation, and the form's
rules stopped the journey on it. This component runs after the classifiers
(bot/config.yml) and reads such a message as an answer (``inform``), so the form
goes on with it; the choice inside it ("第一个，别的不要了") is parsed by the actions,
which drop the phrase (actions/numbers.py). A clear stop word beside it (算了, 不挂了,
取消, 再见) keeps the message what the classifier said.

Outside a form an ``inform`` that is no menu number or department gets the menu
(action_menu_choice), never a goodbye, which is the safe side for "别的不用了".
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.department_names import simplify

ANSWER_INTENT = "inform"
# What a classifier may make of the phrase; anything else (a department, a date) is left alone.
STOPPING_INTENTS = frozenset({"deny", "goodbye", "cancel_appointment", "nlu_fallback"})
# "别的不要了", "其他的俺都不要", "剩下的不用", "别个唔要": the others are refused, this one kept.
JUST_THIS = re.compile(
    r"(别的|别个|其他的?|其它的?|旁的|剩下的|其余的?)[，, ]?(俺|我|咱|我们)?(就|都|也|全)?"
    r"(不要|不用|不需要|甭|唔要|唔使|唔洗|冇|没有|不挂|不看)(了|啦|喽|哦|咯)?"
)
# Said beside it, these still end the journey.
CLEAR_STOP = re.compile(r"算了|不挂了|不挂号了|不约了|取消|退号|退掉|不去了|再见|拜拜|不办了")


def means_just_this(text: str) -> bool:
    """The message refuses "the others" and says nothing that stops the journey."""
    plain = simplify(text or "")
    if not JUST_THIS.search(plain):
        return False
    return not CLEAR_STOP.search(JUST_THIS.sub("", plain))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class JustThisReader(GraphComponent):
    """Turns a "stop" reading of "…别的不要了" into an answer (``inform``)."""

    @staticmethod
    def required_packages() -> list[str]:
        return ["opencc"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JustThisReader:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) in STOPPING_INTENTS and means_just_this(str(message.get(TEXT) or "")):
                confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                answer = {INTENT_NAME_KEY: ANSWER_INTENT, PREDICTED_CONFIDENCE_KEY: max(confidence, 0.9)}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != ANSWER_INTENT]
                message.set(INTENT, answer, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [answer, *ranking], add_to_output=True)
        return messages
