"""Regex word classes fire on traditional characters, and the message keeps its text."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.simplified_regex_featurizer import SimplifiedRegexFeaturizer
from bot.components.simplified_tokenizer import SimplifiedJiebaTokenizer


def featurized(tmp_path: Path, text: str) -> Message:
    context = ExecutionContext(GraphSchema({}), "test")
    storage = LocalModelStorage(tmp_path)
    tokenizer = SimplifiedJiebaTokenizer.create(
        {**JiebaTokenizer.get_default_config(), "dictionary_path": None}, storage, Resource("tok"), context
    )
    config = {**RegexFeaturizer.get_default_config(), "use_word_boundaries": False}
    featurizer = SimplifiedRegexFeaturizer.create(config, storage, Resource("regex"), context)
    featurizer.train(TrainingData(regex_features=[{"name": "thanks_word", "pattern": "谢谢|感谢"}]))
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])
    return message


def test_a_pattern_in_simplified_fires_on_traditional_text(tmp_path: Path) -> None:
    message = featurized(tmp_path, "好的 謝謝")
    _, sentence = message.get_sparse_features(TEXT)
    assert sentence is not None and sentence.features.toarray().sum() == 1.0
    assert message.get(TEXT) == "好的 謝謝"  # what the patient typed is kept


def test_no_match_no_feature(tmp_path: Path) -> None:
    _, sentence = featurized(tmp_path, "掛號").get_sparse_features(TEXT)
    assert sentence is not None and sentence.features.toarray().sum() == 0.0
