"""Encryption of personal data at rest, and keyed lookups over it.

Personal fields are stored as AES-256-GCM ciphertext (authenticated, so a
tampered row fails to decrypt rather than yielding a wrong value) bound to its
column by the associated data, and found through an HMAC-SHA256 "blind index":
an unkeyed hash of an 18-digit ID number can be brute-forced in minutes, a
keyed one cannot without the key.

Every ciphertext starts with the version of the key that sealed it
(`k1a2b3c4d:...`, a fingerprint of the key, so operators never number keys by
hand and two configurations cannot disagree about what "version 2" is). The
current key (DATA_ENCRYPTION_KEY) seals; it and the former keys
(DATA_ENCRYPTION_OLD_KEYS) open, until `flask rotate-keys` has re-sealed every
row under the current one (services/key_rotation.py). Tokens written before
key versions existed carry `v1:` and open with whichever configured key
sealed them.

The blind-index key does not rotate with the encryption key: rotating it
would change every lookup hash (ID numbers, phones, conversations, codes) at
once. It is derived from DATA_BLIND_INDEX_KEY when set, else from the current
key, as before versions existed; config.py refuses old keys without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The prefix of tokens sealed before keys had versions (always AES-GCM under the key
# derived from the DATA_ENCRYPTION_KEY of the day).
LEGACY_VERSION = "v1"
_NONCE = 12


class DecryptionError(ValueError):
    """Ciphertext was tampered with or encrypted under a key that is not configured."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def key_version(master_key: bytes) -> str:
    """The version a key writes into its ciphertexts: a short, one-way fingerprint."""
    return "k" + _derive(master_key, b"hospital/key-version")[:4].hex()


class FieldCipher:
    """Encrypts single values; `context` binds a ciphertext to its column.

    `master_key` seals; it and `old_keys` open. `index_key` keys the blind
    indexes (defaults to `master_key`, which is how they were made before keys rotated).
    """

    def __init__(self, master_key: bytes, old_keys: Sequence[bytes] = (), index_key: bytes | None = None) -> None:
        self.current_version = key_version(master_key)
        self._keys: dict[str, AESGCM] = {}
        for key in (master_key, *old_keys):
            self._keys.setdefault(key_version(key), AESGCM(_derive(key, b"hospital/field-encryption")))
        self._index_key = _derive(index_key or master_key, b"hospital/blind-index")

    @property
    def versions(self) -> tuple[str, ...]:
        """Every key version this cipher opens, the current one first."""
        return tuple(self._keys)

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._keys[self.current_version].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.current_version}:" + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str, context: str) -> str:
        version, _, body = token.partition(":")
        if version == LEGACY_VERSION:
            candidates = list(self._keys.values())
        elif version in self._keys:
            candidates = [self._keys[version]]
        else:
            raise DecryptionError(f"unknown key version {version!r}")
        try:
            raw = base64.urlsafe_b64decode(body)
        except ValueError as exc:
            raise DecryptionError("ciphertext is not base64") from exc
        for aead in candidates:
            try:
                return aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
            except InvalidTag:  # sealed by another configured key (legacy tokens), or tampered with
                continue
        raise DecryptionError("ciphertext failed authentication")

    def is_current(self, token: str) -> bool:
        """Whether a token is sealed under the current key (nothing to re-encrypt)."""
        return token.startswith(f"{self.current_version}:")

    def reencrypt(self, token: str, context: str) -> str:
        """The same value sealed under the current key; the token itself when it already is."""
        return token if self.is_current(token) else self.encrypt(self.decrypt(token, context), context)

    def blind_index(self, value: str, context: str) -> str:
        """A stable keyed digest for equality lookups and unique constraints."""
        mac = hmac.new(self._index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()
