"""The Flask application factory. Configuration, extensions, blueprints; no routes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigurationError, Settings, load_settings
from db import Database
from integrations.messaging import OutboundSender
from integrations.rasa.client import DialogueEngine, RasaRestClient
from integrations.rasa.fleet import RasaFleet, server_urls
from payments.base import PaymentProvider
from payments.console import ConsolePaymentProvider
from services.context import ServiceContext
from services.crypto import FieldCipher
from tasks.celery_wiring import celery_init_app
from tasks.queue import CeleryTaskQueue

MAX_REQUEST_BYTES = 64 * 1024


def build_payment_provider(settings: Settings) -> PaymentProvider:
    """Console (a local pay page) unless PAYMENT_PROVIDER_MODE=live; then every
    platform that is configured, new orders going to PAYMENT_LIVE_PROVIDER."""
    if settings.payment_provider_mode != "live":
        return ConsolePaymentProvider(settings.public_base_url)
    from payments.alipay import AlipayProvider
    from payments.router import PaymentRouter
    from payments.wechat import WeChatPayProvider

    notify_base = (settings.payment_notify_base_url or settings.public_base_url).rstrip("/")
    providers: dict[str, PaymentProvider] = {}
    if settings.alipay_app_id and settings.alipay_app_private_key and settings.alipay_public_key:
        providers["alipay"] = AlipayProvider(
            app_id=settings.alipay_app_id,
            app_private_key=settings.alipay_app_private_key,
            alipay_public_key=settings.alipay_public_key,
            gateway_url=settings.alipay_pay_gateway_url,
            notify_url=f"{notify_base}/payments/alipay/notify",
            seller_id=settings.alipay_seller_id,
            default_scene=settings.alipay_pay_scene,
            timeout=settings.payment_timeout_seconds,
        )
    if settings.wechat_pay_mch_id and settings.wechat_pay_private_key and settings.wechat_pay_platform_public_key:
        providers["wechat"] = WeChatPayProvider(
            app_id=settings.wechat_pay_app_id or settings.wechat_app_id,
            mch_id=settings.wechat_pay_mch_id,
            merchant_private_key=settings.wechat_pay_private_key,
            merchant_serial_no=settings.wechat_pay_cert_serial_no,
            apiv3_key=settings.wechat_pay_api_key,
            platform_public_key=settings.wechat_pay_platform_public_key,
            platform_public_key_id=settings.wechat_pay_public_key_id,
            notify_url=f"{notify_base}/payments/wechat/notify",
            gateway_url=settings.wechat_pay_gateway_url,
            default_scene=settings.wechat_pay_scene,
            timeout=settings.payment_timeout_seconds,
        )
    if settings.payment_live_provider not in providers:
        raise ConfigurationError(
            f"PAYMENT_PROVIDER_MODE=live needs {settings.payment_live_provider} configured (keys and ids)"
        )
    return PaymentRouter(providers, default=settings.payment_live_provider)


def build_context(settings: Settings, database: Database | None = None) -> ServiceContext:
    return ServiceContext(
        db=database
        or Database(
            settings.database_url,
            connect_timeout=settings.database_connect_timeout_seconds,
            statement_timeout=settings.database_statement_timeout_seconds,
        ),
        settings=settings,
        cipher=FieldCipher(settings.data_key_bytes, settings.data_old_key_bytes, settings.blind_index_key_bytes),
        payments=build_payment_provider(settings),
    )


def build_senders(settings: Settings, ctx: ServiceContext, live: bool | None = None) -> dict[str, OutboundSender]:
    """One sender per channel for the outbox and the channel tasks. Console (no network) in
    development and test; the platforms' own APIs in production, for each configured channel."""
    from integrations.channels.alipay import AlipayCustomSender
    from integrations.channels.wechat import RedisTokenStore, SharedTokenWeChatClient, TokenStore, WeChatTemplateSender
    from integrations.sms.aliyun import AliyunSmsProvider
    from integrations.sms.base import OptOutGuard, SmsProvider, SmsRouter
    from integrations.sms.console import ConsoleSender, ConsoleSmsProvider
    from integrations.sms.twilio import TwilioSmsProvider
    from services.conversation import channel_state as channels

    live = settings.is_production if live is None else live
    senders: dict[str, OutboundSender] = {name: ConsoleSender(name) for name in ("wechat", "alipay", "web")}
    sms: SmsProvider = ConsoleSmsProvider()
    if live and settings.wechat_app_id and settings.wechat_app_secret:
        store: TokenStore = RedisTokenStore(settings.redis_url) if settings.redis_url else channels.DbTokenStore(ctx)
        client = SharedTokenWeChatClient(
            settings.wechat_app_id, settings.wechat_app_secret, store, settings.wechat_api_base_url
        )
        senders["wechat"] = WeChatTemplateSender(client, settings.wechat_reminder_template_id)
    if live and settings.alipay_app_id and settings.alipay_app_private_key and settings.alipay_public_key:
        senders["alipay"] = AlipayCustomSender(
            settings.alipay_app_id,
            settings.alipay_app_private_key,
            settings.alipay_public_key,
            settings.alipay_gateway_url,
        )
    if live and settings.sms_provider != "console":
        twilio: SmsProvider = ConsoleSmsProvider()
        if settings.twilio_account_sid and settings.twilio_auth_token:
            twilio = TwilioSmsProvider(
                settings.twilio_account_sid,
                settings.twilio_auth_token,
                settings.twilio_from_number,
                settings.twilio_api_base_url,
            )
        aliyun: SmsProvider = twilio
        if settings.aliyun_access_key_id and settings.aliyun_access_key_secret:
            aliyun = AliyunSmsProvider(
                settings.aliyun_access_key_id,
                settings.aliyun_access_key_secret,
                settings.aliyun_sms_sign_name,
                settings.aliyun_sms_template_code,
                settings.aliyun_sms_endpoint,
            )
        sms = SmsRouter(mainland=aliyun, international=twilio)
    senders["sms"] = OptOutGuard(sms, lambda number: channels.is_opted_out(ctx, number))
    return senders


def build_dialogue(settings: Settings) -> DialogueEngine:
    """One Rasa server, or a fleet when RASA_URL lists several (integrations/rasa/fleet.py)."""

    def engine(url: str) -> DialogueEngine:
        return RasaRestClient(
            url,
            timeout=settings.rasa_timeout_seconds,
            token=settings.rasa_auth_token or None,
            understanding_timeout=settings.rasa_understanding_timeout_seconds,
        )

    urls = server_urls(settings.rasa_url)
    return engine(urls[0]) if len(urls) == 1 else RasaFleet(urls, engine)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load_settings(**overrides)
    settings.check_production()

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    if settings.trusted_proxy_count:  # the real client address, behind the documented proxies only
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxy_count, x_proto=settings.trusted_proxy_count
        )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_AS_ASCII=False,
        RATELIMIT_STORAGE_URI=settings.redis_url or "sweeping-memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_DEFAULT=settings.rate_limit_public,
        RATELIMIT_KEY_PREFIX="hospital",
        # Redis down: limit in memory per process rather than answer 500 (a patient's message
        # must not fail because the limiter's store did).
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # The one wiring point: everything a use case needs, built once (services/context.py).
    celery = celery_init_app(app)
    ctx = build_context(settings)
    dialogue = build_dialogue(settings)
    app.extensions["hospital"] = replace(
        ctx, tasks=CeleryTaskQueue(celery), dialogue=dialogue, senders=build_senders(settings, ctx)
    )

    import web.ratelimit_storage  # noqa: F401  (registers the embedded limiter storage)
    from web import (
        admission,
        booking_limit,
        channels,
        chat_page,
        cli,
        cookie_session,
        database_errors,
        errors,
        health,
        metrics,
        model_server,
        pay_page,
        payment_notify,
        payments_console,
        requestlog,
    )
    from web.api import bp as api_bp
    from web.console import bp as console_bp
    from web.extensions import limiter
    from web.openapi import bp as openapi_bp

    requestlog.configure_logging(settings.log_level)
    cookie_session.init_app(app)  # the console's signed cookie; its serializer built once
    requestlog.init_app(app)
    admission.init_app(app)  # per route class, before the limiter's and the views' work
    errors.register_error_handlers(app)
    database_errors.init_app(app)  # a lost database: 503 + Retry-After, not a 500
    limiter.init_app(app)
    booking_limit.init_app(app)  # the booking route counts its own per-patient limit
    limiter.exempt(api_bp)  # the service API is limited per patient, not per caller IP
    limiter.exempt(health.bp)
    limiter.exempt(metrics.bp)
    blueprints = (
        health.bp,
        metrics.bp,
        api_bp,
        openapi_bp,
        payments_console.bp,
        pay_page.bp,
        chat_page.bp,
        channels.bp,
        payment_notify.bp,
        console_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    model_server.init_app(app)  # GET /rasa/model: Rasa replicas pull the active model
    cli.init_app(app)
    channels.init_app(app)
    return app
