"""`flask training …`: the terminal's way to import, export, diff, train and activate."""

from __future__ import annotations

from pathlib import Path

import yaml

from app import create_app
from config import ROOT
from services.task_queue import InMemoryTaskQueue
from services.teaching import model_lifecycle as ml
from services.teaching import training_data as td
from tests.conftest import settings_for
from tests.fakes.http_server import fake_server
from tests.wiring import use


def test_import_diff_export_train_and_activate(database_url: str, tmp_path: Path) -> None:
    with fake_server(lambda request: (204, b"")) as rasa:
        app = create_app(settings_for(database_url).model_copy(update={"rasa_url": rasa.url}))
        queued: list[str] = []
        use(app, tasks=InMemoryTaskQueue(run=lambda _name, args: queued.append(str(args[0]))))
        ctx = app.extensions["hospital"]
        cli = app.test_cli_runner()

        result = cli.invoke(args=["training", "import", "--author", "staff:editor"])
        assert result.exit_code == 0 and "imported" in result.output
        assert cli.invoke(args=["training", "diff"]).output.strip() == "no pending changes"

        td.add_example(ctx, "intent", "pay", "医保卡能付吗", author="staff:editor")
        assert "+    - 医保卡能付吗" in cli.invoke(args=["training", "diff"]).output
        out = tmp_path / "out"
        assert cli.invoke(args=["training", "export", "--to", str(out)]).exit_code == 0
        payment = yaml.safe_load((out / "data/nlu/payment.yml").read_text(encoding="utf-8"))
        assert "- 医保卡能付吗" in payment["nlu"][0]["examples"]
        assert "医保卡能付吗" not in (ROOT / "data/nlu/payment.yml").read_text(encoding="utf-8")

        result = cli.invoke(args=["training", "train", "--comment", "医保"])
        assert result.exit_code == 0 and len(queued) == 1 and "queued" in result.output
        version = queued[0]
        assert "queued" in cli.invoke(args=["training", "status", version]).output

        result = cli.invoke(args=["training", "activate", version])
        assert result.exit_code != 0 and "还没有训练好" in result.output  # not trained yet
        model = tmp_path / f"{version}.tar.gz"
        model.write_bytes(b"model")
        ml._set(ctx, version, status="ready", model_path=str(model))
        result = cli.invoke(args=["training", "activate", version, "--author", "staff:admin"])
        assert result.exit_code == 0, result.output
        assert [r.json() for r in rasa.requests] == [{"model_file": str(model)}]
        assert cli.invoke(args=["training", "versions"]).output.startswith(f"* {version}")
        app.extensions["hospital"].db.dispose()
