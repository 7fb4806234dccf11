"""Map every failure to `{"error", "message"}` in Chinese (a page in Chinese on console
URLs: web/console/error_pages.py); never a stack trace. A domain error's status comes
from its code (web/error_status.py)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from services.errors import DomainError
from web.console import error_pages
from web.error_status import status_for

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "没有访问权限"),
    403: ("forbidden", "没有访问权限"),
    404: ("not_found", "没有找到您要的页面或信息"),
    405: ("method_not_allowed", "不支持这种请求方式"),
    413: ("too_large", "提交的内容太大了"),
    415: ("unsupported_media_type", "请以JSON格式提交"),
    429: ("rate_limited", "操作太频繁了，请稍等一会儿再试"),
}

FIELD_NAMES = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "patient_id": "就诊人",
    "slot_id": "号源",
    "department": "科室",
    "date": "日期",
    "text": "症状描述",
    "age": "年龄",
    "sex": "性别",
    "pregnant": "是否怀孕",
    "sender": "发送者",
    "message": "消息内容",
}


def error_response(code: str, message: str, status: int, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": code, "message": message, **extra}), status


def validation_message(exc: ValidationError) -> tuple[str, list[str]]:
    fields = [str(err["loc"][0]) for err in exc.errors() if err.get("loc")]
    names = [FIELD_NAMES.get(field, field) for field in dict.fromkeys(fields)]
    if not names:
        return "提交的信息不完整或格式不对，请核对", fields
    return f"请检查：{'、'.join(names)}（缺少或格式不对）", fields


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> tuple[Response, int]:
        status = status_for(exc)
        log.info("domain error", extra={"error_code": exc.code, "status": status})
        if error_pages.wants_page():
            return error_pages.page(status, exc.message), status
        return error_response(exc.code, exc.message, status)

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> tuple[Response, int]:
        message, fields = validation_message(exc)
        return error_response("invalid", message, 422, fields=fields)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        if error_pages.wants_page():
            return error_pages.page(status), status
        code, message = HTTP_MESSAGES.get(status, ("error", "请求无法处理"))
        return error_response(code, message, status)

    @app.errorhandler(RecursionError)
    def _too_deep(exc: RecursionError) -> tuple[Response, int]:
        # JSON nested thousands deep: the parser gives up, and that is the client's doing
        return error_response("bad_request", "提交的内容嵌套太深，请检查格式", 400)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        if error_pages.wants_page():
            return error_pages.page(500), 500
        return error_response("internal", "系统繁忙，请稍后再试。如需帮助请致电医院", 500)
