"""Project settings. Everything that differs between machines comes from the environment.

GONGZHI_SECRET_KEY, GONGZHI_PII_KEYS and GONGZHI_PII_HASH_KEY are secrets: in production
they must come from the environment. On a developer or demo machine they are generated once
into ``var/secrets.json`` (outside the database, never committed) so the demo starts with no setup.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", BASE_DIR / "var"))
NODE_MODULES = Path(os.environ.get("GONGZHI_NODE_MODULES", BASE_DIR / "node_modules"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secrets() -> dict[str, str]:
    """Secrets for a non-production machine, generated once and kept in var/."""
    path = VAR_DIR / "secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    values = {
        "secret_key": secrets.token_urlsafe(50),
        "pii_key": Fernet.generate_key().decode(),
        "pii_hash_key": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values), encoding="utf-8")
    path.chmod(0o600)
    return values


PRODUCTION = _env_bool("GONGZHI_PRODUCTION", False)
DEBUG = _env_bool("GONGZHI_DEBUG", False)
DEMO_MODE = _env_bool("GONGZHI_DEMO", not PRODUCTION)

_local = {} if PRODUCTION else _local_secrets()
SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY") or _local.get("secret_key", "")
# Current key first; older keys after it stay readable until `gongzhi pii rotate` re-encrypts.
PII_KEYS = [k for k in (os.environ.get("GONGZHI_PII_KEYS") or _local.get("pii_key", "")).split(",") if k]
PII_HASH_KEY = os.environ.get("GONGZHI_PII_HASH_KEY") or _local.get("pii_hash_key", "")

ALLOWED_HOSTS = [h for h in os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GONGZHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "gongzhi.core",
    "gongzhi.areas",
    "gongzhi.accounts",
    "gongzhi.registry",
    "gongzhi.cases",
    "gongzhi.insight",
    "gongzhi.web",
    "gongzhi.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # serves its Swagger UI from our static files, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gongzhi.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gongzhi.accounts.auth.IdleTimeoutMiddleware",
    "gongzhi.accounts.auth.PasswordChangeRequiredMiddleware",
    "gongzhi.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gongzhi.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.web.context.shell",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
        # timeout instead of failing with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A 32 MB page cache per connection (SQLite's default is 2 MB) and the file mapped
        # read-only into memory shared by all connections: a 1 M-person import inserts random
        # ID hashes into a ~100 MB index, which the default cache turned into disk reads.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.auth.ThrottledBackend"]
# TOTP is required for administration and centre posts; in demo mode only when this says so.
GONGZHI_REQUIRE_2FA = _env_bool("GONGZHI_REQUIRE_2FA", not DEMO_MODE)
OTP_TOTP_ISSUER = "共治"
GONGZHI_IDLE_MINUTES = int(os.environ.get("GONGZHI_IDLE_MINUTES", "30"))  # idle sessions are signed out
# Retention (个人信息保护法 §19, §47): people who left the area are anonymised this many days
# after leaving; reporters' names and phones on cases this many days after closing.
GONGZHI_RETENTION_DAYS_AFTER_LEAVING = int(os.environ.get("GONGZHI_RETENTION_DAYS_AFTER_LEAVING", "730"))
GONGZHI_CASE_REPORTER_RETENTION_DAYS = int(os.environ.get("GONGZHI_CASE_REPORTER_RETENTION_DAYS", "1095"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gongzhi.accounts.auth.CharacterClassesValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "gongzhi.accounts.auth.NotReusedValidator", "OPTIONS": {"keep": 5}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "gongzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = VAR_DIR / "media"  # served only through views that check access
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even when serving from finders
# Front-end libraries come from the npm registry (package.json), never from a CDN.
STATICFILES_DIRS = [
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

if PRODUCTION:
    # The production profile (`gongzhi check --deploy` reports nothing): HTTPS only, cookies
    # only over HTTPS, HSTS. Behind a TLS-terminating proxy set GONGZHI_PROXY_SSL_HEADER=1 so
    # the proxy's X-Forwarded-Proto is trusted (and only then).
    SECURE_SSL_REDIRECT = _env_bool("GONGZHI_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("GONGZHI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("GONGZHI_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("GONGZHI_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if _env_bool("GONGZHI_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Base-map tiles are a deployment setting: government intranets have their own tile server.
# Empty means no base map; the grid boundaries are drawn on a plain background.
GONGZHI_MAP_TILES_URL = os.environ.get("GONGZHI_MAP_TILES_URL", "")
GONGZHI_MAP_TILES_ATTRIBUTION = os.environ.get("GONGZHI_MAP_TILES_ATTRIBUTION", "")

# Working hours of a working day, local time, used by every deadline.
GONGZHI_WORK_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]

# Every line passes core.logs.MaskingFormatter: no ID number or phone in the logs (PIPL).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "masked": {"()": "gongzhi.core.logs.MaskingFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "masked_server": {"()": "gongzhi.core.logs.MaskingFormatter", "format": "[%(asctime)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "masked"},
        "server": {"class": "logging.StreamHandler", "formatter": "masked_server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers (console when DEBUG, mail to ADMINS) would bypass the masking.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}
