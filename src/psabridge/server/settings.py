"""Django settings, read only from the environment (secrets also from NAME_FILE)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import limits
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Return a strictly parsed boolean environment variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def env_number(name: str, default: float, kind: type[int] | type[float] = float) -> Any:
    """Return a numeric environment variable, or a clear error naming it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return kind(default)
    try:
        return kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def env_secret(name: str) -> str | None:
    """Return a secret from NAME, or from the file named by NAME_FILE."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return None


def dev_secret(path: Path, make: str) -> str:
    """Return a development secret kept in the data directory, creating it once."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        value = Fernet.generate_key().decode() if make == "fernet" else secrets.token_urlsafe(50)
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


DATA_DIR = Path(os.environ.get("PSABRIDGE_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
PRODUCTION = env_bool("PSABRIDGE_PRODUCTION", False)
DEBUG = env_bool("PSABRIDGE_DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY") or ""
ENCRYPTION_KEY = env_secret("PSABRIDGE_ENCRYPTION_KEY") or ""
if PRODUCTION and not (SECRET_KEY and ENCRYPTION_KEY):
    raise ImproperlyConfigured(
        "PSABRIDGE_PRODUCTION is on: set SECRET_KEY and PSABRIDGE_ENCRYPTION_KEY (or their _FILE)"
    )
SECRET_KEY = SECRET_KEY or dev_secret(DATA_DIR / "secret_key", "token")
ENCRYPTION_KEY = ENCRYPTION_KEY or dev_secret(DATA_DIR / "encryption_key", "fernet")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PSABRIDGE_ALLOWED_HOSTS", "*").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PSABRIDGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
PUBLIC_URL = os.environ.get("PSABRIDGE_PUBLIC_URL", "").rstrip("/")
MSP_TIME_ZONE = os.environ.get("PSABRIDGE_TIME_ZONE", "UTC")
# Notes for one endpoint and alert kind are coalesced over this many seconds (R5.10).
NOTE_COALESCE_SECONDS = env_number("PSABRIDGE_NOTE_COALESCE_SECONDS", 60)
# How long an outside call may take to answer (seconds); the connect timeout stays 5 s.
HTTP_READ_TIMEOUT = env_number("PSABRIDGE_HTTP_TIMEOUT", 30)
# Alert routers that may run at once (each takes other keys): a slow PSA call holds up its key.
ROUTERS = max(1, env_number("PSABRIDGE_ROUTERS", 2, int))
# /metrics answers without a token only when this says so (a scraper inside a trusted network).
METRICS_PUBLIC = env_bool("PSABRIDGE_METRICS_PUBLIC", False)
# The largest request body accepted (a push of GravityZone events above all): larger is 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_number("PSABRIDGE_MAX_BODY_BYTES", 10 * 1024 * 1024, int)
# Invoices one billing write call may carry (a PSA may take fewer: its write_batch_size).
BILLING_WRITE_BATCH = max(1, min(100, env_number("PSABRIDGE_BILLING_WRITE_BATCH", 100, int)))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # its own Swagger UI assets: /api/docs works with no network (no CDN)
    "psabridge.server.core",
    "psabridge.server.alerts",
    "psabridge.server.mappings",
    "psabridge.server.ticketing",
    "psabridge.server.billing",
    "psabridge.server.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "psabridge.server.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "psabridge.server.urls"
WSGI_APPLICATION = "psabridge.server.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "psabridge.server.core.context.navigation",
            ]
        },
    }
]

SQLITE_PATH = DATA_DIR / "psabridge.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent: closing the last SQLite connection checkpoints the WAL on every request.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    # WAL lets the web and the worker read while one writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("PSABRIDGE_HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("PSABRIDGE_QUEUE_NAME", "psabridge"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "results": False,  # no task's return value is ever read: storing them only grows
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "psabridge",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "results": False,
    }
# Every process counts its outside calls in one shared store: Redis across hosts, else a SQLite
# file in the data directory shared by the processes of this host (a restarted worker still
# sees the calls made before it started). `memory://` counts per process (tests may set it).
RATE_LIMIT_STORAGE = REDIS_URL or os.environ.get(
    "PSABRIDGE_RATE_STORAGE", f"sqlite://{DATA_DIR / 'ratelimit.sqlite3'}"
)
# A tenant's own limit where it differs from the reference's (PSABRIDGE_RATE_LIMIT_<SYSTEM>=
# "500/5 minutes"; an on-premises PSA may have none): it replaces the connector's limits.
RATE_LIMIT_PREFIX = "PSABRIDGE_RATE_LIMIT_"
RATE_LIMIT_OVERRIDES = {
    name[len(RATE_LIMIT_PREFIX) :].lower(): value
    for name, value in os.environ.items()
    if name.startswith(RATE_LIMIT_PREFIX) and value.strip()
}
for _system, _limit in RATE_LIMIT_OVERRIDES.items():
    try:
        limits.parse(_limit)
    except ValueError:
        raise ImproperlyConfigured(
            f'{RATE_LIMIT_PREFIX}{_system.upper()}: "{_limit}" is not a rate limit; '
            'write it as "500/5 minutes"'
        ) from None
# Sites sharing one Redis count apart: the rate keys carry the site's queue name.
RATE_KEY_PREFIX = f"LIMITS-{os.environ.get('PSABRIDGE_QUEUE_NAME', 'psabridge')}"
# With per-process memory counting each process may use only its share of a limit.
RATE_SHARE = (
    env_number("PSABRIDGE_RATE_SHARE", 1.0) if RATE_LIMIT_STORAGE.startswith("memory://") else 1.0
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("PSABRIDGE_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOG_LEVEL = os.environ.get("PSABRIDGE_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "psabridge.server.core.logs.RedactSecretsFilter"}},
    "formatters": {"structured": {"()": "psabridge.server.core.logs.KeyValueFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # A handler here stops run_huey from adding its own (which would log every task twice).
        "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
