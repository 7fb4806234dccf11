"""The department normaliser: mentions typed any way become department codes, other
words do not, and the Rasa component trains, persists, loads and rewrites entities."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.department_names import DepartmentFinder, load_names, simplify
from bot.components.department_normalizer import DepartmentNormalizer


@pytest.fixture(scope="module")
def finder() -> DepartmentFinder:
    return DepartmentFinder.from_files()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("帮我挂个新内科", "cardiology"),  # homophone of 心内科
        ("神精内科还有号吗", "neurology"),  # 经 -> 精
        ("耳鼻侯科", "ent"),
        ("消化内可", "gastroenterology"),  # 科 typed as 可, no 科 in the message
        ("我想挂內分泌科", "endocrinology"),  # traditional 內
        ("眼科門診", "ophthalmology"),
        ("兒科明天有沒有號", "pediatrics"),
        ("骨伤課", "orthopedics"),  # traditional 課 sounds like 科
        ("找个看肾的那个科", "nephrology"),  # described, not named
        ("看皮肤病的医生", "dermatology"),
        ("挂看嗓子的", "ent"),
        ("肾内明天上午", "nephrology"),  # a short form like 心内
        ("zhong yi ke", None),  # pinyin letters are not matched as words
    ],
)
def test_department_found_however_typed(finder: DepartmentFinder, text: str, code: str | None) -> None:
    assert finder.resolve(text) == code


@pytest.mark.parametrize("text", ["明天上午的号", "肚子疼两天了", "呼吸困难", "我是他的粉丝", "谢谢你", "查一下报告"])
def test_ordinary_words_are_not_departments(finder: DepartmentFinder, text: str) -> None:
    assert finder.find(text) == []


def test_the_longest_reading_wins_and_spans_point_into_the_text(finder: DepartmentFinder) -> None:
    text = "我要挂新内科的号"
    [mention] = finder.find(text)
    assert (text[mention.start : mention.end], mention.code) == ("新内科", "cardiology")  # not the 内科 inside


def test_every_catalogue_name_and_typo_is_known(finder: DepartmentFinder) -> None:
    for wording, code in load_names().items():
        assert finder.resolve(wording) == code, wording


def test_simplify_converts_traditional_and_spacing() -> None:
    assert simplify("心 臟 內 科") == "心脏内科"


def component(tmp_path: Path) -> tuple[DepartmentNormalizer, LocalModelStorage, Resource, ExecutionContext]:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("department_normalizer")
    context = ExecutionContext(GraphSchema({}), "test")
    return DepartmentNormalizer.create({}, storage, resource, context), storage, resource, context


def test_trained_tables_are_kept_in_the_model_and_loaded(tmp_path: Path) -> None:
    normalizer, storage, resource, context = component(tmp_path)
    data = TrainingData(entity_synonyms={"心脏那个科": "cardiology", "随便": "not_a_code"})
    normalizer.train(data)
    loaded = DepartmentNormalizer.load({}, storage, resource, context)
    assert loaded.finder is not None
    assert loaded.finder.resolve("心脏那个科") == "cardiology"  # a training-data synonym joined the tables
    assert "随便" not in loaded.finder.names  # a synonym of another entity did not


def test_process_rewrites_department_entities_and_keeps_the_others(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    text = "我要挂內分秘科，手机13800000000"
    entities = [
        {"entity": "department", "start": 5, "end": 7, "value": "秘科", "extractor": "DIETClassifier"},
        {"entity": "phone", "start": 10, "end": 21, "value": "13800000000", "extractor": "RegexEntityExtractor"},
    ]
    message = Message(data={TEXT: text, ENTITIES: entities})
    [out] = normalizer.process([message])
    found = {(e["entity"], e["value"]) for e in out.get(ENTITIES)}
    assert found == {("department", "endocrinology"), ("phone", "13800000000")}
    [department] = [e for e in out.get(ENTITIES) if e["entity"] == "department"]
    assert text[department["start"] : department["end"]] == "內分秘科"


def test_an_extractor_guess_that_is_no_department_is_dropped(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    entities = [{"entity": "department", "start": 0, "end": 4, "value": "呼吸困难", "extractor": "DIETClassifier"}]
    assert normalizer.normalise("呼吸困难", entities) == []


def test_an_extractor_value_already_a_code_is_kept(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    entities = [{"entity": "department", "start": 0, "end": 2, "value": "cardiology", "extractor": "DIETClassifier"}]
    assert normalizer.normalise("那个", entities) == entities


def test_in_a_complaint_a_body_word_is_not_a_department(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    assert normalizer.normalise("皮肤痒了三天", [], complaint=True) == []
    assert [e["value"] for e in normalizer.normalise("皮肤痒了三天", [])] == ["dermatology"]  # as an answer
    said = normalizer.normalise("胃疼反酸 挂消化科对吗", [], complaint=True)
    assert [e["value"] for e in said] == ["gastroenterology"]


def test_in_a_complaint_a_place_gone_to_is_a_department(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    gone = normalizer.normalise("胸口疼得厉害，现在去急诊还是叫救护车", [], complaint=True)
    assert [e["value"] for e in gone] == ["emergency"]
    assert normalizer.normalise("脸上皮肤痒，口腔溃疡", [], complaint=True) == []  # body words, no going


def test_process_reads_the_intent(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    message = Message(data={TEXT: "口腔溃疡好几天", ENTITIES: [], "intent": {"name": "report_symptom"}})
    [out] = normalizer.process([message])
    assert out.get(ENTITIES) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("想找个看关节的医生", "orthopedics"),  # what it treats, after a verb of treating
        ("治痛风的是哪个科", "rheumatology"),
        ("糖尿病门诊几点开", "endocrinology"),  # what it treats, before a word for a department
        ("看前列腺那个科", "urology"),
        ("睇皮膚嘅", "dermatology"),  # Cantonese, traditional
        ("化疗科在几楼", "oncology"),
        ("消化丙科", "gastroenterology"),  # one syllable off in its initial, nothing else as close
        ("风湿免役科", "rheumatology"),
    ],
)
def test_department_named_by_what_it_treats_or_one_syllable_off(finder: DepartmentFinder, text: str, code: str) -> None:
    assert finder.resolve(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "关节疼了半年",  # a treated thing outside a frame is a complaint
        "检验科在哪",  # not ours: its 验科 is not 眼科 by sound
        "营养科",
        "超声科几点上班",  # 声科 is not 肾科
        "病理科",
        "看完的单子",
        "我想看的",
    ],
)
def test_frames_and_near_sounds_do_not_invent_departments(finder: DepartmentFinder, text: str) -> None:
    assert finder.find(text) == []


def test_sounds_shared_by_two_departments_are_not_read_by_sound(finder: DepartmentFinder) -> None:
    from bot.components.department_names import sound

    assert sound("神内") == sound("肾内")
    assert sound("神内") not in finder.by_sound  # the exact names still resolve
    assert (finder.resolve("神内"), finder.resolve("肾内")) == ("neurology", "nephrology")


def test_the_words_table_is_kept_in_the_model_and_old_models_still_load(tmp_path: Path) -> None:
    normalizer, storage, resource, context = component(tmp_path)
    normalizer.train(TrainingData())
    loaded = DepartmentNormalizer.load({}, storage, resource, context)
    assert loaded.finder is not None and loaded.finder.resolve("看痛风的") == "rheumatology"
    assert loaded.finder.find("检验科") == []
    with storage.write_to(resource) as directory:  # a model trained before the words table
        (directory / "department_names.json").write_text('{"心内科": "cardiology"}', encoding="utf-8")
    old = DepartmentNormalizer.load({}, storage, resource, context)
    assert old.finder is not None and old.finder.resolve("心内科") == "cardiology"
    assert old.finder.resolve("看痛风的") is None


def test_in_a_complaint_a_framed_department_counts(tmp_path: Path) -> None:
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    said = normalizer.normalise("膝盖疼半年了，想找看关节的医生", [], complaint=True)
    assert [e["value"] for e in said] == ["orthopedics"]
    assert normalizer.normalise("膝盖和关节都疼", [], complaint=True) == []


def test_in_a_complaint_a_department_booked_counts(tmp_path: Path) -> None:
    """约 before a name books it ("约内分泌"), like 挂; a Taiwanese 家醫科 is 全科."""
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    booked = normalizer.normalise("口渴得厉害 想约内分泌的大夫", [], complaint=True)
    assert [e["value"] for e in booked] == ["endocrinology"]
    assert [e["value"] for e in normalizer.normalise("我要預約家醫科", [])] == ["general_internal"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我要找看那个皮肤的", "dermatology"),  # a filler between the verb and what it treats
        ("帮我挂看一下眼睛的", "ophthalmology"),
        ("有没有治这个骨头的医生", "orthopedics"),
        ("约个号 帮我瞧瞧我这个牙", "stomatology"),  # one's own organ looked at, ending the clause
        ("挂号，看看俺的耳朵吧", "ent"),
        ("想约个艾灸", "tcm"),  # a treatment one department gives, booked
        ("帮我预约一次康复训练", "rehabilitation"),
        ("幫我約個拔牙", "stomatology"),  # traditional characters
        ("下周三能排个推拿吗", "tcm"),
    ],
)
def test_department_named_by_a_filler_an_organ_looked_at_or_a_treatment_booked(
    finder: DepartmentFinder, text: str, code: str
) -> None:
    assert finder.resolve(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "做了针灸以后腿有点麻",  # a treatment told as past is no request
        "带身份证就可以吗",  # 证就可(以) sounds like 针灸科
        "看看我的报告出来没",  # looked at, but no organ ends the clause
        "我看看这个胃药怎么吃",
        "医保卡可能忘带了",
    ],
)
def test_fillers_treatments_and_everyday_words_invent_no_department(finder: DepartmentFinder, text: str) -> None:
    assert finder.find(text) == []


def test_in_a_complaint_a_seasoned_doctor_sought_is_a_department(tmp_path: Path) -> None:
    """ "找个老中医调理": the department sought, even with a word for the doctor's standing."""
    normalizer, *_ = component(tmp_path)
    normalizer.train(TrainingData())
    found = normalizer.normalise("总是手脚冰凉 想找个老中医调理调理", [], complaint=True)
    assert [e["value"] for e in found] == ["tcm"]
    assert normalizer.normalise("我中医也看过 还是老失眠", [], complaint=True) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("血液", "hematology"),  # a name cut short, said alone to the form's question
        ("挂个号，心血管的", "cardiology"),  # ... or ending the message after the booking's words
        ("帮我弄个号 肛肠吧", "general_surgery"),
        ("想约一个 呼吸", "respiratory"),
        ("约个号 看下我的膝盖", "orthopedics"),  # an organ looked at after a booking, with or
        ("预约一下 瞧瞧耳朵", "ent"),  # without a possessive
        ("上个月起就不规律 想去看妇科", "gynecology"),  # 看妇科 sounds like 康复科
        ("约看妇科的号", "gynecology"),
        ("生的时候产房让老公进吗", "obstetrics"),  # the delivery room is obstetrics'
    ],
)
def test_department_cut_short_looked_at_after_a_booking_or_asked_for_by_verb(
    finder: DepartmentFinder, text: str, code: str
) -> None:
    assert finder.resolve(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "消化不太好 老胀气",  # a cut name inside a complaint's wording
        "呼吸的时候胸口扎着疼",
        "肿瘤指标高了一点 要紧吗",  # not the last clause
        "血液检查要空腹吗",
        "看看腰疼是怎么回事",  # looked at, but no booking and no possessive
    ],
)
def test_cut_names_and_looking_invent_no_department(finder: DepartmentFinder, text: str) -> None:
    assert finder.find(text) == []


def test_a_verb_before_a_name_is_not_read_by_sound_as_another_name(finder: DepartmentFinder) -> None:
    """ "看妇科" is 妇科 (the verb is no syllable of 康复科); 康复科 itself is still found."""
    assert [m.code for m in finder.find("我要看妇科")] == ["gynecology"]
    assert [m.code for m in finder.find("我要看康复科")] == ["rehabilitation"]


def test_the_short_names_are_kept_in_the_model(tmp_path: Path) -> None:
    normalizer, storage, resource, context = component(tmp_path)
    normalizer.train(TrainingData())
    loaded = DepartmentNormalizer.load({}, storage, resource, context)
    assert loaded.finder is not None and loaded.finder.resolve("挂号 血液") == "hematology"
