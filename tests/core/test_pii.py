from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from gongzhi.accounts.models import User
from gongzhi.accounts.services import save_new_user
from gongzhi.core import pii
from gongzhi.core.pii import EncryptedField, SensitiveValue


def test_encrypt_round_trip_and_fresh_ciphertext() -> None:
    a, b = pii.encrypt("13907310001"), pii.encrypt("13907310001")
    assert a != b
    assert "13907310001" not in a
    assert pii.decrypt(a) == pii.decrypt(b) == "13907310001"


def test_old_key_still_reads_and_rotation_moves_to_the_new(settings: Any) -> None:
    old = settings.PII_KEYS[0]
    token = pii.encrypt("430104199001010011")
    new = Fernet.generate_key().decode()
    settings.PII_KEYS = [new, old]
    assert pii.decrypt(token) == "430104199001010011"
    rotated = pii.rotate_token(token)
    settings.PII_KEYS = [new]
    assert pii.decrypt(rotated) == "430104199001010011"
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        pii.decrypt(token)


def test_missing_key_is_a_clear_configuration_error(settings: Any) -> None:
    settings.PII_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="GONGZHI_PII_KEYS"):
        pii.encrypt("x")


def test_blind_index_is_stable_normalised_kind_separated_and_keyed(settings: Any) -> None:
    h = pii.blind_index("phone", "13907310001")
    assert h == pii.blind_index("phone", "+86 139-0731-0001")
    assert h != pii.blind_index("text", "13907310001")
    assert pii.blind_index("id_number", "11010519491231002x") == pii.blind_index("id_number", "11010519491231002X")
    settings.PII_HASH_KEY = "another-key"
    assert pii.blind_index("phone", "13907310001") != h
    assert pii.hash_field_value("phone", "") == ""


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id_number", "430104199001011234", "430***********1234"),
        ("phone", "13856785678", "138****5678"),
        ("phone", "0731-88886666", "0731-******66"),
        ("name", "张秀兰", "张**"),
        ("text", "麓山南路1号", "麓****号"),
        ("text", "", ""),
    ],
)
def test_masks(kind: str, value: str, masked: str) -> None:
    assert pii.mask(kind, value) == masked


def test_sensitive_value_never_shows_itself_by_accident() -> None:
    v = SensitiveValue("13856785678", "phone")
    shown = [str(v), repr(v), f"{v}", f"{v:>12}", "{}".format(v), v.__html__(), json.dumps({"p": str(v)})]
    assert all("13856785678" not in s for s in shown)
    assert v.reveal() == "13856785678"
    assert v == SensitiveValue("13856785678", "phone")
    assert v != SensitiveValue("13800000000", "phone")
    assert not SensitiveValue("", "phone")


def test_field_converts_without_a_database() -> None:
    field = EncryptedField(kind="phone")
    stored = field.get_prep_value("13856785678")
    assert stored
    assert "13856785678" not in stored
    loaded = field.from_db_value(stored, None, connection)
    assert isinstance(loaded, SensitiveValue)
    assert loaded.reveal() == "13856785678"
    assert field.get_prep_value(loaded) != stored  # re-encrypted, same clear value
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value(None, None, connection) is None
    with pytest.raises(ValueError, match="kind"):
        EncryptedField(kind="secret")


@pytest.mark.django_db
def test_stored_ciphertext_hash_search_and_dumpdata(capsys: pytest.CaptureFixture[str]) -> None:
    user = save_new_user(User(username="li", full_name="李思雨", phone="13907310009"))
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        raw = cur.fetchone()[0]
    assert "13907310009" not in raw
    found = User.objects.get(phone_hash=pii.blind_index("phone", "139 0731 0009"))
    assert found.phone.reveal() == "13907310009"
    call_command("dumpdata", "accounts.user")
    assert "13907310009" not in capsys.readouterr().out


@pytest.mark.django_db
def test_rotate_command_re_encrypts_every_row(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(5):
        save_new_user(User(username=f"u{i}", phone=f"1390731000{i}"))
    save_new_user(User(username="nophone"))
    old = settings.PII_KEYS[0]
    settings.PII_KEYS = [Fernet.generate_key().decode(), old]
    call_command("pii", "rotate", "--batch-size", "2")
    assert "re-encrypted 5 values" in capsys.readouterr().out
    settings.PII_KEYS = settings.PII_KEYS[:1]  # the old key is gone: everything must still read
    assert sorted(u.phone.reveal() for u in User.objects.exclude(username="nophone")) == [f"1390731000{i}" for i in range(5)]


def test_a_sealed_value_is_stored_as_made_and_reads_back() -> None:
    """Ciphertext made ahead (the import encrypts while it checks rows) is not encrypted twice."""
    from gongzhi.core.pii import EncryptedField, Sealed, decrypt, encrypt

    field = EncryptedField(kind="id_number")
    sealed = Sealed(encrypt("430104199001011234"))
    assert field.get_prep_value(sealed) == str(sealed)
    assert decrypt(field.get_prep_value(sealed) or "") == "430104199001011234"
    assert decrypt(field.get_prep_value("430104199001011234") or "") == "430104199001011234"
    assert field.get_prep_value(str(sealed)) != str(sealed)  # plain text is always encrypted


def test_tokens_are_aes_gcm_and_old_fernet_tokens_still_read(settings: Any) -> None:
    key = settings.PII_KEYS[0]
    old = Fernet(key.encode()).encrypt(b"430104199001011234").decode()  # written before GCM
    assert pii.decrypt(old) == "430104199001011234"
    token = pii.encrypt("430104199001011234")
    assert token.startswith(pii.GCM_PREFIX)
    assert "430104199001011234" not in token
    assert pii.encrypt("430104199001011234") != token  # a fresh nonce each time
    assert pii.rotate_token(old).startswith(pii.GCM_PREFIX)
    assert pii.decrypt(pii.rotate_token(old)) == "430104199001011234"


def test_a_tampered_or_foreign_token_is_refused(settings: Any) -> None:
    token = pii.encrypt("13907310009")
    body = token.rsplit(":", 1)[1]
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(ImproperlyConfigured):
        pii.decrypt(token.rsplit(":", 1)[0] + ":" + flipped)
    settings.PII_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        pii.decrypt(token)  # its key is not configured any more


def test_a_masked_value_is_escaped_in_html() -> None:
    from django.utils.html import format_html

    value = pii.SensitiveValue("<b>x</b><script>", "text")
    assert "<script>" not in format_html("{}", value)
    assert "&lt;" in format_html("{}", value)
