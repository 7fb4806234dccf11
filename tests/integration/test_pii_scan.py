"""`make pii-scan` (scripts/pii_scan.py): finds plaintext ID numbers and phones in a
database, a Celery message, or a log, and stays quiet on what the system stores."""

from __future__ import annotations

import base64
import importlib.util
import json
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

from flask.testing import FlaskClient

from config import ROOT
from services.context import ServiceContext
from tests.factories import make_patient, valid_id_number


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pii_scan", ROOT / "scripts" / "pii_scan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pii_scan"] = module
    spec.loader.exec_module(module)
    return module


pii_scan = _load()


def test_the_apps_own_database_holds_no_plaintext_after_a_registration_and_a_chat(
    client: FlaskClient, ctx: ServiceContext, database_url: str, tmp_path: Path
) -> None:
    make_patient(ctx, name="陈桂兰", phone="13912345678")
    client.post("/api/v1/chat", json={"message": f"我的手机13912345678，身份证{valid_id_number()}"})
    assert pii_scan.scan_database(database_url, "database") == []
    code = pii_scan.main(["--database", database_url, "--tracker", "", "--broker", "memory://", "--logs"])
    assert code == 0


def test_plaintext_in_a_store_a_broker_message_or_a_log_is_found(tmp_path: Path) -> None:
    id_number = valid_id_number()
    tracker = tmp_path / "tracker.db"
    with sqlite3.connect(tracker) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)")
        db.execute("INSERT INTO events (data) VALUES (?)", (json.dumps({"text": f"身份证{id_number}"}),))
        body = base64.b64encode(json.dumps([["13812345678"], {}, {}]).encode()).decode()
        db.execute("CREATE TABLE kombu_message (id INTEGER PRIMARY KEY, payload TEXT)")
        db.execute("INSERT INTO kombu_message (payload) VALUES (?)", (json.dumps({"body": body}),))
    log = tmp_path / "app.log"
    log.write_text('{"message": "sent", "to": "138****5678"}\n{"message": "sent", "to": "13812345678"}\n')
    found = pii_scan.scan_database(f"sqlite:///{tracker}", "tracker") + pii_scan.scan_files([log], "logs")
    assert {(f.where.split(" ")[-1].split("/")[-1], f.kind, f.count) for f in found} == {
        ("events.data", "id_number", 1),
        ("kombu_message.payload", "phone", 1),
        ("app.log", "phone", 1),
    }
    assert id_number not in repr(found) and "13812345678" not in repr(found)
    args = ["--database", f"sqlite:///{tracker}", "--tracker", "", "--broker", "memory://", "--logs", str(log)]
    assert pii_scan.main(args) == 1


def test_blind_indexes_ciphertext_and_masked_numbers_are_not_findings() -> None:
    assert pii_scan.find_pii("a13812345678b 9f86d08138123456789e 138****5678 1101**********7578") == {}
    assert pii_scan.find_pii("110105194912310021") == {}  # a wrong check digit is no ID number
    assert pii_scan.find_pii("电话 +8613812345678，身份证11010519491231002X") == {"phone": 1, "id_number": 1}
