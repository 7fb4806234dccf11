"""Domain errors. Each carries a stable machine code and a message in plain Chinese
that can be shown to the patient as is; no HTTP: the web edge chooses the status from
the code (`web/error_status.py`), the bot its response. Codes the action server tells
apart are `shared_rules.ErrorCode` constants, one copy for both sides."""

from __future__ import annotations

from shared_rules import ErrorCode


class DomainError(Exception):
    """A refusal the patient (or staff) can be told about in plain words, as is."""

    code = ErrorCode.ERROR
    message = "请求有误，请稍后再试"

    def __init__(self, message: str | None = None, **details: object) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details


class NotFound(DomainError):
    code, message = ErrorCode.NOT_FOUND, "没有找到相关信息"


class InvalidInput(DomainError):
    code, message = ErrorCode.INVALID, "填写的信息有误，请核对后重试"


class Conflict(DomainError):
    code, message = ErrorCode.CONFLICT, "当前状态无法完成这个操作"


class SoldOut(Conflict):
    code, message = ErrorCode.SOLD_OUT, "这个时段的号已经约满了，可以看看其他医生或其他日期"


class DuplicateAppointment(Conflict):
    code, message = ErrorCode.DUPLICATE, "您当天在这个科室已经有预约了，同一科室每天只能预约一次"


class NotReleased(Conflict):
    code, message = "not_released", "这个时段还没有开放预约，请在放号时间后再来"


class SlotUnavailable(Conflict):
    code, message = "slot_unavailable", "这个时段已经过了或已停诊，请选择其他时段"


class TooLateToCancel(Conflict):
    code, message = "too_late_to_cancel", "就诊前2小时内不能在线取消，如有需要请致电医院"


class NotCancellable(Conflict):
    code, message = "not_cancellable", "这个预约已经取消、过期或已就诊，不能再取消"


class IdempotencyMismatch(Conflict):
    code = "idempotency_mismatch"
    message = "同一个请求编号不能用于不同的预约，请重新提交"


class Restricted(DomainError):
    code, message = ErrorCode.RESTRICTED, "您近期爽约次数较多，暂时不能在线预约，如有疑问请致电医院"


class QuotaExceeded(DomainError):
    code, message = ErrorCode.QUOTA_EXCEEDED, "您本周的预约次数已达上限，请先就诊或取消不需要的预约"


class PhoneLimitReached(DomainError):
    """The phone's accounts are all in use (stable ids such as WeChat or Alipay, or web chats
    still open): none could be released, so the patient is told what frees a place."""

    code, message = (
        "phone_limit",
        "这个手机号已绑定的账号数量已达上限，暂时不能再绑定新的账号。"
        "请在原来绑定的微信、支付宝或设备上发送“删除我的数据”解除绑定，或致电医院由工作人员核实身份后办理",
    )
