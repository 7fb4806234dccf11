"""Bad edits to data/triage must stop the process at load time, not mis-triage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from services.clinical.triage import DEFAULT_DATA_DIR, TriageDataError, TriageEngine


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the knowledge, with departments.yml beside it."""
    target = tmp_path / "triage"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    shutil.copy(DEFAULT_DATA_DIR.parent / "departments.yml", tmp_path / "departments.yml")
    return target


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_shipped_data_loads(data_dir: Path) -> None:
    engine = TriageEngine.from_directory(data_dir)
    assert len(engine.knowledge.red_flags) >= 20


def test_every_rule_names_its_clinical_source(data_dir: Path) -> None:
    engine = TriageEngine.from_directory(data_dir)
    assert all(rule.spec.source for rule in engine.knowledge.red_flags)
    assert all(symptom.spec.source for symptom in engine.knowledge.symptoms)


def test_unknown_department_in_symptoms_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "symptoms.yml", lambda d: d["symptoms"][0]["departments"].append("cardiologyy"))
    with pytest.raises(TriageDataError, match="cardiologyy"):
        TriageEngine.from_directory(data_dir)


def test_unknown_department_in_red_flags_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "red_flags.yml", lambda d: d["rules"][0]["departments"].append("heart"))
    with pytest.raises(TriageDataError, match="heart"):
        TriageEngine.from_directory(data_dir)


def test_red_flag_must_send_to_emergency_first(data_dir: Path) -> None:
    _edit(data_dir / "red_flags.yml", lambda d: d["rules"][0].update(departments=["cardiology"]))
    with pytest.raises(TriageDataError, match="emergency"):
        TriageEngine.from_directory(data_dir)


def test_bad_regex_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "red_flags.yml", lambda d: d["rules"][0].update(any=["胸口(痛"]))
    with pytest.raises(TriageDataError, match="bad pattern"):
        TriageEngine.from_directory(data_dir)


def test_unknown_term_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "red_flags.yml", lambda d: d["rules"][0].update(any=["{NOPE}"]))
    with pytest.raises(TriageDataError, match="NOPE"):
        TriageEngine.from_directory(data_dir)


def test_unknown_key_and_level_are_rejected(data_dir: Path) -> None:
    _edit(data_dir / "symptoms.yml", lambda d: d["symptoms"][0].update(level="soon"))
    with pytest.raises(TriageDataError):
        TriageEngine.from_directory(data_dir)


def test_emergency_symptom_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "symptoms.yml", lambda d: d["symptoms"][0].update(level="emergency"))
    with pytest.raises(TriageDataError, match="red_flags"):
        TriageEngine.from_directory(data_dir)


def test_duplicate_ids_are_rejected(data_dir: Path) -> None:
    _edit(data_dir / "red_flags.yml", lambda d: d["rules"].append(dict(d["rules"][0])))
    with pytest.raises(TriageDataError, match="duplicate"):
        TriageEngine.from_directory(data_dir)


def test_missing_file_is_rejected(data_dir: Path) -> None:
    (data_dir / "modifiers.yml").unlink()
    with pytest.raises(TriageDataError, match="missing"):
        TriageEngine.from_directory(data_dir)


def test_unknown_modifier_department_is_rejected(data_dir: Path) -> None:
    _edit(data_dir / "modifiers.yml", lambda d: d["modifiers"][0].update(departments_first=["kids"]))
    with pytest.raises(TriageDataError, match="kids"):
        TriageEngine.from_directory(data_dir)


def test_about_fifty_protocols_each_with_a_source(data_dir: Path) -> None:
    engine = TriageEngine.from_directory(data_dir)
    assert len(engine.knowledge.protocols) >= 50
    assert engine.knowledge.dangling == ()
    assert all(p.source for p in engine.knowledge.protocols)
    assert all(net.spec.source for net in engine.knowledge.nets.nets)


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("protocols.yml", lambda d: d["protocols"][0]["urgent"].append("spo2_below_92"), "unknown urgent"),
        ("nets.yml", lambda d: d["nets"][0]["departments"].insert(0, "cardiology"), "must start with emergency"),
        ("nets.yml", lambda d: d["nets"][0].update(conditions=["no_such_condition"]), "not in findings.yml"),
        ("nets.yml", lambda d: d["nets"][0]["values"].update(bogus={"below": 1}), "nets.yml"),
        ("questions.yml", lambda d: d["questions"][0]["complaints"].append("no_such_symptom"), "unknown complaints"),
        ("self_care.yml", lambda d: d["self_care"][0].update(worsening="多喝水"), "self_care.yml"),
    ],
)
def test_bad_edits_to_the_new_files_are_rejected(data_dir: Path, file: str, change: object, message: str) -> None:
    _edit(data_dir / file, change)
    with pytest.raises(TriageDataError, match=message):
        TriageEngine.from_directory(data_dir)


def test_a_deleted_red_flag_leaves_a_dangling_reference_not_a_load_error(data_dir: Path) -> None:
    """Deleting a red flag is judged by the corpus gate, so the engine must still load."""
    _edit(data_dir / "red_flags.yml", lambda d: d.update(rules=[r for r in d["rules"] if r["id"] != "spinal_injury"]))
    _edit(data_dir / "protocols.yml", lambda d: d["protocols"][0]["emergency"].append("no_such_rule"))
    engine = TriageEngine.from_directory(data_dir)
    assert {"spinal_injury", "no_such_rule"} <= set(engine.knowledge.dangling)
