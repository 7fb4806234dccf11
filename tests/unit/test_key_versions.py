"""Key versions: every ciphertext names the key that sealed it, former keys still
open what they sealed, and tokens written before versions existed still open."""

from __future__ import annotations

import base64
import os

import pytest

from config import DEV_DATA_ENCRYPTION_KEY, ConfigurationError, load_settings
from services.crypto import DecryptionError, FieldCipher, key_version

# Written by services/crypto.py as it was before key versions (commit ff923b1), with this key.
LEGACY_KEY = b"legacy-key-before-key-versions!!"
LEGACY_ID_TOKEN = "v1:kSgrx4VUfosaTPu7G-SrIGjYc_EHsEYDQ8_-oYE93_7wspgtsgjiCU6LpfqKYQ=="
LEGACY_PHONE_TOKEN = "v1:MtfXCe0oYWjpI5Mnd9EIxlnB13kX_4XBAPKNXgtmQAKV6VZRxW-3"
LEGACY_ID_INDEX = "58dae67bf768cc19dd884a3bd4b18bf451a1591dd15b602d59ea2a6d43dfc7aa"


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def test_tokens_written_before_key_versions_still_open_and_their_index_still_matches() -> None:
    cipher = FieldCipher(LEGACY_KEY)
    assert cipher.decrypt(LEGACY_ID_TOKEN, "patients.id_number") == "110105194912310021"
    assert cipher.decrypt(LEGACY_PHONE_TOKEN, "patients.phone") == "13812345678"
    assert cipher.blind_index("110105194912310021", "patients.id_number") == LEGACY_ID_INDEX


def test_legacy_tokens_open_with_the_former_key_after_rotation() -> None:
    rotated = FieldCipher(os.urandom(32), old_keys=[LEGACY_KEY], index_key=LEGACY_KEY)
    assert rotated.decrypt(LEGACY_ID_TOKEN, "patients.id_number") == "110105194912310021"
    assert rotated.blind_index("110105194912310021", "patients.id_number") == LEGACY_ID_INDEX
    assert not rotated.is_current(LEGACY_ID_TOKEN)
    fresh = rotated.reencrypt(LEGACY_ID_TOKEN, "patients.id_number")
    assert rotated.is_current(fresh) and rotated.decrypt(fresh, "patients.id_number") == "110105194912310021"


def test_every_token_carries_the_version_of_the_key_that_sealed_it() -> None:
    old, new = os.urandom(32), os.urandom(32)
    token = FieldCipher(old).encrypt("张建国", "patients.name")
    assert token.startswith(key_version(old) + ":") and key_version(old) != key_version(new)
    rotated = FieldCipher(new, old_keys=[old])
    assert rotated.versions == (key_version(new), key_version(old))
    assert rotated.decrypt(token, "patients.name") == "张建国"
    resealed = rotated.reencrypt(token, "patients.name")
    assert resealed.startswith(key_version(new) + ":")
    assert rotated.reencrypt(resealed, "patients.name") == resealed  # already current: untouched
    # Once the old key is dropped, only what was re-sealed opens.
    assert FieldCipher(new).decrypt(resealed, "patients.name") == "张建国"
    with pytest.raises(DecryptionError, match="unknown key version"):
        FieldCipher(new).decrypt(token, "patients.name")


def test_a_legacy_token_under_no_configured_key_is_refused() -> None:
    with pytest.raises(DecryptionError, match="authentication"):
        FieldCipher(os.urandom(32), old_keys=[os.urandom(32)]).decrypt(LEGACY_ID_TOKEN, "patients.id_number")


def test_the_blind_index_keeps_its_key_when_the_data_key_rotates() -> None:
    old, new = os.urandom(32), os.urandom(32)
    before = FieldCipher(old).blind_index("13812345678", "patients.phone")
    assert FieldCipher(new, old_keys=[old], index_key=old).blind_index("13812345678", "patients.phone") == before
    assert FieldCipher(new).blind_index("13812345678", "patients.phone") != before


def test_settings_read_the_old_keys_and_refuse_them_without_an_index_key() -> None:
    old, new = os.urandom(32), os.urandom(32)
    settings = load_settings(
        data_encryption_key=_b64(new), data_encryption_old_keys=f" {_b64(old)} ,", data_blind_index_key=_b64(old)
    )
    assert settings.data_old_key_bytes == (old,) and settings.blind_index_key_bytes == old
    assert load_settings().data_old_key_bytes == () and load_settings().blind_index_key_bytes is None
    forgetful = load_settings(data_encryption_key=_b64(new), data_encryption_old_keys=_b64(old))
    with pytest.raises(ConfigurationError, match="DATA_BLIND_INDEX_KEY"):
        forgetful.blind_index_key_bytes  # noqa: B018
    with pytest.raises(ConfigurationError, match="DATA_ENCRYPTION_OLD_KEYS must be 32 bytes"):
        load_settings(data_encryption_old_keys="c2hvcnQ=", data_blind_index_key=_b64(old)).data_old_key_bytes  # noqa: B018


def test_production_refuses_the_development_key_as_an_old_or_index_key() -> None:
    strong = {
        "secret_key": "s" * 40,
        "hospital_api_token": "t" * 40,
        "data_encryption_key": _b64(b"k" * 32),
        "database_url": "postgresql://hospital@db/hospital",
        "redis_url": "redis://redis:6379/0",
        "celery_broker_url": "redis://redis:6379/1",
        "public_base_url": "https://chat.hospital.example",
        "sms_provider": "aliyun",
        "payment_provider_mode": "live",
    }
    rotated = {"data_encryption_old_keys": _b64(b"o" * 32), "data_blind_index_key": _b64(b"o" * 32)}
    load_settings(app_env="production", **strong, **rotated).check_production()
    with pytest.raises(ConfigurationError, match="development DATA_ENCRYPTION_KEY"):
        load_settings(
            app_env="production", **strong, **{**rotated, "data_blind_index_key": DEV_DATA_ENCRYPTION_KEY}
        ).check_production()
