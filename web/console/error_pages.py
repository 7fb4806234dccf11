"""Errors on console URLs answer as pages in Chinese, not the API's JSON: staff
follow links and type addresses, and a JSON body in a browser tab is a dead end.
The console's own JSON answers (`*.json`, polled by its pages) stay JSON."""

from __future__ import annotations

from flask import Response, current_app, render_template, request

PAGE_MESSAGES = {
    400: "请求有误，请返回上一页重试",
    401: "登录已过期，请重新登录",
    403: "您的角色不能访问这个页面",
    404: "没有找到这个页面：链接可能已过期，或地址输入有误",
    405: "这个页面不能这样打开，请从工作台的菜单进入",
    413: "提交的内容太大了",
    429: "操作太频繁了，请稍等一会儿再试",
    500: "系统出了点问题，已经记录下来。请稍后再试；如果一直这样，请联系信息科",
}


def wants_page() -> bool:
    return request.path.startswith("/console") and not request.path.endswith(".json")


def page(status: int, message: str | None = None) -> Response:
    text = message or PAGE_MESSAGES.get(status, PAGE_MESSAGES[500] if status >= 500 else PAGE_MESSAGES[400])
    response = current_app.make_response(render_template("console/error.html", message=text, status=status))
    response.status_code = status
    return response
