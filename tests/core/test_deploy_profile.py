"""The production profile: `gongzhi check --deploy` reports nothing with the secrets in the
environment, and refuses (non-zero exit, the variable named) without them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**base, "GONGZHI_VAR_DIR": str(tmp_path), "GONGZHI_PRODUCTION": "1",
             "GONGZHI_ALLOWED_HOSTS": "gongzhi.example.gov.cn", **env})


def test_production_profile_passes_check_deploy(tmp_path: Path) -> None:
    done = check_deploy(tmp_path, GONGZHI_SECRET_KEY=secrets.token_urlsafe(50),
                        GONGZHI_PII_KEYS=Fernet.generate_key().decode(), GONGZHI_PII_HASH_KEY=secrets.token_urlsafe(32))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert not (tmp_path / "secrets.json").exists()  # nothing generated into files in production


def test_production_without_secrets_is_refused(tmp_path: Path) -> None:
    done = check_deploy(tmp_path, GONGZHI_PII_KEYS="not-a-key")
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "GONGZHI_SECRET_KEY is not set" in out
    assert "GONGZHI_PII_HASH_KEY is not set" in out
    assert "key 1 is not a Fernet key" in out


def test_security_headers_on_every_page() -> None:
    from django.test import Client

    resp = Client().get("/login/")
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    assert resp["Cross-Origin-Opener-Policy"] == "same-origin"
    cookie = resp.cookies.get("csrftoken")
    assert cookie is not None
    assert cookie["httponly"]
