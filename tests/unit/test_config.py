import base64

import pytest

from config import ConfigurationError, load_settings

STRONG = {
    "secret_key": "s" * 40,
    "hospital_api_token": "t" * 40,
    "data_encryption_key": base64.urlsafe_b64encode(b"k" * 32).decode(),
}


def test_development_defaults_work_out_of_the_box() -> None:
    settings = load_settings(app_env="development")
    settings.check_production()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.outbox_visible


@pytest.mark.parametrize("leaked", sorted(STRONG))
def test_production_refuses_any_development_secret(leaked: str) -> None:
    values = {**STRONG}
    del values[leaked]
    with pytest.raises(ConfigurationError, match=leaked.upper()):
        load_settings(app_env="production", **values).check_production()


# What a real deployment sets besides the secrets (issue 11, weakness 7: each one is refused when left out).
DEPLOYED = {
    "database_url": "postgresql://hospital@db/hospital",
    "redis_url": "redis://redis:6379/0",
    "celery_broker_url": "redis://redis:6379/1",
    "public_base_url": "https://chat.hospital.example",
    "sms_provider": "aliyun",
    "payment_provider_mode": "live",
}


def test_production_with_real_secrets_starts_and_hides_the_outbox() -> None:
    settings = load_settings(app_env="production", **STRONG, **DEPLOYED)
    settings.check_production()
    assert not settings.outbox_visible


@pytest.mark.parametrize(
    ("setting", "embedded", "named"),
    [
        ("database_url", "sqlite:///var/hospital.sqlite3", "DATABASE_URL"),
        ("redis_url", None, "REDIS_URL"),
        ("celery_broker_url", "sqla+sqlite:///var/celery-broker.sqlite3", "CELERY_BROKER_URL"),
        ("public_base_url", "http://127.0.0.1:5000", "PUBLIC_BASE_URL"),
        ("public_base_url", "http://localhost:8000", "PUBLIC_BASE_URL"),
        ("sms_provider", "console", "SMS_PROVIDER"),
        ("payment_provider_mode", "console", "PAYMENT_PROVIDER_MODE"),
    ],
)
def test_production_refuses_every_embedded_default(setting: str, embedded: object, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        load_settings(app_env="production", **STRONG, **{**DEPLOYED, setting: embedded}).check_production()


def test_production_refuses_wechat_without_its_aes_key() -> None:
    wechat = {"wechat_app_id": "wx123", "wechat_app_secret": "s", "wechat_token": "t"}
    with pytest.raises(ConfigurationError, match="WECHAT_ENCODING_AES_KEY"):
        load_settings(app_env="production", **STRONG, **DEPLOYED, **wechat).check_production()
    aes = {"wechat_encoding_aes_key": "a" * 43}
    load_settings(app_env="production", **STRONG, **DEPLOYED, **wechat, **aes).check_production()


def test_a_missing_app_env_is_development_only_on_a_loopback_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_ENV", raising=False)
    assert load_settings().app_env == "development"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://chat.hospital.example")
    settings = load_settings()
    assert settings.app_env == "production" and settings.is_production
    with pytest.raises(ConfigurationError):
        settings.check_production()  # the development secrets are refused, not silently used


def test_a_short_encryption_key_is_refused() -> None:
    values = {**STRONG, "data_encryption_key": base64.urlsafe_b64encode(b"short").decode()}
    with pytest.raises(ConfigurationError, match="32 bytes"):
        load_settings(app_env="production", **values).check_production()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOLD_MINUTES", "7")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/hospital")
    settings = load_settings()
    assert settings.hold_minutes == 7
    assert settings.database_url == "postgresql://db/hospital"
