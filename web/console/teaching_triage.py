"""Teaching the bot, the triage rules: a clinician or dialogue editor proposes a
changed data/triage file, a second clinician approves it (it goes live only if
the triage gates pass) or rejects it with a reason (services/teaching/triage_changes.py).
"""

from __future__ import annotations

import difflib

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from services.errors import InvalidInput
from services.teaching import triage_changes
from services.teaching.triage_review import field_changes
from web.console import bp
from web.console.auth import require_role, staff_context
from web.console.teaching_common import PROPOSERS, TRIAGE_READERS, form_field, lifecycle_paths, staff_member

PROPOSAL_STATUS = triage_changes.STATUS_NAMES


def _triage_files() -> dict[str, str]:
    directory = lifecycle_paths().triage
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yml"))}


@bp.get("/teaching/triage")
@require_role(*TRIAGE_READERS)
def teaching_triage() -> ResponseReturnValue:
    proposals = triage_changes.list_proposals(staff_context())
    files = _triage_files()
    chosen = request.args.get("file", "")
    return render_template(
        "teaching/triage.html",
        proposals=proposals,
        files=sorted(files),
        chosen=chosen if chosen in files else None,
        text=files.get(chosen, ""),
        status_names=PROPOSAL_STATUS,
    )


@bp.post("/teaching/triage")
@require_role(*PROPOSERS)
def teaching_triage_propose() -> ResponseReturnValue:
    name, text = form_field("file", 80), request.form.get("text", "")[:200_000].replace("\r\n", "\n")
    current = _triage_files().get(name)
    if current is not None and current == text:
        raise InvalidInput("内容没有变化")
    proposal = triage_changes.propose(
        staff_context(),
        {name: text},
        proposer=staff_member().actor,
        comment=form_field("comment"),
        triage_dir=lifecycle_paths().triage,
    )
    flash("已提出修改，需要另一位临床医生审核并通过分诊测试后才会上线")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal))


TRIAGE_FORM_BYTES = 1024 * 1024  # a rules file is ~30 KB of Chinese, three times that URL-encoded


@bp.before_app_request
def _room_for_a_rules_file() -> None:
    """The app's 64 KB request limit is for patients' requests; a proposal carries a whole
    file. App-level, so it runs before the console's CSRF check reads the form."""
    if request.endpoint == "console.teaching_triage_propose":
        request.max_content_length = TRIAGE_FORM_BYTES
        request.max_form_memory_size = TRIAGE_FORM_BYTES


@bp.get("/teaching/triage/<proposal_id>")
@require_role(*TRIAGE_READERS)
def teaching_proposal(proposal_id: str) -> ResponseReturnValue:
    proposal = triage_changes.get_proposal(staff_context(), proposal_id)
    live = _triage_files()
    diffs = {
        name: list(
            difflib.unified_diff(
                live.get(name, "").splitlines(), text.splitlines(), f"现行 {name}", f"提议 {name}", lineterm=""
            )
        )
        for name, text in proposal.files.items()
    }
    fields = {name: field_changes(live.get(name, ""), text, name) for name, text in proposal.files.items()}
    who = staff_member()
    reviewer = "clinician" in who.roles and who.actor != proposal.proposer
    return render_template(
        "teaching/proposal.html",
        p=proposal,
        diffs=diffs,
        fields=fields,
        may_decide=reviewer and proposal.status in ("pending", "checked"),
        may_confirm=reviewer and proposal.status == "checked" and proposal.decided_by == who.actor,
        status_names=PROPOSAL_STATUS,
    )


@bp.post("/teaching/triage/<proposal_id>/approve")
@require_role("clinician")
def teaching_proposal_approve(proposal_id: str) -> ResponseReturnValue:
    """Step one: run the gates and show their results; going live is a separate confirmation."""
    who = staff_member()
    try:
        triage_changes.check_gates(
            staff_context(), proposal_id, reviewer=who.actor, roles=set(who.roles), triage_dir=lifecycle_paths().triage
        )
    except triage_changes.TriageGateFailed as exc:
        failures = exc.details.get("failures")
        flash(f"{exc.message}：{'；'.join(str(f) for f in failures) if isinstance(failures, list) else ''}")
    else:
        flash("分诊测试已通过，请看下面的结果，再确认上线")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal_id, _anchor="gate"))


@bp.post("/teaching/triage/<proposal_id>/go-live")
@require_role("clinician")
def teaching_proposal_go_live(proposal_id: str) -> ResponseReturnValue:
    who = staff_member()
    triage_changes.go_live(
        staff_context(), proposal_id, reviewer=who.actor, roles=set(who.roles), triage_dir=lifecycle_paths().triage
    )
    flash("已确认上线；请重启应用和动作服务器以加载新规则")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal_id))


@bp.post("/teaching/triage/<proposal_id>/reject")
@require_role("clinician")
def teaching_proposal_reject(proposal_id: str) -> ResponseReturnValue:
    who = staff_member()
    triage_changes.reject(
        staff_context(), proposal_id, reviewer=who.actor, roles=set(who.roles), reason=form_field("reason")
    )
    flash("已驳回这个修改")
    return redirect(url_for("console.teaching_proposal", proposal_id=proposal_id))
