"""The Flask application factory. Configuration, extensions, blueprints; no routes."""

from __future__ import annotations

from typing import Any

from flask import Flask

from config import Settings, load_settings
from db import Database
from integrations.channels.rasa import RasaRestClient
from payments.base import PaymentProvider
from payments.console import ConsolePaymentProvider
from services.context import ServiceContext
from services.crypto import FieldCipher

MAX_REQUEST_BYTES = 64 * 1024


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """Console in development; the live providers arrive with the payments work."""
    return ConsolePaymentProvider(settings.public_base_url)


def build_context(settings: Settings, database: Database | None = None) -> ServiceContext:
    return ServiceContext(
        db=database or Database(settings.database_url),
        settings=settings,
        cipher=FieldCipher(settings.data_key_bytes),
        payments=build_payment_provider(settings),
    )


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load_settings(**overrides)
    settings.check_production()

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_AS_ASCII=False,
        RATELIMIT_STORAGE_URI=settings.redis_url or "sweeping-memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_DEFAULT=settings.rate_limit_public,
        RATELIMIT_KEY_PREFIX="hospital",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["hospital"] = build_context(settings)
    app.extensions["dialogue"] = RasaRestClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds)

    import web.ratelimit_storage  # noqa: F401  (registers the embedded limiter storage)
    from web import channels, chat_page, cli, errors, health, metrics, payment_notify, payments_console, requestlog
    from web.api import bp as api_bp
    from web.extensions import limiter
    from web.openapi import bp as openapi_bp

    requestlog.configure_logging(settings.log_level)
    requestlog.init_app(app)
    errors.register_error_handlers(app)
    limiter.init_app(app)
    limiter.exempt(api_bp)  # the service API is limited per patient, not per caller IP
    limiter.exempt(health.bp)
    limiter.exempt(metrics.bp)
    blueprints = (
        health.bp,
        metrics.bp,
        api_bp,
        openapi_bp,
        payments_console.bp,
        chat_page.bp,
        channels.bp,
        payment_notify.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    cli.init_app(app)
    return app
