"""Reading the audit log, for an auditor: who (by name), did what (in Chinese), to
which patient and object, when and why; filtered and paged over the whole log,
and exported as CSV for an inspection (the export itself is audited).

Writing stays in services/audit.py. Names are looked up at read time, so an
entry written before a staff member was renamed shows today's name with the id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from models import AuditEntry, StaffAccount
from services import audit
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import InvalidInput

PER_PAGE = 50
EXPORT_LIMIT = 100_000  # rows in one CSV: an inspection narrows by time first

ACTION_NAMES = {
    "staff.login": "登录",
    "staff.login_failed": "登录失败",
    "staff.logout": "退出登录",
    "staff.timeout": "登录超时",
    "staff.inactive": "账号停用后会话结束",
    "staff.forbidden": "越权访问被拒绝",
    "staff.create": "新建工作人员账号",
    "staff.enable": "启用账号",
    "staff.disable": "停用账号",
    "staff.roles": "修改角色",
    "staff.unlock": "解除登录锁定",
    "staff.totp_reset": "重置动态验证码",
    "staff.password_reset": "管理员重置密码",
    "staff.password_change": "本人修改密码",
    "handoff.open": "转人工",
    "handoff.view": "查看转人工对话",
    "handoff.claim": "接手转人工工单",
    "handoff.take_over": "改由本人接手工单",
    "handoff.reply": "回复患者",
    "handoff.close": "结束人工服务",
    "conversation.review": "回看对话",
    "conversations.review": "回看对话",
    "conversation.reveal_names": "显示对话中的患者姓名",
    "refill.request": "申请续方",
    "refill.view": "查看续方申请",
    "refill.sign": "医生签署续方",
    "refill.decline": "医生拒绝续方",
    "refill.pharmacy_approve": "药师审核通过",
    "refill.pharmacy_reject": "药师审核不通过",
    "refill.payment": "续方支付",
    "results.view": "查看检查结果",
    "results.denied": "检查结果查看被拒绝",
    "patient.register": "登记就诊人",
    "patient.link": "绑定就诊人",
    "patient.link.refused": "窗口绑定被拒绝",
    "privacy.consent.granted": "同意处理敏感个人信息",
    "privacy.consent.declined": "不同意处理敏感个人信息",
    "privacy.consent.withdrawn": "撤回同意",
    "privacy.view": "患者查看本人数据",
    "privacy.delete": "患者删除本人数据",
    "privacy.unbind": "删除数据时解除绑定",
    "appointment.create": "预约挂号",
    "appointment.confirm": "确认预约",
    "appointment.cancel": "取消预约",
    "appointment.check_in": "签到",
    "appointment.complete": "完成就诊",
    "appointment.no_show": "爽约",
    "appointment.expire": "预约过期",
    "appointment.attendance_confirmed": "确认就诊",
    "payment.paid": "支付成功",
    "payment.closed": "订单关闭",
    "payment.refund": "退款",
    "followup.answered": "随访已回答",
    "triage.propose": "提出分诊规则修改",
    "triage.approve": "批准分诊规则修改",
    "triage.reject": "驳回分诊规则修改",
    "training.import": "导入训练数据",
    "training.export": "导出训练数据",
    "example.add": "添加训练例句",
    "example.edit": "修改训练例句",
    "example.delete": "删除训练例句",
    "item.update": "修改训练条目",
    "item.delete": "删除训练条目",
    "model.train.request": "申请训练新模型",
    "model.register": "登记新模型",
    "model.activate": "启用模型",
    "audit.export": "导出审计日志",
}
SUBJECT_KINDS = {
    "handoff:": "转人工工单",
    "inbound_messages:": "患者消息",
    "stf_": "工作人员账号",
    "pat_": "就诊人",
    "acc_": "患者账号",
    "apt_": "预约",
    "rfl_": "续方申请",
    "rx_": "处方",
    "pay_": "支付订单",
    "rfd_": "退款",
    "rpt_": "检查报告",
    "slt_": "号源",
    "wl_": "候补",
}


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def subject_kind(subject: str | None, action: str = "") -> str:
    for prefix, name in SUBJECT_KINDS.items():
        if subject and subject.startswith(prefix):
            return name
    if subject and action.startswith("staff."):  # unlock names the username, not the id
        return "工作人员账号"
    return "其他" if subject else ""


@dataclass(frozen=True)
class Filters:
    who: str = ""  # a staff member's id, username or name, or an actor as written ("system")
    action: str = ""  # an action code, or a prefix such as "refill."
    patient_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Row:
    id: int
    at: datetime
    who: str  # "周医生（doctor）", or the actor as written for services and the system
    action: str
    action_name: str
    patient_id: str
    subject: str
    subject_kind: str
    reason: str


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    pages: int
    total: int


def _actors(session: Session, who: str) -> list[str]:
    who = who.strip()
    if who.startswith(("staff:", "service:")) or who in ("system", "anonymous"):
        return [who]
    ids = session.scalars(
        select(StaffAccount.id).where(
            or_(StaffAccount.id == who, StaffAccount.username == who.lower(), StaffAccount.display_name == who)
        )
    ).all()
    return [f"staff:{staff_id}" for staff_id in ids]


def _query(session: Session, filters: Filters) -> Select[Any]:
    query = select(AuditEntry)
    if filters.who:
        query = query.where(AuditEntry.actor.in_(_actors(session, filters.who)))
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.patient_id:
        query = query.where(AuditEntry.patient_id == filters.patient_id.strip())
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    return query


def _names(session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    ids = {e.actor.removeprefix("staff:") for e in entries if e.actor.startswith("staff:")}
    ids |= {e.subject for e in entries if e.subject and e.subject.startswith("stf_")}
    rows = session.execute(
        select(StaffAccount.id, StaffAccount.display_name, StaffAccount.username).where(StaffAccount.id.in_(ids))
    ).all()
    return {staff_id: f"{name}（{username}）" for staff_id, name, username in rows}


def _row(entry: AuditEntry, names: dict[str, str]) -> Row:
    actor = entry.actor
    if actor.startswith("staff:"):
        who = names.get(actor.removeprefix("staff:"), actor)
    else:
        who = {"system": "系统", "anonymous": "未登录"}.get(actor, actor)
    subject = entry.subject or ""
    shown = f"{names[subject]}" if subject in names else subject
    return Row(
        entry.id,
        entry.at.astimezone(SHANGHAI),
        who,
        entry.action,
        action_name(entry.action),
        entry.patient_id or "",
        shown,
        subject_kind(entry.subject, entry.action),
        entry.reason or "",
    )


def _check(filters: Filters) -> None:
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput("开始时间应早于结束时间")


def search(ctx: ServiceContext, filters: Filters, page: int = 1) -> Page:
    """One page of matching entries, newest first."""
    _check(filters)
    with ctx.db.reading() as session:
        query = _query(session, filters)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        entries = list(
            session.scalars(query.order_by(AuditEntry.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
        )
        names = _names(session, entries)
        return Page([_row(e, names) for e in entries], page, pages, total)


CSV_HEADER = (
    "编号",
    "时间（北京时间）",
    "操作人",
    "操作人标识",
    "操作",
    "操作代码",
    "患者编号",
    "对象类型",
    "对象",
    "原因",
)


def export_csv(ctx: ServiceContext, filters: Filters, reason: str) -> str:
    """Every matching entry (up to EXPORT_LIMIT) as CSV with a BOM (Excel opens it as
    UTF-8); the export is recorded in the same log, with its filters and reason."""
    _check(filters)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("导出前请填写原因（例如：卫健委检查），它会记入审计日志")
    with ctx.db.transaction() as session:
        entries = list(session.scalars(_query(session, filters).order_by(AuditEntry.id).limit(EXPORT_LIMIT)).all())
        names = _names(session, entries)
        audit.record(
            ctx,
            session,
            action="audit.export",
            reason=reason[:200],
            detail={
                "rows": len(entries),
                "who": filters.who,
                "action": filters.action,
                "patient_id": filters.patient_id,
                "since": filters.since.isoformat() if filters.since else None,
                "until": filters.until.isoformat() if filters.until else None,
            },
        )
        return "\ufeff" + "".join(_csv_lines(entries, names))


def _csv_lines(entries: list[AuditEntry], names: dict[str, str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for entry in entries:
        row = _row(entry, names)
        when = row.at.strftime("%Y-%m-%d %H:%M:%S")
        cells = (row.id, when, row.who, entry.actor, row.action_name, row.action, row.patient_id)
        writer.writerow((*cells, row.subject_kind, row.subject, _safe(row.reason)))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _safe(cell: str) -> str:
    """A reason typed by staff must not become a formula in the inspector's spreadsheet."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
