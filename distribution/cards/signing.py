"""The signed token a KDS card's QR code carries: no personal data, only the card number.

    token = "<key id>.<card number>.<signature>"

The signature is Ed25519 over the ASCII text before the last dot, exactly as the token
writes it. Cards are printed with the QR form, "K1.100000123017.<signature>": the key id
upper-cased and the signature in unpadded base32 (RFC 4648, 103 characters), so that the
whole check address fits the QR code's alphanumeric mode (upper-case letters, digits and
" $%*+-./:"), which takes 5.5 bits a character instead of byte mode's 8: a version 6 code
(41 modules) instead of version 8 (49). The QR form is case-insensitive (a reader may
upper-case it first). Cards printed before carry the first form, the key id as configured
and the signature in unpadded base64url (86 characters, "k1.100000123017.<signature>");
they still verify. Anyone holding the public keys published at /kartu/kunci.json (JWK,
`kty` OKP, `crv` Ed25519; a QR-form token names its `kid` upper-cased) can check a card
offline; the portal's check page checks it and then says whether the card is still valid.

Keys: the signing key comes from KDS_CARD_SIGNING_KEY (PEM, or the base64 of the 32-byte
private seed) with its id KDS_CARD_KEY_ID. To rotate, give a new key and a new id, and move
the old public key to KDS_CARD_VERIFY_KEYS ("id:base64 public key,..."): cards printed
before still verify, new cards carry the new id. Drop an id from KDS_CARD_VERIFY_KEYS to
withdraw every card signed with it (a leaked key). Key ids must differ in more than case,
and are best letters, digits and "-" (an "_" costs the QR code its alphanumeric mode).
Without a configured key the development profile generates one into var/ and keeps it; the
production profile refuses to sign or verify (missing configuration fails closed).
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from distribution.cards.numbers import NUMBER_PATTERN, luhn_digit

KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,16}")
_TOKEN = re.compile(r"([A-Za-z0-9_-]{1,16})\.([0-9]{12})\.([A-Za-z0-9_-]{86})")
_QR_TOKEN = re.compile(r"([A-Z0-9_-]{1,16})\.([0-9]{12})\.([A-Z2-7]{103})")
_NUMBER = re.compile(NUMBER_PATTERN)
DEV_KEY_FOLDER = "card-keys"


@dataclass(frozen=True)
class Keyring:
    key_id: str
    signing: Ed25519PrivateKey
    verifying: dict[str, Ed25519PublicKey]

    def verifying_key(self, key_id: str, *, any_case: bool) -> Ed25519PublicKey | None:
        """The key of `key_id`; matched regardless of case for a QR-form token."""
        if not any_case:
            return self.verifying.get(key_id)
        return next((k for kid, k in self.verifying.items() if kid.upper() == key_id), None)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b32decode(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).rstrip(b"=").decode("ascii")


def _private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(_b64decode(text))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ImproperlyConfigured("KDS_CARD_SIGNING_KEY is not an Ed25519 private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("KDS_CARD_SIGNING_KEY is not an Ed25519 private key")
    return key


def _public_key(key_id: str, text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(_b64decode(text.strip()))
    except (ValueError, binascii.Error) as exc:
        raise ImproperlyConfigured(
            f"KDS_CARD_VERIFY_KEYS: {key_id!r} is not an Ed25519 public key"
        ) from exc


def _development_key(key_id: str) -> Ed25519PrivateKey:
    """The development profile's key, generated once into var/ and kept there."""
    folder = Path(settings.VAR_DIR) / DEV_KEY_FOLDER
    path = folder / f"{key_id}.pem"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pem)
        partial.chmod(0o600)
        partial.replace(path)
    return _private_key(path.read_text())


@functools.cache
def _keyring_for(
    key_id: str, signing_key: str, verify_keys: tuple[tuple[str, str], ...]
) -> Keyring:
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise ImproperlyConfigured("KDS_CARD_KEY_ID: 1-16 letters, digits, - or _")
    if signing_key:
        signing = _private_key(signing_key)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured("KDS_CARD_SIGNING_KEY is required in production")
    else:
        signing = _development_key(key_id)
    verifying = {kid: _public_key(kid, text) for kid, text in verify_keys}
    verifying[key_id] = signing.public_key()
    if len({kid.upper() for kid in verifying}) < len(verifying):
        raise ImproperlyConfigured("KDS_CARD_VERIFY_KEYS: key ids must differ in more than case")
    return Keyring(key_id=key_id, signing=signing, verifying=verifying)


def keyring() -> Keyring:
    """The keys in force under the current settings."""
    return _keyring_for(
        settings.KDS_CARD_KEY_ID,
        settings.KDS_CARD_SIGNING_KEY,
        tuple(sorted(settings.KDS_CARD_VERIFY_KEYS.items())),
    )


def token_sign(number: str) -> str:
    """The token for card `number` in the QR form, signed with the current key."""
    if not _NUMBER.fullmatch(number):
        raise ValueError("not a card number")
    keys = keyring()
    message = f"{keys.key_id.upper()}.{number}"
    return f"{message}.{_b32encode(keys.signing.sign(message.encode('ascii')))}"


def token_verify(token: str) -> str | None:
    """The card number a genuine token carries, in either form; None for anything forged,
    malformed, signed with an unknown or withdrawn key, or carrying a number with a wrong
    check digit."""
    if not token.isascii():
        return None
    if (match := _QR_TOKEN.fullmatch(token.upper())) is not None:
        key_id, number, signature = match.groups()
        decode, any_case = _b32decode, True
    elif (match := _TOKEN.fullmatch(token)) is not None:
        key_id, number, signature = match.groups()
        decode, any_case = _b64decode, False
    else:
        return None
    key = keyring().verifying_key(key_id, any_case=any_case)
    if key is None or not _NUMBER.fullmatch(number) or luhn_digit(number[:-1]) != number[-1]:
        return None
    try:
        key.verify(decode(signature), f"{key_id}.{number}".encode("ascii"))
    except (InvalidSignature, binascii.Error, ValueError):
        return None
    return number


def public_keys_jwk() -> dict[str, list[dict[str, str]]]:
    """Every key a card may be verified with, as a JWK set; `use` "sig"."""
    keys = keyring()
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "kid": kid,
                "use": "sig",
                "x": _b64encode(
                    key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                ),
            }
            for kid, key in sorted(keys.verifying.items(), key=lambda item: item[0] != keys.key_id)
        ]
    }
