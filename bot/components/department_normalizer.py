"""A Rasa NLU component that finds department mentions and gives them as codes.

DIET tags the department names it learnt from examples and the
EntitySynonymMapper maps the spellings listed as synonyms; a homophone, a
traditional character or "看心脏的" slips past both. This component runs after
them (bot/config.yml) and, with :class:`bot.components.department_names.DepartmentFinder`
(synonym tables + pinyin similarity + OpenCC), rewrites the ``department``
entities of a message:

* every mention it finds becomes a ``department`` entity whose value is the code
  (``cardiology``), replacing any overlapping one the extractors gave;
* an extractor's ``department`` whose value is not a code is resolved from its
  text, or dropped when nothing resolves ("呼吸困难" is not a department).

The tables are read from the shared data files when the model is trained and
kept inside the model, so a running bot never depends on the working tree, and
the department synonyms of the training data join them.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.department_names import DepartmentFinder, simplify

ENTITY = "department"
TABLE_FILE = "department_names.json"
COMPLAINT_INTENT = "report_symptom"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class DepartmentNormalizer(GraphComponent, EntityExtractorMixin):
    """Adds or corrects ``department`` entities, valued as department codes."""

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        finder: DepartmentFinder | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.finder = finder

    @staticmethod
    def required_packages() -> list[str]:
        return ["opencc", "pypinyin"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DepartmentNormalizer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the tables from the data files and the training data's synonyms."""
        synonyms = [(str(k), str(v)) for k, v in training_data.entity_synonyms.items()]
        self.finder = DepartmentFinder.from_files(extra=synonyms)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TABLE_FILE).write_text(json.dumps(self.finder.as_dict(), ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DepartmentNormalizer:
        """The tables kept in the model; the data files if the model has none."""
        try:
            with model_storage.read_from(resource) as directory:
                tables = json.loads((directory / TABLE_FILE).read_text(encoding="utf-8"))
            finder = _finder_from(tables)
        except (ValueError, OSError):
            finder = DepartmentFinder.from_files()
        return cls(config, model_storage, resource, finder)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
                entities = self.normalise(text, message.get(ENTITIES, []), complaint=intent == COMPLAINT_INTENT)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def normalise(self, text: str, entities: list[dict[str, Any]], complaint: bool = False) -> list[dict[str, Any]]:
        """The message's entities with its department mentions found and valued as codes.

        In a complaint (``complaint``: the intent is report_symptom) a bare body word
        that is also a department alias ("皮肤痒", "口腔溃疡") is the complaint, not a
        request for that department: there only a name that says it is one (ends in
        科 or names a 门诊), one the patient goes to ("去急诊还是打120", "挂风湿"),
        or a span the extractors tagged counts.
        """
        finder = self.finder or DepartmentFinder.from_files()
        found = finder.find(text)
        if complaint:
            tagged = [(int(e.get("start", 0)), int(e.get("end", 0))) for e in entities if e.get("entity") == ENTITY]
            found = [
                m
                for m in found
                if _says_department(text[m.start : m.end])
                or _goes_to(text[: m.start])
                or any(s < m.end and m.start < e for s, e in tagged)
            ]
        kept: list[dict[str, Any]] = []
        for entity in entities:
            if entity.get("entity") != ENTITY:
                kept.append(entity)
                continue
            start, end = int(entity.get("start", 0)), int(entity.get("end", 0))
            if any(start < m.end and m.start < end for m in found):
                continue  # the finder's reading of this span replaces it
            value = str(entity.get("value", ""))
            if value not in finder.codes:
                value = finder.resolve(value) or finder.resolve(text[start:end]) or ""
                if not value:
                    continue
                entity = {**entity, "value": value}
                self.add_processor_name(entity)
            kept.append(entity)
        for mention in found:
            kept.append(
                {
                    "entity": ENTITY,
                    "start": mention.start,
                    "end": mention.end,
                    "value": mention.code,
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
            )
        kept.sort(key=lambda e: int(e.get("start", 0)))
        return kept


def _finder_from(tables: dict[str, Any]) -> DepartmentFinder:
    """The tables a model keeps: ``{"names", "words"}``, or only the names (models
    trained before the words table)."""
    if isinstance(tables.get("names"), dict):
        return DepartmentFinder(
            tables["names"], tables.get("words") or {}, tables.get("booked") or {}, tables.get("short") or {}
        )
    return DepartmentFinder(tables)


def _says_department(wording: str) -> bool:
    """ "心内科", "发热门诊", "看心脏的", "睇皮肤嘅", "看关节的医生": a wording that can only
    mean a department."""
    plain = simplify(wording)
    framed_doctor = plain.startswith(("看", "治", "睇", "瞧", "专")) and plain.endswith(("医生", "大夫"))
    return plain.endswith(("科", "课", "可", "的", "嘅")) or "门诊" in plain or framed_doctor


# Verbs of going to or asking for a place, just before a name: "去急诊", "挂风湿",
# "转到肿瘤", "看口腔", "约内分泌" (booking it). A body word in a complaint has none
# ("口腔溃疡", "皮肤痒").
_GOING = ("去", "到", "挂", "看", "转", "送", "找", "睇", "掛", "轉", "约", "約")


def _goes_to(before: str) -> bool:
    """The words before a mention end in a verb of going there (a particle may follow: 去个, 挂个;
    or a word for the doctor's standing: "找个老中医", "找位名中医")."""
    plain = simplify(before).rstrip(" 个一下那这的位名老")
    return plain.endswith(_GOING)
