"""shared_rules.py: the one copy of the rules the app and the action server share.

Checked here: the rules themselves, that both sides really use this copy (the API's
error classes and the client's map carry the same codes), and that the module stays
importable by the action server (standard library only, Python 3.10)."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import shared_rules
from integrations.hospital import errors as client_errors
from services import errors as api_errors
from shared_rules import MOBILE_IN_TEXT, MOBILE_PATTERN, SHANGHAI, ErrorCode, id_check_char, id_checksum_ok

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", " 11010519491231002X "])
def test_known_good_id_numbers_pass_the_checksum(number: str) -> None:
    assert id_checksum_ok(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # check character wrong
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19
        "11010519491231X02X",  # X inside
        "",
    ],
)
def test_typos_and_wrong_shapes_fail_the_checksum(number: str) -> None:
    assert not id_checksum_ok(number)


def test_every_single_digit_typo_is_caught() -> None:
    good = "11010519491231002X"
    for i in range(17):
        for digit in "0123456789":
            typo = good[:i] + digit + good[i + 1 :]
            assert id_checksum_ok(typo) == (typo == good)
    assert id_check_char(good[:17]) == "X"


@pytest.mark.parametrize("phone", ["13912345678", "19800000000", "15000000000"])
def test_mainland_mobiles_match(phone: str) -> None:
    assert MOBILE_PATTERN.match(phone)


@pytest.mark.parametrize("phone", ["12345678901", "1391234567", "139123456789", "23912345678", "+8613912345678"])
def test_other_numbers_do_not(phone: str) -> None:
    assert not MOBILE_PATTERN.match(phone)


def test_a_mobile_inside_text_is_found_but_not_inside_a_longer_number() -> None:
    assert MOBILE_IN_TEXT.search("我的手机是13912345678，谢谢").group() == "13912345678"  # type: ignore[union-attr]
    assert MOBILE_IN_TEXT.search("身份证11010519491231002X") is None
    assert MOBILE_IN_TEXT.search("订单号9913912345678") is None


def test_shanghai_is_eight_hours_ahead_all_year() -> None:
    for month in (1, 7):
        offset = datetime(2026, month, 1, 12, tzinfo=SHANGHAI).utcoffset()
        assert offset == timedelta(hours=8)


def _codes(module: object, base: type, attribute: str) -> set[str]:
    classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, base)]
    return {getattr(cls, attribute) for cls in classes}


def test_both_sides_speak_the_same_error_codes() -> None:
    shared = {value for name, value in vars(ErrorCode).items() if name.isupper()}
    api = _codes(api_errors, api_errors.DomainError, "code")
    client = set(client_errors.BY_CODE) | _codes(client_errors, client_errors.HospitalError, "default_code")
    # Every code the client tells apart is a shared one, and the API raises each of
    # the shared codes that the client maps (but its own "unavailable").
    assert client <= shared
    mapped_by_api = set(client_errors.BY_CODE) - {
        ErrorCode.RATE_LIMITED,
        ErrorCode.PHONE_CODE_SENT,
        ErrorCode.UNAUTHORIZED,
    }
    assert mapped_by_api <= api


def test_the_module_needs_only_the_standard_library() -> None:
    tree = ast.parse(Path(shared_rules.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the action server's environment (.venv-rasa) is not built")
def test_the_action_server_environment_imports_it() -> None:
    out = subprocess.run(
        [
            str(RASA_PYTHON),
            "-c",
            "import sys, shared_rules; print(sys.version_info[:2], shared_rules.id_checksum_ok('11010519491231002X'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "(3, 10) True"
