"""Encryption of personal data at rest, and keyed lookups over it.

ID numbers and phones are stored as AES-256-GCM ciphertext (authenticated, so a
tampered row fails to decrypt rather than yielding a wrong number) and found
through an HMAC-SHA256 "blind index": an unkeyed hash of an 18-digit ID number
can be brute-forced in minutes, a keyed one cannot without the key.
Both keys are derived from DATA_ENCRYPTION_KEY with HKDF so one secret is
configured but the two uses never share a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_VERSION = "v1"


class DecryptionError(ValueError):
    """Ciphertext was tampered with or encrypted under another key."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class FieldCipher:
    """Encrypts single values; `context` binds a ciphertext to its column."""

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(_derive(master_key, b"hospital/field-encryption"))
        self._index_key = _derive(master_key, b"hospital/blind-index")

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{KEY_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, context: str) -> str:
        version, _, body = token.partition(":")
        if version != KEY_VERSION:
            raise DecryptionError(f"unknown key version {version!r}")
        raw = base64.urlsafe_b64decode(body)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:  # cryptography raises InvalidTag
            raise DecryptionError("ciphertext failed authentication") from exc

    def blind_index(self, value: str, context: str) -> str:
        """A stable keyed digest for equality lookups and unique constraints."""
        mac = hmac.new(self._index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()
