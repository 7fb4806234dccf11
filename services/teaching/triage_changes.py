"""Changes to triage rules and red-flag wording: proposed by one person, live only
after a *second* person with the clinician role approves them and the
candidate rules pass the triage gates (every emergency vignette caught, no miss
on the red-flag corpus, the accuracy and false-alarm thresholds of
tests/unit/triage/test_quality.py).

A proposal carries the complete new text of the files it changes. On approval
the candidate directory (the live files with the proposal laid over them) is
loaded with `TriageEngine.from_directory` and measured; only if it passes are
the files written to data/triage/ (each replaced atomically). Running
processes load triage rules at start, so they use the new rules after a
restart (docs/teaching.md).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from models import TriageProposal, new_id, utcnow
from services import audit
from services.context import ServiceContext
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.teaching.triage_gate import TriageGate, triage_digest, triage_gate
from services.teaching.triage_review import load_yaml

CLINICIAN = "clinician"
STATUS_NAMES = {
    "pending": "待审核",
    "checked": "已通过分诊测试，待确认上线",
    "applied": "已上线",
    "failed": "未通过分诊测试",
    "rejected": "已驳回",
}


class NotAllowed(DomainError):
    code, message = "forbidden", "您没有权限做这个操作"


class TriageGateFailed(Conflict):
    code, message = "triage_gate_failed", "修改后的分诊规则没有通过分诊测试，未上线"


@dataclass(frozen=True)
class ProposalView:
    id: str
    proposer: str
    comment: str
    files: dict[str, str]
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    gate_report: dict[str, Any] | None
    reason: str | None


def _view(row: TriageProposal) -> ProposalView:
    return ProposalView(
        id=row.id,
        proposer=row.proposer,
        comment=row.comment,
        files=json.loads(row.files),
        status=row.status,
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        gate_report=json.loads(row.gate_report) if row.gate_report else None,
        reason=row.reason,
    )


def propose(ctx: ServiceContext, files: dict[str, str], *, proposer: str, comment: str = "", triage_dir: Path) -> str:
    """Record new text for existing files of data/triage/ (by file name)."""
    if not files:
        raise InvalidInput("没有修改任何文件")
    known = {path.name for path in triage_dir.glob("*.yml")}
    for name, text in files.items():
        if name not in known:
            raise InvalidInput(f"{name} 不是分诊规则文件（可选：{', '.join(sorted(known))}）")
        load_yaml(text, name)
    with ctx.db.transaction() as session:
        row = TriageProposal(
            id=new_id("tpr"),
            proposer=proposer,
            comment=comment[:500],
            files=json.dumps(files, ensure_ascii=False),
            base_digest=triage_digest(triage_dir),
        )
        session.add(row)
        audit.record(
            ctx, session, actor=proposer, action="triage.propose", subject=row.id, detail={"files": sorted(files)}
        )
        return row.id


def get_proposal(ctx: ServiceContext, proposal_id: str) -> ProposalView:
    with ctx.db.reading() as session:
        row = session.get(TriageProposal, proposal_id)
        if row is None:
            raise NotFound("没有这个分诊规则修改")
        return _view(row)


def list_proposals(ctx: ServiceContext, status: str | None = None) -> list[ProposalView]:
    from sqlalchemy import select

    with ctx.db.reading() as session:
        query = select(TriageProposal).order_by(TriageProposal.created_at.desc())
        if status:
            query = query.where(TriageProposal.status == status)
        return [_view(row) for row in session.scalars(query)]


def _check_reviewer(row: TriageProposal, reviewer: str, roles: set[str], status: str = "pending") -> None:
    if row.status != status:
        raise Conflict(f"这个修改已经是“{STATUS_NAMES.get(row.status, row.status)}”状态")
    if reviewer == row.proposer:
        raise NotAllowed("提出修改的人不能自己批准，需要另一位临床医生审核")
    if CLINICIAN not in roles:
        raise NotAllowed("只有临床医生（clinician）可以审核分诊规则")


def check_candidate(files: dict[str, str], triage_dir: Path) -> TriageGate:
    """The live rules with `files` laid over them, loaded and measured in a scratch copy."""
    with tempfile.TemporaryDirectory(prefix="triage-candidate-") as tmp:
        candidate = Path(tmp) / "triage"
        shutil.copytree(triage_dir, candidate)
        departments = triage_dir.parent / "departments.yml"
        if departments.exists():
            shutil.copyfile(departments, Path(tmp) / "departments.yml")
        for name, text in files.items():
            (candidate / name).write_text(text, encoding="utf-8")
        return triage_gate(candidate)


def _write_atomically(triage_dir: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = triage_dir / name
        fd, tmp = tempfile.mkstemp(dir=triage_dir, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)


def check_gates(
    ctx: ServiceContext, proposal_id: str, *, reviewer: str, roles: set[str], triage_dir: Path
) -> ProposalView:
    """Step one of an approval: measure the candidate rules and keep the result for
    the reviewer to read. Nothing goes live; a pass waits for `go_live`."""
    with ctx.db.reading() as session:
        row = session.get(TriageProposal, proposal_id)
        if row is None:
            raise NotFound("没有这个分诊规则修改")
        _check_reviewer(row, reviewer, roles)
        files: dict[str, str] = json.loads(row.files)
        base_digest = row.base_digest
    if triage_digest(triage_dir) != base_digest:
        raise Conflict("提出修改之后分诊规则已经变了，请按最新的规则重新提出修改")
    gate = check_candidate(files, triage_dir)
    report = {"passed": gate.passed, "failures": gate.failures, **gate.figures}
    with ctx.db.transaction() as session:
        row = session.get(TriageProposal, proposal_id)
        assert row is not None
        _check_reviewer(row, reviewer, roles)  # again, inside the writing transaction
        row.gate_report = json.dumps(report, ensure_ascii=False)
        row.decided_by, row.decided_at = reviewer, utcnow()
        row.status = "checked" if gate.passed else "failed"
        audit.record(
            ctx,
            session,
            actor=reviewer,
            action="triage.gates_passed" if gate.passed else "triage.gate_failed",
            subject=proposal_id,
            detail={"failures": gate.failures, "files": sorted(files)},
        )
        view = _view(row)
    if not gate.passed:
        raise TriageGateFailed(failures=gate.failures, proposal=proposal_id)
    return view


def go_live(ctx: ServiceContext, proposal_id: str, *, reviewer: str, roles: set[str], triage_dir: Path) -> ProposalView:
    """Step two: the clinician who read the gate results confirms, and the files are
    written, provided the live rules are still the ones the gates measured against."""
    with ctx.db.transaction() as session:
        row = session.get(TriageProposal, proposal_id)
        if row is None:
            raise NotFound("没有这个分诊规则修改")
        _check_reviewer(row, reviewer, roles, status="checked")
        if row.decided_by != reviewer:
            raise NotAllowed("请由看过分诊测试结果的医生确认上线")
        if triage_digest(triage_dir) != row.base_digest:
            raise Conflict("分诊测试之后分诊规则已经变了，请按最新的规则重新提出修改")
        files: dict[str, str] = json.loads(row.files)
        _write_atomically(triage_dir, files)
        row.status, row.decided_at = "applied", utcnow()
        audit.record(
            ctx, session, actor=reviewer, action="triage.approve", subject=proposal_id, detail={"files": sorted(files)}
        )
        return _view(row)


def approve(ctx: ServiceContext, proposal_id: str, *, reviewer: str, roles: set[str], triage_dir: Path) -> ProposalView:
    """Both steps at once, for the command line and tests: the gates decide."""
    check_gates(ctx, proposal_id, reviewer=reviewer, roles=roles, triage_dir=triage_dir)
    return go_live(ctx, proposal_id, reviewer=reviewer, roles=roles, triage_dir=triage_dir)


def reject(ctx: ServiceContext, proposal_id: str, *, reviewer: str, roles: set[str], reason: str) -> ProposalView:
    if not reason.strip():
        raise InvalidInput("请写明不批准的理由")
    with ctx.db.transaction() as session:
        row = session.get(TriageProposal, proposal_id)
        if row is None:
            raise NotFound("没有这个分诊规则修改")
        _check_reviewer(row, reviewer, roles, status="checked" if row.status == "checked" else "pending")
        row.status, row.reason = "rejected", reason[:500]
        row.decided_by, row.decided_at = reviewer, utcnow()
        audit.record(ctx, session, actor=reviewer, action="triage.reject", subject=proposal_id, reason=reason[:200])
        return _view(row)
