"""The QR token: Ed25519 over key id and card number; forged or withdrawn tokens are refused.
Cards are signed in the QR form (capitals, base32); tokens of the first form (base64url),
already printed, still verify."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from distribution.cards.numbers import card_number_make
from distribution.cards.signing import public_keys_jwk, token_sign, token_verify

NUMBER = card_number_make(kind="family", owner_id=42, issue=1)


def _seed(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def _public(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode()


OLD, NEW = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")


def _first_form(key: Ed25519PrivateKey, key_id: str, number: str) -> str:
    """A token as cards were printed before the QR form: base64url, the key id as is."""
    head = f"{key_id}.{number}"
    signature = base64.urlsafe_b64encode(key.sign(head.encode())).rstrip(b"=").decode()
    return f"{head}.{signature}"


def test_token_carries_only_key_id_number_and_signature(settings):
    token = token_sign(NUMBER)
    key_id, number, signature = token.split(".")
    assert key_id == settings.KDS_CARD_KEY_ID.upper()
    assert number == NUMBER and len(signature) == 103
    assert QR_ALPHANUMERIC.fullmatch(token)
    assert token_verify(token) == NUMBER


def test_the_qr_form_is_case_insensitive():
    assert token_verify(token_sign(NUMBER).lower()) == NUMBER


def test_tokens_already_printed_in_the_first_form_still_verify():
    with override_settings(KDS_CARD_SIGNING_KEY=_seed(OLD), KDS_CARD_KEY_ID="k1"):
        first = _first_form(OLD, "k1", NUMBER)
        assert len(first.rsplit(".", 1)[1]) == 86
        assert token_verify(first) == NUMBER
        assert token_verify(first.upper()) is None  # base64url is not case-insensitive
        assert token_verify(_first_form(NEW, "k1", NUMBER)) is None


def test_forged_signature_is_refused(settings):
    token = token_sign(NUMBER)
    head, signature = token.rsplit(".", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert token_verify(f"{head}.{flipped}") is None
    forger = Ed25519PrivateKey.generate()
    forged = base64.b32encode(forger.sign(head.encode())).rstrip(b"=").decode()
    assert token_verify(f"{head}.{forged}") is None
    assert token_verify(_first_form(forger, settings.KDS_CARD_KEY_ID, NUMBER)) is None


def test_another_number_under_a_genuine_signature_is_refused():
    key_id, _number, signature = token_sign(NUMBER).split(".")
    other = card_number_make(kind="family", owner_id=43, issue=1)
    assert token_verify(f"{key_id}.{other}.{signature}") is None


@pytest.mark.parametrize(  # a dotless i upper-cases to I: not a QR-form token
    "token", ["", "x", "dev1.123.abc", "a" * 200, "dev1..x", "DEV1.100000042012." + "\u0131" * 103]
)
def test_malformed_tokens_are_refused(token: str):
    assert token_verify(token) is None


def test_rotation_keeps_old_cards_valid_until_their_key_is_withdrawn():
    with override_settings(KDS_CARD_SIGNING_KEY=_seed(OLD), KDS_CARD_KEY_ID="k1"):
        old_token = token_sign(NUMBER)
    first_form = _first_form(OLD, "k1", NUMBER)
    rotated = {
        "KDS_CARD_SIGNING_KEY": _seed(NEW),
        "KDS_CARD_KEY_ID": "k2",
        "KDS_CARD_VERIFY_KEYS": {"k1": _public(OLD)},
    }
    with override_settings(**rotated):
        assert token_sign(NUMBER).startswith("K2.")
        assert token_verify(old_token) == token_verify(first_form) == NUMBER
        kids = [key["kid"] for key in public_keys_jwk()["keys"]]
        assert kids == ["k2", "k1"]
    with override_settings(KDS_CARD_SIGNING_KEY=_seed(NEW), KDS_CARD_KEY_ID="k2"):
        assert token_verify(old_token) is None  # k1 withdrawn
        assert token_verify(first_form) is None


def test_published_key_verifies_offline():
    with override_settings(KDS_CARD_SIGNING_KEY=_seed(OLD), KDS_CARD_KEY_ID="k1"):
        token = token_sign(NUMBER)
        (jwk,) = public_keys_jwk()["keys"]
    x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    head, signature = token.rsplit(".", 1)
    Ed25519PublicKey.from_public_bytes(x).verify(base64.b32decode(signature + "="), head.encode())
    assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", "k1")
    assert head.split(".")[0] == jwk["kid"].upper()


def test_production_without_a_key_refuses(settings):
    settings.PRODUCTION = True
    with (
        override_settings(KDS_CARD_SIGNING_KEY="", KDS_CARD_KEY_ID="prod-missing"),
        pytest.raises(ImproperlyConfigured),
    ):
        token_sign(NUMBER)


def test_key_ids_must_differ_in_more_than_case():
    with (
        override_settings(
            KDS_CARD_SIGNING_KEY=_seed(NEW),
            KDS_CARD_KEY_ID="k1",
            KDS_CARD_VERIFY_KEYS={"K1": _public(OLD)},
        ),
        pytest.raises(ImproperlyConfigured),
    ):
        token_sign(NUMBER)


def test_a_bad_key_fails_loudly():
    with (
        override_settings(KDS_CARD_SIGNING_KEY="not-a-key", KDS_CARD_KEY_ID="bad"),
        pytest.raises(ImproperlyConfigured),
    ):
        token_sign(NUMBER)
