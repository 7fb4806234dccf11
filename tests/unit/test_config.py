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


def test_production_with_real_secrets_starts_and_hides_the_outbox() -> None:
    settings = load_settings(app_env="production", **STRONG)
    settings.check_production()
    assert not settings.outbox_visible


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
