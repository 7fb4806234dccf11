"""The staff console at `/console`: server-rendered pages in Chinese."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
