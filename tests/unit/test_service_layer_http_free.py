"""The domain layer knows nothing of HTTP (issue 16): services raise errors with a code
and return values; the web edge chooses the status (web/error_status.py, the views).
Read from the source, like tests/unit/test_import_layers.py, so a status slipped into a
service fails here before any request is made. Also: services write audit entries with
their context (`audit.record`), so the request's or task's id is never dropped."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTTP_PACKAGES = ("flask", "werkzeug")
HTTP_NAMES = ("status_code", "http_status", "status_http")


def _is_http_status(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and 100 <= node.value <= 599


def _named_status(name: str) -> bool:
    return name == "status" or any(part in name for part in HTTP_NAMES)


def _targets(node: ast.Assign | ast.AnnAssign) -> Iterator[tuple[str, ast.AST | None]]:
    """(name, value) pairs, with `a, b = x, y` unpacked."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            for element, value in zip(target.elts, node.value.elts, strict=False):
                yield _name(element), value
        else:
            yield _name(target), node.value


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def http_in(source: str) -> list[str]:
    """What in this module speaks HTTP: imports of Flask or Werkzeug, a status given as a
    number, or a name that means an HTTP status (status_code, http_status)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in HTTP_PACKAGES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in HTTP_PACKAGES:
            found.append(f"{line}: from {node.module} import")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for name, value in _targets(node):
                if any(part in name for part in HTTP_NAMES) or (_named_status(name) and _is_http_status(value)):
                    found.append(f"{line}: {name} =")
        elif isinstance(node, ast.keyword) and node.arg:
            if any(part in node.arg for part in HTTP_NAMES) or (node.arg == "status" and _is_http_status(node.value)):
                found.append(f"{line}: {node.arg}=")
        elif isinstance(node, ast.Attribute) and any(part in node.attr for part in HTTP_NAMES):
            found.append(f"{line}: .{node.attr}")
    return found


def audit_appends_in(source: str) -> list[str]:
    return [
        f"{node.lineno}: audit.append"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr == "append"
        and isinstance(node.value, ast.Name)
        and node.value.id == "audit"
    ]


def _service_modules() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "services").rglob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def test_no_service_speaks_http() -> None:
    wrong = [f"{name}:{hit}" for name, source in _service_modules() for hit in http_in(source)]
    assert wrong == []


def test_services_audit_with_their_context() -> None:
    wrong = [f"{name}:{hit}" for name, source in _service_modules() for hit in audit_appends_in(source)]
    assert wrong == []


def test_the_checker_sees_what_it_looks_for() -> None:
    """Each thing the checks look for, caught; the domain's own `status` strings, not."""
    samples = {
        "from flask import jsonify": 1,
        "import werkzeug.exceptions": 1,
        "class E(DomainError):\n    code, status, message = 'x', 409, 'y'": 1,
        "class E(DomainError):\n    status = 404": 1,
        "BookingResult(status_code=201, body={})": 1,
        "http_status = 422": 1,
        "answer.status_code": 1,
        "row.status = 'held'\nupdate(T).values(status='sent')\ncode, status = 'x', 'open'": 0,
    }
    assert {sample: len(http_in(sample)) for sample in samples} == samples
    assert audit_appends_in("audit.append(session, actor='system', action='x')") == ["1: audit.append"]
    assert audit_appends_in("lines.append(x)") == []
