"""Try the triage engine in the console: a clinician enters a text and reads why.

The page shows what a patient would get now (the live engine, rules plus the
learned layer) and everything that decided it: the level, the departments,
the red flags, each reason with its rule id, cited source and findings (the
learned layer's line with its probabilities), and the questions the
interview would still ask. Nothing is stored: the text is the clinician's
own example, posted (never in the URL, so never in an access log).
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from services.clinical.triage import TriageInput, TriageResult, default_engine
from web.console import bp
from web.console.auth import require_role
from web.console.teaching_common import TRIAGE_READERS

LEVEL_NAMES = {
    "emergency": "急诊（立即拨打120）",
    "urgent": "24小时内就诊",
    "routine": "门诊预约",
    "self_care": "居家护理",
}
SEX_NAMES = {"": "不填", "female": "女", "male": "男"}
PREGNANT_NAMES = {"": "不填", "yes": "是", "no": "否"}
MAX_TEXT = 2000


def _form() -> tuple[dict[str, str], TriageInput | None, str | None]:
    """The posted form, the input it makes, or a message saying what is wrong (in Chinese)."""
    form = {name: request.form.get(name, "").strip()[:MAX_TEXT] for name in ("text", "age", "sex", "pregnant")}
    if not form["text"]:
        return form, None, "请输入一段症状描述"
    age: float | None = None
    if form["age"]:
        try:
            age = float(form["age"])
        except ValueError:
            return form, None, "年龄请填写数字（岁，可以是小数，例如 0.1）"
        if not 0 <= age <= 130:
            return form, None, "年龄应在 0 到 130 岁之间"
    if form["sex"] not in SEX_NAMES or form["pregnant"] not in PREGNANT_NAMES:
        return form, None, "性别或怀孕的选项不认识"
    pregnant = {"yes": True, "no": False}.get(form["pregnant"])
    data = {"text": form["text"], "age": age, "sex": form["sex"] or None, "pregnant": pregnant}
    return form, TriageInput.model_validate(data), None


def _page(form: dict[str, str], result: TriageResult | None = None, error: str | None = None) -> ResponseReturnValue:
    names = default_engine().knowledge.departments
    body = render_template(
        "teaching/triage_try.html",
        form=form,
        result=result,
        error=error,
        level_names=LEVEL_NAMES,
        sex_names=SEX_NAMES,
        pregnant_names=PREGNANT_NAMES,
        department_names=names,
    )
    return body, 400 if error else 200


@bp.get("/triage/try")
@require_role(*TRIAGE_READERS)
def triage_try() -> ResponseReturnValue:
    return _page({"text": "", "age": "", "sex": "", "pregnant": ""})


@bp.post("/triage/try")
@require_role(*TRIAGE_READERS)
def triage_try_assess() -> ResponseReturnValue:
    form, data, error = _form()
    if data is None:
        return _page(form, error=error)
    return _page(form, default_engine().assess(data))
