"""Settings, read once from the environment (and an optional `.env`).

Every knob of the system lives here so that operations can see them in one
place; nothing else reads `os.environ`. Development defaults let `make run`
work on a fresh machine, and `Settings.check_production()` refuses to start a
production process that still carries one of them.
"""

from __future__ import annotations

import base64
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
VAR = ROOT / "var"

DEV_SECRET_KEY = "dev-secret-key-not-for-production"  # noqa: S105 - refused in production
DEV_HOSPITAL_API_TOKEN = "dev-hospital-api-token"  # noqa: S105 - refused in production
# 32 zero-ish bytes, base64: obviously a development key.
DEV_DATA_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"development-key-not-for-prod!!!!").decode()
DEV_DEFAULTS = {
    "secret_key": DEV_SECRET_KEY,
    "hospital_api_token": DEV_HOSPITAL_API_TOKEN,
    "data_encryption_key": DEV_DATA_ENCRYPTION_KEY,
}


class ConfigurationError(RuntimeError):
    """The environment describes a system that must not start."""


DEV_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


class Settings(BaseSettings):
    """The whole configuration. Field names map to upper-case environment names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_env: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET_KEY
    hospital_api_token: str = DEV_HOSPITAL_API_TOKEN
    data_encryption_key: str = DEV_DATA_ENCRYPTION_KEY
    # Key rotation (docs/security.md, "Key versions"): former DATA_ENCRYPTION_KEYs, comma-separated,
    # kept until `flask rotate-keys` has re-sealed every row; and the key of the blind indexes,
    # which does not rotate (empty: derived from DATA_ENCRYPTION_KEY, as before rotation existed).
    data_encryption_old_keys: str = ""
    data_blind_index_key: str = ""

    database_url: str = f"sqlite:///{VAR / 'hospital.sqlite3'}"
    # Bounded waits on the database (db.make_engine): a primary that is gone (failover) or stuck
    # costs a request this long, then a 503 with Retry-After, not gunicorn's 30-second kill.
    # PostgreSQL: libpq connect_timeout per host tried, and statement_timeout; SQLite: the
    # busy timeout.
    database_connect_timeout_seconds: int = Field(5, ge=2, le=60)
    database_statement_timeout_seconds: float = Field(20.0, gt=0, le=25)
    redis_url: str | None = None
    celery_broker_url: str = f"sqla+sqlite:///{VAR / 'celery-broker.sqlite3'}"
    celery_result_backend: str | None = None
    # One Rasa server, or several comma-separated: each conversation then always goes to the
    # same one (integrations/rasa/fleet.py). In Kubernetes: the rasa Service.
    rasa_url: str = "http://127.0.0.1:5005"
    # Rasa's HTTP API (`rasa run --auth-token`): trackers, slots, parse, model loading.
    # Empty means Rasa was started without one (development only; docs/operations.md).
    rasa_auth_token: str = ""
    # Rasa pulls its model from the app (`models: url` in bot/endpoints-pull.yml, GET
    # /rasa/model with ETag): activating a version in the console then reaches every Rasa
    # replica, one at a time, instead of PUT /model on each server RASA_URL lists.
    rasa_model_pull: bool = False
    # With RASA_MODEL_PULL, a newly activated model goes to one replica at a time: the next
    # gets it once the previous reports it loaded, or after this many seconds without that
    # report (services/teaching/model_rollout.py). 0: every replica pulls on its next poll.
    rasa_rollout_step_seconds: float = Field(600.0, ge=0, le=3600)
    # Rasa's tracker store (bot/endpoints.yml reads the same variable): the retention job
    # removes old conversations from it (services/conversation/retention.py).
    rasa_tracker_store_url: str = f"sqlite:///{VAR / 'rasa' / 'tracker.db'}"
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    public_base_url: str = DEV_PUBLIC_BASE_URL
    # Where this process listens (gunicorn.conf.py reads BIND_ADDRESS too): loopback under
    # `make run`, 0.0.0.0 in a container, where the pod network and a Service front it.
    bind_address: str = "127.0.0.1"
    worker_metrics_port: int = Field(0, ge=0, le=65535)  # a Celery worker's own /metrics; 0: off

    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_token: str = ""
    wechat_encoding_aes_key: str = ""
    alipay_app_id: str = ""
    alipay_app_private_key: str = ""
    alipay_public_key: str = ""
    wechat_pay_mch_id: str = ""
    wechat_pay_api_key: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    sms_provider: Literal["console", "twilio", "aliyun"] = "console"
    payment_provider_mode: Literal["console", "live"] = "console"

    log_level: str = "INFO"
    hospital_name: str = "康宁互联网医院"
    # The hospital's facts (address, phones, emergency department, fever clinic, fees, rota):
    # one staff-edited file that the FAQ, the emergency journey, the hand-off and every
    # "请拨打医院电话" read; no setting repeats them (services/hospital_facts.py).
    hospital_facts_file: Path = ROOT / "data" / "hospital.yml"
    # How long after a red-flag answer the conversation stays in its emergency journey.
    emergency_state_hours: float = Field(6.0, gt=0, le=72)
    # How long the real value behind a chat placeholder ([身份证#…], [手机#…], [验证码#…]) can be
    # resolved: one Rasa session (bot/domain.yml session_expiration_time), after which the
    # slots holding it are gone anyway (services/conversation/placeholders.py).
    chat_secret_minutes: int = Field(60, ge=1, le=24 * 60)
    # Conversations (Rasa's tracker store, the app's conversation log) older than this are
    # deleted by beat (conversations.purge_old); docs/security.md says why 30.
    conversation_retention_days: int = Field(30, ge=1, le=3650)
    # Notifications sent or given up (outbox_messages: codes, reminders, staff replies, the web
    # page's inbox) and answers pushed to WeChat/Alipay (channel_pending_replies) older than
    # this are deleted by the same job; what they said about a visit is in the visit itself.
    outbox_retention_days: int = Field(30, ge=1, le=3650)
    # Closed hand-off tickets and the staff's replies in them, counted from when they closed;
    # open ones stay while staff still need them (docs/security.md, personal data).
    handoff_retention_days: int = Field(30, ge=1, le=3650)
    # An open hand-off ticket on which neither the patient nor staff said anything for this
    # long is closed by beat (handoffs.close_idle): no ticket stays open for good, and 72 h
    # outlasts a weekend (services/conversation/handoff_expiry.py).
    handoff_idle_hours: float = Field(72.0, gt=0, le=24 * 30)
    # The chat asks a separate consent (data/consent.yml) before the first sensitive question
    # (services/conversation/consent.py); off only for suites that predate it, never in production.
    privacy_consent_required: bool = True
    # How long the code a patient shows at the registration window stays good (窗口绑定).
    window_bind_code_minutes: int = Field(15, ge=1, le=24 * 60)
    timezone: str = "Asia/Shanghai"

    # Booking rules (defaults from the hospital's registration policy).
    hold_minutes: int = Field(15, ge=1)
    weekly_appointment_quota: int = Field(3, ge=1)
    no_show_limit: int = Field(3, ge=1)
    no_show_window_days: int = Field(90, ge=1)
    restriction_days: int = Field(90, ge=1)
    max_accounts_per_phone: int = Field(2, ge=1)
    # Caps against record collecting and scalping (黄牛): 就诊人 bound to one account, patients
    # registered with one phone, and unpaid holds open at once per account and per phone. Real-name
    # platforms such as Beijing's 114 cap 就诊人 per account and bookings per real name the same way;
    # the numbers are the hospital's policy (docs/security.md).
    max_patients_per_account: int = Field(5, ge=1)
    max_patients_per_phone: int = Field(5, ge=1)
    # unpaid holds last HOLD_MINUTES: 4 at once is more than one patient's week needs, far fewer than a scalper's
    max_open_holds_per_account: int = Field(4, ge=1)
    max_open_holds_per_phone: int = Field(4, ge=1)
    booking_horizon_days: int = Field(14, ge=1)
    cancel_cutoff_hours: int = Field(2, ge=0)
    # A cancelled place returns to the pool after a random delay between these (seconds), drawn
    # per cancellation, like Beijing's 114 platform, which puts a returned place back at a random
    # later time, not at once: a scalper (黄牛) who cancels a place for a buyer cannot have the
    # buyer grab it on cue. 0 and 0 return it at once (docs/security.md).
    release_delay_seconds_min: int = Field(60, ge=0, le=3600)
    release_delay_seconds_max: int = Field(300, ge=0, le=3600)
    refill_window_days: int = Field(180, ge=1)  # a refill needs an offline visit this recent

    # Reverse proxies in front of the app that append to X-Forwarded-For (nginx, a cloud load
    # balancer): their count, so the client address every limit, lockout and log uses is the
    # patient's and not the proxy's. 0 (no proxy) ignores the header, which a client can forge.
    trusted_proxy_count: int = Field(0, ge=0, le=5)
    # Edge limits (per calling IP on public routes; the service API is per patient).
    rate_limit_public: str = "60/minute"
    rate_limit_bookings_per_patient: str = "20/minute"
    rate_limit_chat_per_sender: str = "20/minute"
    # Chat is counted per patient (session/sender); this per-address cap only stops a script,
    # never a crowd behind one hospital Wi-Fi or carrier NAT (issue 14).
    rate_limit_chat_per_ip: str = "1200/minute"
    # Requests in flight per gunicorn process and route class (web/admission.py): bookings are
    # shed with a quick 503 while chat turns and red-flag answers keep their own room.
    admission_booking: int = Field(4, ge=1)
    admission_chat: int = Field(8, ge=1)
    admission_triage: int = Field(4, ge=1)
    web_chat_idle_minutes: int = Field(30, ge=1, le=24 * 60)  # a web chat session lapses after this idle time
    rasa_timeout_seconds: float = 8.0
    # Before a message that may hold a one-time code the edge asks Rasa which slot the open
    # form wants (a tracker read without events); past this it keeps the digits from Rasa.
    rasa_understanding_timeout_seconds: float = Field(1.0, gt=0)
    review_low_confidence: float = Field(0.6, gt=0, le=1)  # the review's "low confidence": below this

    # Teaching the bot (services/teaching/model_lifecycle.py): the bot project a run takes what stays
    # in git from (bot/config.yml, bot/jieba, data/rules, data/stories, scripts/, the held-out
    # set), where trained versions and scratch workspaces live, and Rasa's training cache. A
    # run reuses every cached component whose inputs did not change (after an NLU edit, the
    # dialogue policies), so keep the cache between runs; the default is where `make train`
    # (run from the checkout) keeps its own.
    rasa_project_dir: Path = ROOT
    rasa_models_dir: Path = VAR / "rasa" / "models"
    rasa_work_dir: Path = VAR / "rasa" / "work"
    rasa_cache_dir: Path = ROOT / ".rasa" / "cache"

    # Channels (WeChat, Alipay service window, SMS): live endpoints, overridable for tests.
    wechat_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_reminder_template_id: str = ""
    alipay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_sms_endpoint: str = "dysmsapi.aliyuncs.com"
    aliyun_sms_sign_name: str = ""
    aliyun_sms_template_code: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    channel_reply_budget_seconds: float = Field(4.0, gt=0, le=4.5)  # WeChat retries after 5 s
    channel_timestamp_window_seconds: int = Field(300, ge=30)
    channel_max_request_bytes: int = Field(16 * 1024, ge=1024)
    rate_limit_channel_per_ip: str = "600/minute"  # a platform's few servers carry every patient
    rate_limit_channel_per_sender: str = "20/minute"

    # Payments and notifications
    payment_live_provider: Literal["alipay", "wechat"] = "alipay"  # who takes new orders in live mode
    payment_notify_base_url: str = ""  # where platforms post notifications; PUBLIC_BASE_URL when empty
    alipay_pay_gateway_url: str = "https://openapi.alipay.com/gateway.do"
    alipay_seller_id: str = ""  # checked against notifications when set
    alipay_pay_scene: Literal["wap", "page", "qr"] = "wap"
    wechat_pay_app_id: str = ""  # WECHAT_APP_ID when empty
    wechat_pay_private_key: str = ""  # merchant API key (PEM text or path)
    wechat_pay_cert_serial_no: str = ""
    wechat_pay_platform_public_key: str = ""  # WeChat Pay platform public key (PEM text or path)
    wechat_pay_public_key_id: str = ""
    wechat_pay_gateway_url: str = "https://api.mch.weixin.qq.com"
    wechat_pay_scene: Literal["native", "jsapi"] = "native"
    # WeChat web authorisation (snsapi_base) gives the pay page the payer's openid for JSAPI
    # (with WECHAT_APP_SECRET); the two bases are WeChat's, overridable for tests and proxies.
    wechat_oauth_authorize_url: str = "https://open.weixin.qq.com/connect/"
    wechat_oauth_api_base_url: str = "https://api.weixin.qq.com/"
    payment_timeout_seconds: float = Field(10.0, gt=0)
    reconcile_after_minutes: int = Field(5, ge=1)  # an order this old without a notification is queried
    reminder_evening_hour: int = Field(18, ge=0, le=23)  # the day before the visit, Shanghai time
    reminder_hours_before: int = Field(2, ge=1)
    followup_after_days: int = Field(3, ge=1)
    outbox_claim_seconds: int = Field(120, ge=10)  # a claimed message not marked by then is tried again
    outbox_max_attempts: int = Field(8, ge=1)
    celery_visibility_timeout: int = Field(3600, ge=5)  # Redis: unacked tasks of a dead worker come back

    @model_validator(mode="after")
    def _release_delay_in_order(self) -> Settings:
        if self.release_delay_seconds_max < self.release_delay_seconds_min:
            raise ValueError("RELEASE_DELAY_SECONDS_MAX 不能小于 RELEASE_DELAY_SECONDS_MIN")
        return self

    @model_validator(mode="before")
    @classmethod
    def _environment_from_the_address(cls, data: Any) -> Any:
        """No APP_ENV: development only on a loopback PUBLIC_BASE_URL. A deployment that forgot
        APP_ENV but serves patients at a real address gets production's checks, not dev defaults."""
        if isinstance(data, dict) and not data.get("app_env"):
            public = str(data.get("public_base_url") or DEV_PUBLIC_BASE_URL)
            data = {**data, "app_env": "development" if is_loopback_url(public) else "production"}
        return data

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def outbox_visible(self) -> bool:
        """Whether `/api/v1/dev/outbox` exists: never in production."""
        return self.app_env in ("development", "test")

    @cached_property
    def data_key_bytes(self) -> bytes:
        return _data_key(self.data_encryption_key, "DATA_ENCRYPTION_KEY")

    @cached_property
    def data_old_key_bytes(self) -> tuple[bytes, ...]:
        """Former keys: they open old ciphertexts, never seal new ones."""
        keys = [k.strip() for k in self.data_encryption_old_keys.split(",") if k.strip()]
        return tuple(_data_key(k, "DATA_ENCRYPTION_OLD_KEYS") for k in keys)

    @cached_property
    def blind_index_key_bytes(self) -> bytes | None:
        """The blind indexes' key; None means the current data key (no rotation yet). With old keys
        configured it must be explicit, or every lookup hash would change with the key."""
        if self.data_blind_index_key:
            return _data_key(self.data_blind_index_key, "DATA_BLIND_INDEX_KEY")
        if self.data_old_key_bytes:
            raise ConfigurationError(
                "DATA_ENCRYPTION_OLD_KEYS needs DATA_BLIND_INDEX_KEY: set it to the key the blind indexes"
                " were made with (the first DATA_ENCRYPTION_KEY), see docs/security.md"
            )
        return None

    def check_production(self) -> None:
        """Refuse development secrets, embedded stores and console providers in production."""
        if not self.is_production:
            return
        leaked = [name.upper() for name, value in DEV_DEFAULTS.items() if getattr(self, name) == value]
        if leaked:
            raise ConfigurationError(f"production must not use development values for: {', '.join(leaked)}")
        if len(self.hospital_api_token) < 24 or len(self.secret_key) < 24:
            raise ConfigurationError("SECRET_KEY and HOSPITAL_API_TOKEN must be at least 24 characters")
        self.data_key_bytes  # noqa: B018 - validates the key's shape
        self.blind_index_key_bytes  # noqa: B018 - validates the old keys and the index key
        if DEV_DATA_ENCRYPTION_KEY in (
            self.data_blind_index_key,
            *(k.strip() for k in self.data_encryption_old_keys.split(",")),
        ):
            raise ConfigurationError("production must not use the development DATA_ENCRYPTION_KEY, old or index")
        embedded = [
            problem
            for wrong, problem in (
                (self.database_url.startswith("sqlite"), "DATABASE_URL is SQLite (use PostgreSQL)"),
                (not self.redis_url, "REDIS_URL is missing (limits, lockouts and tokens must be shared)"),
                ("sqlite" in self.celery_broker_url, "CELERY_BROKER_URL is the SQLite broker (use Redis)"),
                (is_loopback_url(self.public_base_url), "PUBLIC_BASE_URL is a loopback address"),
                (self.sms_provider == "console", "SMS_PROVIDER is console (codes would go nowhere)"),
                (self.payment_provider_mode == "console", "PAYMENT_PROVIDER_MODE is console (the local pay page)"),
                (not self.privacy_consent_required, "PRIVACY_CONSENT_REQUIRED is off (PIPL needs the consent)"),
                (
                    bool(self.wechat_app_id or self.wechat_token) and not self.wechat_encoding_aes_key,
                    "WeChat without WECHAT_ENCODING_AES_KEY (messages would travel in plaintext)",
                ),
            )
            if wrong
        ]
        if embedded:
            raise ConfigurationError("production must not use embedded defaults: " + "; ".join(embedded))


def _data_key(value: str, name: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigurationError(f"{name} must be 32 bytes, base64 encoded")
    return key


def load_settings(**overrides: object) -> Settings:
    """Read the environment now; overrides (used by tests) win over it."""
    return Settings(**overrides)  # type: ignore[arg-type]
