"""Binding a 就诊人 to a chat account at the registration window (issue 11).

The clerk checks the patient's ID card in person, then types the one-time code the
patient's chat showed ("窗口绑定"), the name and ID number from the card, and a
reason; services/patients/window_binding.py does the binding and audits it with
the clerk and the reason. Only the `registration` role; every POST carries the
console's CSRF token (web/console/csrf.py). The page shows the patient masked,
and never echoes the ID number back into the form.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from services.errors import DomainError
from services.patients import window_binding
from web.console import bp
from web.console.auth import require_role, staff_context
from web.error_status import status_for

CLERKS = ("registration",)


def _field(name: str, limit: int) -> str:
    return request.form.get(name, "")[:limit].strip()


@bp.get("/window-binding")
@require_role(*CLERKS)
def window_binding_form() -> ResponseReturnValue:
    return render_template("console/window_binding.html", form={}, bound=None, error=None)


@bp.post("/window-binding")
@require_role(*CLERKS)
def window_binding_submit() -> ResponseReturnValue:
    form = {"code": _field("code", 20), "name": _field("name", 30), "reason": _field("reason", 200)}
    relation = "family" if request.form.get("relation") == "family" else "self"
    try:
        bound = window_binding.bind_at_window(
            staff_context(),
            code=form["code"],
            name=form["name"],
            id_number=_field("id_number", 30),
            reason=form["reason"],
            relation=relation,
        )
    except DomainError as exc:
        page = render_template("console/window_binding.html", form=form, bound=None, error=exc.message)
        return page, status_for(exc)
    return render_template("console/window_binding.html", form={}, bound=bound, error=None)
