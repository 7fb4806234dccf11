"""Reading the RSA keys the platforms hand out: PEM text, a path to a PEM file,
or the bare base64 body that Alipay's console shows (PKCS#8 or PKCS#1)."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.x509 import load_pem_x509_certificate


class InvalidKey(ValueError):
    """A configured key cannot be read."""


def _text(value: str) -> str:
    value = value.strip()
    if value and "-----BEGIN" not in value and len(value) < 4096 and "\n" not in value:
        candidate = Path(value)
        if candidate.suffix in (".pem", ".key", ".crt") or candidate.is_file():
            try:
                return candidate.read_text().strip()
            except OSError as exc:
                raise InvalidKey(f"cannot read key file {value}: {exc}") from None
    return value


def _der(body: str) -> bytes:
    try:
        return base64.b64decode("".join(body.split()), validate=True)
    except ValueError:
        raise InvalidKey("key is neither PEM nor base64") from None


def load_private_key(value: str) -> RSAPrivateKey:
    text = _text(value)
    try:
        if "-----BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = serialization.load_der_private_key(_der(text), password=None)
    except ValueError as exc:
        raise InvalidKey(f"not an RSA private key: {exc}") from None
    if not isinstance(key, RSAPrivateKey):
        raise InvalidKey("not an RSA private key")
    return key


def load_public_key(value: str) -> RSAPublicKey:
    """A public key, or the public key of a certificate."""
    text = _text(value)
    key: object
    try:
        if "BEGIN CERTIFICATE" in text:
            key = load_pem_x509_certificate(text.encode()).public_key()
        elif "-----BEGIN" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(_der(text))
    except ValueError as exc:
        raise InvalidKey(f"not an RSA public key: {exc}") from None
    if not isinstance(key, RSAPublicKey):
        raise InvalidKey("not an RSA public key")
    return key


def pkcs1_pem(key: RSAPrivateKey) -> str:
    """The private key as the `rsa` package (used inside alipay-sdk-python) wants it."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def public_pem(key: RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
