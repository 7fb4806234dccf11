"""The web chat page at `/`: a phone-sized chat for patients, and a simulator for staff."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("chat_page", __name__)


@bp.get("/")
def chat_page() -> str:
    settings = current_app.config["SETTINGS"]
    return render_template("chat.html", hospital_name=settings.hospital_name, hospital_phone=settings.hospital_phone)
