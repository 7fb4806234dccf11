"""Swapping one part of an app's service context in a test (the context is built once
by create_app and frozen; a test replaces it whole, with one part changed)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Flask

from services.context import ServiceContext


def use(app: Flask, **parts: Any) -> ServiceContext:
    ctx: ServiceContext = replace(app.extensions["hospital"], **parts)
    app.extensions["hospital"] = ctx
    return ctx
