"""The tokenizer gives the featurizers simplified words while offsets stay on the text as typed."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.simplified_tokenizer import SimplifiedJiebaTokenizer


def tokenizer(tmp_path: Path) -> SimplifiedJiebaTokenizer:
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": None}
    context = ExecutionContext(GraphSchema({}), "test")
    return SimplifiedJiebaTokenizer.create(config, LocalModelStorage(tmp_path), Resource("tok"), context)


def test_traditional_words_become_simplified_tokens_at_the_same_offsets(tmp_path: Path) -> None:
    text = "謝謝你幫我掛號"
    tokens = tokenizer(tmp_path).tokenize(Message(data={TEXT: text}), TEXT)
    assert "".join(t.text for t in tokens) == "谢谢你帮我挂号"
    assert tokens[0].start == 0
    assert all(t.end - t.start == len(t.text) for t in tokens)
    assert tokens[-1].end == len(text)


def test_simplified_text_is_tokenized_as_jieba_does(tmp_path: Path) -> None:
    text = "我想挂心内科的号"
    ours = tokenizer(tmp_path).tokenize(Message(data={TEXT: text}), TEXT)
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": None}
    context = ExecutionContext(GraphSchema({}), "test")
    plain = JiebaTokenizer.create(config, LocalModelStorage(tmp_path / "p"), Resource("p"), context)
    theirs = plain.tokenize(Message(data={TEXT: text}), TEXT)
    assert [(t.text, t.start) for t in ours] == [(t.text, t.start) for t in theirs]
