"""Triage rule proposals through the console pages: a second clinician runs the gates,
reads the results, then confirms them live; a failing gate is shown and blocks the
change; a rejection needs a reason. (The fixture: tests/integration/conftest.py.)"""

from __future__ import annotations

import yaml

from services.teaching import triage_changes as tc
from tests.console_helpers import audit_actions, post
from tests.integration.conftest import Teaching


def _reworded_red_flags(t: Teaching) -> str:
    data = yaml.safe_load((t.paths.triage / "red_flags.yml").read_text(encoding="utf-8"))
    data["rules"][0]["source"] = str(data["rules"][0].get("source", "")) + "（2024 修订）"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_triage_changes_need_a_second_clinician_through_the_pages(teaching: Teaching) -> None:
    drli, drwang, editor = teaching.client("drli"), teaching.client("drwang"), teaching.client("editor")
    new_text = _reworded_red_flags(teaching)
    response = post(drli, "/console/teaching/triage", file="red_flags.yml", text=new_text, comment="来源更新")
    assert response.status_code == 302
    proposal = response.headers["Location"].rsplit("/", 1)[1]
    page = drli.get(f"/console/teaching/triage/{proposal}").get_data(as_text=True)
    assert "（2024 修订）" in page and "批准" not in page.split("</h1>", 1)[1].split("需要另一位")[0]

    assert post(drli, f"/console/teaching/triage/{proposal}/approve").status_code == 403  # the proposer
    assert post(editor, f"/console/teaching/triage/{proposal}/approve").status_code == 403  # not a clinician
    assert tc.get_proposal(teaching.ctx, proposal).status == "pending"
    assert 'id="approve"' in drwang.get(f"/console/teaching/triage/{proposal}").get_data(as_text=True)

    assert post(drwang, f"/console/teaching/triage/{proposal}/approve").status_code == 302  # the gates only
    assert post(drwang, f"/console/teaching/triage/{proposal}/go-live").status_code == 302  # then live
    assert tc.get_proposal(teaching.ctx, proposal).status == "applied"
    assert (teaching.paths.triage / "red_flags.yml").read_text(encoding="utf-8") == new_text
    page = drwang.get(f"/console/teaching/triage/{proposal}").get_data(as_text=True)
    assert "分诊测试：通过" in page and "已上线" in page
    assert {"triage.propose", "triage.approve"} <= {e.action for e in audit_actions(teaching.ctx)}


def test_a_gate_failure_is_shown_and_a_rejection_needs_a_reason(teaching: Teaching) -> None:
    editor, drwang = teaching.client("editor"), teaching.client("drwang")
    data = yaml.safe_load((teaching.paths.triage / "red_flags.yml").read_text(encoding="utf-8"))
    del data["rules"][: len(data["rules"]) // 2]
    broken = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    before = (teaching.paths.triage / "red_flags.yml").read_text(encoding="utf-8")
    failing = post(editor, "/console/teaching/triage", file="red_flags.yml", text=broken, comment="精简")
    proposal = failing.headers["Location"].rsplit("/", 1)[1]
    response = post(drwang, f"/console/teaching/triage/{proposal}/approve")
    assert response.status_code == 302
    page = drwang.get(f"/console/teaching/triage/{proposal}").get_data(as_text=True)
    assert "没有通过分诊测试" in page and "分诊测试：未通过" in page and "漏掉的危险信号" in page
    assert (teaching.paths.triage / "red_flags.yml").read_text(encoding="utf-8") == before

    other = post(editor, "/console/teaching/triage", file="red_flags.yml", text=_reworded_red_flags(teaching))
    proposal = other.headers["Location"].rsplit("/", 1)[1]
    assert post(drwang, f"/console/teaching/triage/{proposal}/reject", reason="").status_code == 422
    assert post(drwang, f"/console/teaching/triage/{proposal}/reject", reason="措辞不够明确").status_code == 302
    view = tc.get_proposal(teaching.ctx, proposal)
    assert (view.status, view.reason) == ("rejected", "措辞不够明确")
    assert "驳回理由：措辞不够明确" in editor.get(f"/console/teaching/triage/{proposal}").get_data(as_text=True)
    assert post(editor, "/console/teaching/triage", file="nope.yml", text="a: 1").status_code == 422
