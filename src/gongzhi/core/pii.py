"""Personal data at rest: encryption, a keyed hash for exact search, masking.

A protected column holds AES-256-GCM ciphertext (``a1:<key id>:<nonce+ciphertext+tag>``, the
key derived from a configured GONGZHI_PII_KEYS entry; tokens written before as Fernet
(AES-128-CBC + HMAC) still read, and ``gongzhi pii rotate`` rewrites them). Reading it gives a
:class:`SensitiveValue`, whose text form is always masked, so a template, log line, export or
f-string shows 138****5678 unless code calls ``reveal()`` — and the service that calls it
writes the audit event. Exact search goes through a companion ``<field>_hash`` column holding
:func:`blind_index` of the value; ciphertext itself supports no lookups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models.query_utils import DeferredAttribute
from django.utils.html import escape

from gongzhi.core.idcard import normalise_id_number

KINDS = ("id_number", "phone", "name", "text")


GCM_PREFIX = "a1:"
_NONCE = 12


class _Vault:
    """The configured keys: the first encrypts, every one decrypts (rotation keeps old ones).

    AES-GCM is ~9× cheaper per value than Fernet here (an import of a million people encrypts
    two million values); each key's GCM key is derived from it, so the configured key format
    (a Fernet key: 32 url-safe base64 bytes) and the rotation procedure stay the same."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self.gcm: dict[str, AESGCM] = {}
        self.order: list[str] = []
        for k in keys:
            raw = base64.urlsafe_b64decode(k.encode())
            kid = hashlib.sha256(b"gongzhi-pii-kid:" + raw).hexdigest()[:8]
            self.gcm[kid] = AESGCM(hashlib.sha256(b"gongzhi-pii-aes-gcm:" + raw).digest())
            self.order.append(kid)
        self.primary = self.order[0]

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self.gcm[self.primary].encrypt(nonce, plain.encode(), None)
        return f"{GCM_PREFIX}{self.primary}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str) -> str:
        if not token.startswith(GCM_PREFIX):
            return self.fernet.decrypt(token.encode()).decode()
        kid, _sep, body = token[len(GCM_PREFIX):].partition(":")
        aead = self.gcm.get(kid)
        if aead is None:
            raise InvalidToken
        raw = base64.urlsafe_b64decode(body.encode())
        try:
            return aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
        except InvalidTag:
            raise InvalidToken from None


@lru_cache(maxsize=8)
def _vault_for(keys: tuple[str, ...]) -> _Vault:
    return _Vault(keys)


def _vault() -> _Vault:
    keys = tuple(getattr(settings, "PII_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured("No personal-data key: set GONGZHI_PII_KEYS (see docs/operations.md).")
    return _vault_for(keys)


def encrypt(plain: str) -> str:
    return _vault().encrypt(plain)


def decrypt(token: str) -> str:
    try:
        return _vault().decrypt(token)
    except (InvalidToken, ValueError):
        raise ImproperlyConfigured(
            "A protected value cannot be decrypted with the configured GONGZHI_PII_KEYS "
            "(was a key removed before `gongzhi pii rotate`?)."
        ) from None


def rotate_token(token: str) -> str:
    """The same value under the current key (and format)."""
    return encrypt(decrypt(token))


def normalise(kind: str, value: str) -> str:
    if kind == "id_number":
        return normalise_id_number(value)
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
                digits = digits[len(prefix):]
        return digits
    return "".join(value.split())


@lru_cache(maxsize=8)
def _hash_key(key: str) -> bytes:
    return key.encode()


def blind_index(kind: str, value: str) -> str:
    key = getattr(settings, "PII_HASH_KEY", "")
    if not key:
        raise ImproperlyConfigured("No personal-data hash key: set GONGZHI_PII_HASH_KEY.")
    message = f"{kind}:{normalise(kind, value)}".encode()
    return hmac.digest(_hash_key(key), message, "sha256").hex()  # one C call; same value as hmac.new


def hash_field_value(kind: str, value: str) -> str:
    return blind_index(kind, value) if value else ""


def mask(kind: str, value: str) -> str:
    if not value:
        return ""
    if kind == "id_number":
        keep = 3 if len(value) > 7 else 1
        return value[:keep] + "*" * max(len(value) - keep - 4, 0) + value[-4:]
    if kind == "phone":
        digits = normalise("phone", value)
        if len(digits) == 11 and digits.startswith("1"):
            return digits[:3] + "****" + digits[-4:]
        area = re.match(r"0\d{2,3}", value)
        head = area.group(0) if area else value[:1]
        return head + "-" + "*" * max(len(digits) - len(head) - 2, 1) + digits[-2:]
    if kind == "name":
        return value[0] + "*" * (len(value) - 1)
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


class Sealed(str):
    """Ciphertext made ahead of the write (an import encrypts while it checks rows, in parallel):
    an EncryptedField stores it as it is instead of encrypting it again."""


class SensitiveValue:
    """A decrypted value that shows itself masked everywhere unless revealed on purpose."""

    __slots__ = ("_value", "kind")

    def __init__(self, value: str, kind: str = "text") -> None:
        self._value = value
        self.kind = kind

    @property
    def masked(self) -> str:
        return mask(self.kind, self._value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"SensitiveValue({self.masked!r})"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __html__(self) -> str:
        return escape(self.masked)  # free text ("text" kind) may hold markup: never trusted as HTML

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SensitiveValue):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("SensitiveValue", self._value))


class _SensitiveAttribute(DeferredAttribute):
    """Wraps plain strings on assignment, so an unsaved or just-saved object masks too."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, str):
            value = SensitiveValue(value, self.field.kind)  # type: ignore[attr-defined]
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):  # type: ignore[type-arg]
    """A text column holding ciphertext; Python sees a :class:`SensitiveValue`."""

    descriptor_class = _SensitiveAttribute

    def __init__(self, *args: Any, kind: str = "text", **kwargs: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> SensitiveValue | None:
        if value is None:
            return None
        return SensitiveValue(decrypt(value) if value else "", self.kind)

    def to_python(self, value: Any) -> SensitiveValue | None:
        if value is None or isinstance(value, SensitiveValue):
            return value
        return SensitiveValue(str(value), self.kind)

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return str(value)
        plain = value.reveal() if isinstance(value, SensitiveValue) else str(value)
        return encrypt(plain) if plain else ""

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) writes ciphertext, never the clear value.
        return self.get_prep_value(self.value_from_object(obj)) or ""


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedField]]:
    return [(m, f) for m in apps.get_models() for f in m._meta.concrete_fields if isinstance(f, EncryptedField)]


def rotate_all(batch_size: int = 1000) -> int:
    """Re-encrypt every protected value under the current (first) key. Returns values changed."""
    changed = 0
    for model, field in encrypted_fields():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        qn = connection.ops.quote_name
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                where = f"WHERE {qn(pk)} > %s " if last is not None else ""
                cur.execute(
                    f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} {where}ORDER BY {qn(pk)} LIMIT %s",  # noqa: S608 (names quoted)
                    [last, batch_size] if last is not None else [batch_size],
                )
                rows = cur.fetchall()
                for row_pk, token in rows:
                    if token:
                        cur.execute(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s",  # noqa: S608
                                    [rotate_token(token), row_pk])
                        changed += 1
            if len(rows) < batch_size:
                break
            last = rows[-1][0]
    return changed
