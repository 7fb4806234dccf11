import os

import pytest

from services.crypto import DecryptionError, FieldCipher


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(os.urandom(32))


def test_round_trip_without_leaking_the_plaintext(cipher: FieldCipher) -> None:
    token = cipher.encrypt("110105194912310021", "patients.id_number")
    assert "110105194912310021" not in token
    assert cipher.decrypt(token, "patients.id_number") == "110105194912310021"


def test_the_same_value_encrypts_differently_each_time(cipher: FieldCipher) -> None:
    assert cipher.encrypt("13812345678", "c") != cipher.encrypt("13812345678", "c")


def test_a_tampered_ciphertext_is_refused(cipher: FieldCipher) -> None:
    token = cipher.encrypt("13812345678", "c")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(DecryptionError):
        cipher.decrypt(flipped, "c")


def test_a_ciphertext_cannot_be_moved_to_another_column(cipher: FieldCipher) -> None:
    token = cipher.encrypt("13812345678", "patients.phone")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, "patients.id_number")


def test_blind_index_is_stable_but_depends_on_the_key(cipher: FieldCipher) -> None:
    other = FieldCipher(os.urandom(32))
    assert cipher.blind_index("x", "c") == cipher.blind_index("x", "c")
    assert cipher.blind_index("x", "c") != other.blind_index("x", "c")
    assert cipher.blind_index("x", "c") != cipher.blind_index("x", "d")
