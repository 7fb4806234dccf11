"""Every domain error has an HTTP status, chosen at the edge (web/error_status.py):
a new error class cannot silently answer with its base's status, or a 500."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import services
import web
from services.errors import DomainError, SoldOut
from shared_rules import ErrorCode
from web.error_status import STATUS_BY_CODE, status_for


def _every_domain_error() -> list[type[DomainError]]:
    """Import every module of the services and the web edge, then walk the subclasses."""
    for package in (services, web):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        if not cls.__module__.startswith("tests."):  # not the throwaway classes tests define
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_domain_error_code_has_a_status() -> None:
    classes = _every_domain_error()
    assert len(classes) > 40  # the walk really found the tree, not just the base
    missing = sorted(f"{c.__module__}.{c.__qualname__} ({c.code})" for c in classes if c.code not in STATUS_BY_CODE)
    assert missing == []


def test_the_table_names_only_codes_some_error_carries() -> None:
    """A code left in the table after its error went is a stale promise."""
    codes = {c.code for c in _every_domain_error()}
    assert set(STATUS_BY_CODE) - codes == set()


def test_statuses_are_4xx_or_a_5xx_for_an_outage() -> None:
    outages = {"payment_unavailable", "rasa_unavailable"}
    assert all(400 <= s < 500 for c, s in STATUS_BY_CODE.items() if c not in outages)
    assert all(500 <= STATUS_BY_CODE[c] < 600 for c in outages)


def test_the_contract_codes_keep_their_statuses() -> None:
    """/work/shared/DESIGN.md: booking answers 409 sold_out / duplicate, 403 restricted, 429."""
    assert STATUS_BY_CODE[ErrorCode.SOLD_OUT] == STATUS_BY_CODE[ErrorCode.DUPLICATE] == 409
    assert STATUS_BY_CODE[ErrorCode.RESTRICTED] == 403
    assert STATUS_BY_CODE[ErrorCode.QUOTA_EXCEEDED] == 429
    assert STATUS_BY_CODE[ErrorCode.INVALID] == 422


def test_a_code_missing_from_the_table_falls_back_to_its_base(caplog: pytest.LogCaptureFixture) -> None:
    class Unmapped(SoldOut):
        code = "brand_new"

    assert status_for(Unmapped()) == 409
    assert "without an HTTP status" in caplog.text
    assert status_for(SoldOut()) == 409


def test_domain_errors_carry_no_http_status() -> None:
    offenders = [
        c.__qualname__ for c in _every_domain_error() if {"status", "http_status", "status_code"} & set(vars(c))
    ]
    assert offenders == []


def test_the_action_servers_client_reads_each_code_as_the_api_means_it() -> None:
    """The bot's client (integrations/hospital/errors.py) picks its error class by code and
    falls back on the status only for codes it does not know: for every code it knows, the
    status the API answers with must lead to the same class or a broader one."""
    from integrations.hospital import errors as client

    for code, cls in client.BY_CODE.items():
        by_status = client.error_for(STATUS_BY_CODE[code], None)
        assert issubclass(cls, by_status), f"{code}: {STATUS_BY_CODE[code]} reads as {by_status.__name__}"
    # a 403 the client has no class for is not taken for a no-show restriction
    assert client.error_for(403, "verification_required") is client.HospitalError
