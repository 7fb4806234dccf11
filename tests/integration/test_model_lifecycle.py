"""Training runs, activation and rollback through Rasa's model API, triage
proposals behind a second clinician and the triage gates, and conversation
review into training examples."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from config import ROOT
from integrations.rasa.errors import RasaStepFailed, RasaUnavailable
from integrations.rasa.model_api import RasaModelApi
from integrations.rasa.training_runner import RasaRunner, SubprocessRasaRunner
from models import AuditEntry
from services.context import ServiceContext
from services.conversation import turns as conversation
from services.conversation.review import example_from_message
from services.conversation.turns import InboundMessage
from services.errors import Conflict
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from services.teaching import triage_changes as tc
from tests.fakes.http_server import Recorded, fake_server

EDITOR = "staff:editor"


@pytest.fixture
def imported(ctx: ServiceContext) -> ServiceContext:
    td.import_directory(ctx, ROOT, author=EDITOR)
    return ctx


@pytest.fixture
def paths(tmp_path: Path) -> ml.LifecyclePaths:
    triage = tmp_path / "data" / "triage"
    shutil.copytree(ROOT / "data" / "triage", triage)
    shutil.copyfile(ROOT / "data" / "departments.yml", tmp_path / "data" / "departments.yml")
    return ml.LifecyclePaths(models=tmp_path / "models", work=tmp_path / "work", triage=triage)


class FakeRunner(RasaRunner):
    """Rasa's far side: records what it was given, writes a stand-in model."""

    def __init__(self, fail_at: str | None = None, macro_f1: float = 0.95) -> None:
        self.fail_at = fail_at
        self.macro_f1 = macro_f1
        self.workspaces: list[Path] = []
        self.evaluated: list[tuple[Path, Path | None]] = []

    def validate(self, workspace: Path) -> str:
        self.workspaces.append(workspace)
        assert (workspace / "bot/config.yml").exists() and (workspace / "data/stories").is_dir()
        if self.fail_at == "validate":
            raise RasaStepFailed("validate", "InvalidDomain: intent 'nope' is not in the domain")
        return "validation ok"

    def train(self, workspace: Path, out_dir: Path, name: str, progress: Callable[[str], None]) -> Path:
        progress("Epochs: 50%")
        if self.fail_at == "train":
            raise RasaStepFailed("train", "Killed")
        out_dir.mkdir(parents=True, exist_ok=True)
        model = out_dir / f"{name}.tar.gz"
        # the whole NLU snapshot: a new example lands in whichever file holds its intent
        # (`pay` is in payment.yml and more_errands.yml)
        nlu = b"".join(path.read_bytes() for path in sorted((workspace / "data/nlu").rglob("*.yml")))
        model.write_bytes(b"model " + nlu)
        return model

    def evaluate(self, workspace: Path, candidate: Path, active: Path | None) -> dict[str, Any]:
        self.evaluated.append((candidate, active))

        def scores(f1: float, confusions: list[dict[str, Any]]) -> dict[str, Any]:
            return {"intent_macro_f1": f1, "department_accuracy": 0.97, "confusions": confusions}

        return {
            "candidate": scores(self.macro_f1, [{"pair": ["pay", "inform"], "count": 1}]),
            "active": scores(0.93, [{"pair": ["pay", "inform"], "count": 3}, {"pair": ["greet", "thank"], "count": 1}])
            if active
            else None,
        }


def _trained(ctx: ServiceContext, paths: ml.LifecyclePaths, runner: RasaRunner | None = None) -> str:
    version = ml.request_training(ctx, author=EDITOR, paths=paths)
    assert ml.run_training(ctx, version, runner or FakeRunner(), paths).status == "ready"
    return version


def _rasa(status: int = 204) -> Callable[[Recorded], tuple[int, Any]]:
    return lambda request: (status, b"" if status == 204 else {"message": "model could not be loaded"})


# --- training runs ---------------------------------------------------------------------


def test_a_run_trains_the_snapshot_it_was_requested_with(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    ctx = imported
    td.add_example(ctx, "intent", "pay", "医保卡能付吗", author=EDITOR)
    version = ml.request_training(ctx, author=EDITOR, comment="加了医保的说法", paths=paths)
    assert ml.get_version(ctx, version).status == "queued"
    assert td.pending_changes(ctx) == []  # the trained state is the new baseline
    td.add_example(ctx, "intent", "pay", "这句是训练开始后才加的", author=EDITOR)

    view = ml.run_training(ctx, version, FakeRunner(), paths)
    assert view.status == "ready" and view.finished_at is not None
    model = Path(view.model_path or "")
    assert model == (paths.models / f"{version}.tar.gz").resolve()
    assert "医保卡能付吗" in model.read_text(encoding="utf-8")
    assert "训练开始后" not in model.read_text(encoding="utf-8")
    assert not (paths.work / version).exists()  # the workspace is cleaned up
    assert view.evaluation is not None and view.evaluation["triage"]["passed"] is True  # no baseline digest yet


def test_evaluation_compares_with_the_active_model(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    ctx = imported
    first = _trained(ctx, paths)
    with fake_server(_rasa()) as rasa:
        ml.activate(ctx, first, RasaModelApi(rasa.url), actor=EDITOR)
    runner = FakeRunner(macro_f1=0.96)
    second = _trained(ctx, paths, runner)
    assert runner.evaluated[0][1] == Path(ml.get_version(ctx, first).model_path or "")
    evaluation = ml.get_version(ctx, second).evaluation
    assert evaluation is not None
    assert evaluation["candidate"]["intent_macro_f1"] == 0.96 and evaluation["active"]["intent_macro_f1"] == 0.93
    assert evaluation["confusions_changed"] == [
        {"gold": "greet", "predicted": "thank", "active": 1, "candidate": 0},
        {"gold": "pay", "predicted": "inform", "active": 3, "candidate": 1},
    ]
    assert "triage" not in evaluation  # triage data unchanged since the active model


@pytest.mark.parametrize("step", ["validate", "train"])
def test_a_failing_step_fails_the_run_with_its_log(
    imported: ServiceContext, paths: ml.LifecyclePaths, step: str
) -> None:
    version = ml.request_training(imported, author=EDITOR, paths=paths)
    view = ml.run_training(imported, version, FakeRunner(fail_at=step), paths)
    assert view.status == "failed" and view.error == f"{step} 失败"
    assert view.log_tail in ("InvalidDomain: intent 'nope' is not in the domain", "Killed")
    with pytest.raises(ml.ModelNotReady):
        ml.activate(imported, version, RasaModelApi("http://127.0.0.1:9"), actor=EDITOR)


def test_one_run_at_a_time(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    version = ml.request_training(imported, author=EDITOR, paths=paths)
    with pytest.raises(ml.TrainingInProgress):
        ml.request_training(imported, author=EDITOR, paths=paths)
    ml.run_training(imported, version, FakeRunner(), paths)
    assert ml.run_training(imported, version, FakeRunner(fail_at="train"), paths).status == "ready"  # redelivery
    ml.request_training(imported, author=EDITOR, paths=paths)


def test_validate_current_runs_on_an_exported_copy(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    td.add_example(imported, "intent", "pay", "医保卡能付吗", author=EDITOR)
    runner = FakeRunner()
    assert ml.validate_current(imported, runner, paths) == (True, "validation ok")
    assert "医保卡能付吗" not in (ROOT / "data/nlu/payment.yml").read_text(encoding="utf-8")
    assert ml.validate_current(imported, FakeRunner(fail_at="validate"), paths)[0] is False


# --- activation and rollback ---------------------------------------------------------------


def test_activate_and_roll_back_through_rasas_model_api(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    ctx = imported
    first = _trained(ctx, paths)
    second = _trained(ctx, paths)
    with fake_server(_rasa()) as rasa:
        api = RasaModelApi(rasa.url)
        ml.activate(ctx, second, api, actor=EDITOR)
        assert (ml.active_version(ctx) or ml.get_version(ctx, first)).id == second
        ml.activate(ctx, first, api, actor="staff:admin", reason="回滚：新模型把挂号认成了缴费")
        assert [(r.method, r.path) for r in rasa.requests] == [("PUT", "/model"), ("PUT", "/model")]
        assert [r.json() for r in rasa.requests] == [
            {"model_file": ml.get_version(ctx, second).model_path},
            {"model_file": ml.get_version(ctx, first).model_path},
        ]
    active = ml.active_version(ctx)
    assert active is not None and active.id == first
    assert [v.id for v in ml.list_versions(ctx) if v.active] == [first]
    with ctx.db.reading() as session:
        entries = session.query(AuditEntry).filter_by(action="model.activate").order_by(AuditEntry.id).all()
    assert [(e.actor, e.subject) for e in entries] == [(EDITOR, second), ("staff:admin", first)]
    assert json.loads(entries[1].detail or "{}") == {"previous": second}


def test_rasa_refusing_the_model_keeps_the_old_one_active(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    ctx = imported
    first, second = _trained(ctx, paths), _trained(ctx, paths)
    with fake_server(_rasa()) as rasa:
        ml.activate(ctx, first, RasaModelApi(rasa.url), actor=EDITOR)
    with fake_server(_rasa(400)) as rasa, pytest.raises(RasaUnavailable):
        ml.activate(ctx, second, RasaModelApi(rasa.url), actor=EDITOR)
    with pytest.raises(RasaUnavailable):
        ml.activate(ctx, second, RasaModelApi("http://127.0.0.1:9", timeout=2), actor=EDITOR)
    assert (ml.active_version(ctx) or ml.get_version(ctx, second)).id == first


# --- triage proposals ------------------------------------------------------------------------


def _edited_red_flags(paths: ml.LifecyclePaths, change: Callable[[Any], None]) -> dict[str, str]:
    data = yaml.safe_load((paths.triage / "red_flags.yml").read_text(encoding="utf-8"))
    change(data)
    return {"red_flags.yml": yaml.safe_dump(data, allow_unicode=True, sort_keys=False)}


def _reword_first_advice(data: Any) -> None:
    rule = data["rules"][0]
    rule["source"] = str(rule.get("source", "")) + "（2024 修订）"


def _drop_half_the_rules(data: Any) -> None:
    rules = data["rules"]
    del rules[: len(rules) // 2]


def test_the_proposer_cannot_approve_their_own_change(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    files = _edited_red_flags(paths, _reword_first_advice)
    proposal = tc.propose(imported, files, proposer="staff:dr_li", triage_dir=paths.triage)
    with pytest.raises(tc.NotAllowed):
        tc.approve(imported, proposal, reviewer="staff:dr_li", roles={"clinician"}, triage_dir=paths.triage)
    assert tc.get_proposal(imported, proposal).status == "pending"


def test_a_non_clinician_cannot_approve(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    before = (paths.triage / "red_flags.yml").read_text(encoding="utf-8")
    files = _edited_red_flags(paths, _reword_first_advice)
    proposal = tc.propose(imported, files, proposer="staff:dr_li", triage_dir=paths.triage)
    for roles in ({"admin"}, {"dialogue_editor", "pharmacist"}, set()):
        with pytest.raises(tc.NotAllowed):
            tc.approve(imported, proposal, reviewer="staff:boss", roles=roles, triage_dir=paths.triage)
    assert (paths.triage / "red_flags.yml").read_text(encoding="utf-8") == before


def test_a_second_clinician_approves_and_the_change_goes_live(
    imported: ServiceContext, paths: ml.LifecyclePaths
) -> None:
    files = _edited_red_flags(paths, _reword_first_advice)
    proposal = tc.propose(imported, files, proposer="staff:dr_li", comment="来源更新", triage_dir=paths.triage)
    view = tc.approve(imported, proposal, reviewer="staff:dr_wang", roles={"clinician"}, triage_dir=paths.triage)
    assert view.status == "applied" and view.decided_by == "staff:dr_wang"
    assert view.gate_report is not None and view.gate_report["passed"] is True
    assert view.gate_report["red_flags_missed"] == [] and view.gate_report["red_flag_corpus"] >= 400
    assert (paths.triage / "red_flags.yml").read_text(encoding="utf-8") == files["red_flags.yml"]
    assert (ROOT / "data/triage/red_flags.yml").read_text(encoding="utf-8") != files["red_flags.yml"]
    with pytest.raises(Conflict):  # decided once
        tc.approve(imported, proposal, reviewer="staff:dr_zhao", roles={"clinician"}, triage_dir=paths.triage)


def test_a_failing_triage_gate_blocks_the_change(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    before = (paths.triage / "red_flags.yml").read_text(encoding="utf-8")
    files = _edited_red_flags(paths, _drop_half_the_rules)
    proposal = tc.propose(imported, files, proposer="staff:dr_li", triage_dir=paths.triage)
    with pytest.raises(tc.TriageGateFailed):
        tc.approve(imported, proposal, reviewer="staff:dr_wang", roles={"clinician"}, triage_dir=paths.triage)
    view = tc.get_proposal(imported, proposal)
    assert view.status == "failed"
    assert view.gate_report is not None and view.gate_report["red_flags_missed"]
    assert (paths.triage / "red_flags.yml").read_text(encoding="utf-8") == before


def test_rules_that_do_not_load_are_blocked(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    files = {"symptoms.yml": "symptoms:\n  - name: 头痛\n    departments: [no_such_department]\n"}
    proposal = tc.propose(imported, files, proposer="staff:dr_li", triage_dir=paths.triage)
    with pytest.raises(tc.TriageGateFailed) as failure:
        tc.approve(imported, proposal, reviewer="staff:dr_wang", roles={"clinician"}, triage_dir=paths.triage)
    assert "无法加载" in str(failure.value.details["failures"])


def test_a_rejection_needs_a_reason_and_a_clinician(imported: ServiceContext, paths: ml.LifecyclePaths) -> None:
    files = _edited_red_flags(paths, _reword_first_advice)
    proposal = tc.propose(imported, files, proposer="staff:dr_li", triage_dir=paths.triage)
    with pytest.raises(tc.NotAllowed):
        tc.reject(imported, proposal, reviewer="staff:editor", roles={"dialogue_editor"}, reason="不行")
    view = tc.reject(imported, proposal, reviewer="staff:dr_wang", roles={"clinician"}, reason="措辞不够明确")
    assert (view.status, view.reason) == ("rejected", "措辞不够明确")


# --- conversation review ----------------------------------------------------------------------


def test_a_misunderstood_message_becomes_a_masked_example(imported: ServiceContext) -> None:
    message = InboundMessage(
        channel="web",
        sender="visitor-1",
        text="帮我查下预约 身份证110101199003074514 手机13812345678",
        platform_msg_id="m-1",
    )
    message_id = conversation.record_inbound(imported, message)
    example_id = example_from_message(imported, message_id, "query_appointment", author=EDITOR)
    item = td.get_item(imported, "intent", "query_appointment")
    added = next(e.text for e in item.examples if e.id == example_id)
    assert added == "帮我查下预约 身份证****************** 手机***********"
    revision = td.history(imported, "intent", "query_appointment")[0]
    assert revision.comment == f"对话审阅：消息 {message_id}"
    with imported.db.reading() as session:
        assert session.query(AuditEntry).filter_by(action="conversation.review").count() == 1


# --- the real Rasa ---------------------------------------------------------------------------

TINY_EPOCHS = 2


def _tiny_config(tmp: Path) -> Path:
    config = yaml.safe_load((ROOT / "bot/config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if "epochs" in component:
            component["epochs"] = TINY_EPOCHS
    target = tmp / "tiny-config.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture
def rasa_server(tmp_path: Path) -> Iterator[str]:
    from tests.rasa.conftest import free_port, rasa_env, require_rasa, stop, wait_for

    require_rasa()
    port = free_port()
    log = tmp_path / "rasa.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port)],
            cwd=tmp_path, env=rasa_env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/", proc, 120, log)  # /status is 409 until a model is loaded
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(proc)


@pytest.mark.slow
def test_really_validate_train_and_activate_a_tiny_model(
    imported: ServiceContext, tmp_path: Path, rasa_server: str
) -> None:
    """The console's whole path with the real Rasa venv: an exported tmp copy is
    validated, an NLU model is trained with few epochs, and the running
    `rasa run --enable-api` switches to it through PUT /model."""
    ctx = imported
    td.add_example(ctx, "intent", "pay", "医保卡能不能付挂号费", author=EDITOR)
    paths = ml.LifecyclePaths(
        models=tmp_path / "models", work=tmp_path / "work", config=_tiny_config(tmp_path), nlu_only=True
    )

    class NoEvaluation(SubprocessRasaRunner):
        def evaluate(self, workspace: Path, candidate: Path, active: Path | None) -> dict[str, Any]:
            return {"candidate": None, "active": None}  # loading models to score them takes minutes

    version = ml.request_training(ctx, author=EDITOR, paths=paths)
    view = ml.run_training(ctx, version, NoEvaluation(paths), paths)
    assert view.status == "ready", (view.error, view.log_tail)
    assert Path(view.model_path or "").stat().st_size > 10_000

    ml.activate(ctx, version, RasaModelApi(rasa_server), actor=EDITOR)
    status = requests.get(f"{rasa_server}/status", timeout=10).json()
    assert status["model_file"].endswith(f"{version}.tar.gz")
    parsed = requests.post(f"{rasa_server}/model/parse", json={"text": "我要挂号"}, timeout=30).json()
    assert parsed["intent"]["name"]
