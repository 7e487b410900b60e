"""Settings, all operator-set values read from the environment (django-environ).

Local defaults need no server: SQLite under var/, a filesystem Celery broker
under var/, mails printed on the console. Production sets DATABASE_URL,
REDIS_URL, EMAIL_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# All local state (SQLite, broker folders, uploads) lives under VAR_DIR, git-ignored.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# A developer's var/.env (written by `scripts/dev.py run`); real variables take precedence.
if (VAR_DIR / ".env").exists():
    env.read_env(str(VAR_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.admin_site.TrackerAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "core",
    "regions",
    "tasks_app",
    "notify",
    "reporting",
    "hooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # static files straight from the WSGI server, compressed and with far-future caching
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last: turns a locked-out login into the lockout page (429)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "notify.context_processors.bell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: wait for locks, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "regions.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins are counted per user name and per address (django-axes, in the database, so
# every web process sees them); past the limit the login is refused for a while, or until a
# coordinator lifts it (用户 → 解除登录锁定). A successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = __import__("datetime").timedelta(
    minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time ------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # hashed names (so they can be cached for a year) from `collectstatic`; with DEBUG on,
    # files are served from the apps as they are
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- mail ------------------------------------------------------------------
# Default: print mails on the console, so a first run shows what it would send.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 (just set)
    EMAIL_BACKEND = "notify.backends.ReadableConsoleBackend"  # decoded, as a person reads it
elif EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_BACKEND = "notify.backends.SMTPBackend"  # Django's, each address sanitised once
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="工作要点督办系统 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # Embedded broker: kombu's filesystem transport needs no server process.
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("queue", "control", "results"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
# Several installations can share one Redis by giving each its own queue.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST framework ------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that an anonymous call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Request rates per user (token or session) and per address for anonymous calls;
    # wrong tokens are limited per address by config.authentication.GuardedTokenAuthentication.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="30/min"),
        "user": env("API_USER_RATE", default="1200/min"),
    },
}
# Wrong API tokens allowed per address within the window before 429.
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW = env.int("API_TOKEN_FAILURE_WINDOW", default=600)  # seconds

# Throttle counters live in the cache: Redis when configured (shared by every web
# process), memory otherwise (the one process of a first run).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
SPECTACULAR_SETTINGS = {
    "TITLE": "工作要点督办系统 API",
    "DESCRIPTION": (
        "交办事项、进展反馈、延期申请与审核。认证:会话或 Token(Authorization: Token <key>)。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc served from our own static files, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its docs describe our data model: for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- security (production: DEBUG off) ----------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    # Trust the proxy's X-Forwarded-Proto (and its X-Forwarded-For, for counting failed
    # logins per address) only when the operator says there is one.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    REST_FRAMEWORK["NUM_PROXIES"] = 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- work-plan import ----------------------------------------------------------------------
# Uploads above the limit are refused by their size, before they are read.
WORKPLAN_MAX_UPLOAD_BYTES = env.int("WORKPLAN_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Documents above this size parse in a Celery task while the page shows progress.
WORKPLAN_SYNC_PARSE_MAX_BYTES = env.int("WORKPLAN_SYNC_PARSE_MAX_BYTES", default=512 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # pasted text
# Uploaded documents parse in a child process with these limits (tasks_app.parse_sandbox).
PARSE_MEMORY_LIMIT_MB = env.int("PARSE_MEMORY_LIMIT_MB", default=1024)
PARSE_TIME_LIMIT_SECONDS = env.int("PARSE_TIME_LIMIT_SECONDS", default=120)

# --- tracking -----------------------------------------------------------------------------
# Yellow light: due within this many working days.
DUE_SOON_WORKDAYS = env.int("DUE_SOON_WORKDAYS", default=5)
# An assignment in progress with no report for this many days is "stalled".
STALLED_AFTER_DAYS = env.int("STALLED_AFTER_DAYS", default=30)
# Evidence files: size limit and the types accepted (checked by content, not only by name).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)

# --- reminders ------------------------------------------------------------------------------
# Beat runs the sweep at this time (Asia/Shanghai) every day; it does nothing on non-working days.
REMINDER_SWEEP_TIME = env("REMINDER_SWEEP_TIME", default="08:30")
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=200)
# Rows the outbox claims, sends and stamps in one transaction (the at-least-once window).
OUTBOX_CHUNK = env.int("OUTBOX_CHUNK", default=200)
# A notice delivery still unsent this many seconds after it was queued (or last tried, plus
# the retry's backoff) is queued again by beat: the batch of a worker that was killed.
OUTBOX_STALE_AFTER = env.int("OUTBOX_STALE_AFTER", default=600)
# The outbox's first retry waits this many seconds, each next one twice as long.
OUTBOX_RETRY_BASE = env.int("OUTBOX_RETRY_BASE", default=60)

# --- webhooks (hooks) -------------------------------------------------------------------------
# An endpoint that fails this many deliveries in a row is disabled (its coordinators told).
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=10)
# Seconds to connect, and to wait for each read, of one webhook call.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
# Loopback, private, link-local … addresses are refused (no server-side request forgery)
# unless this allows them (a test's local server, an intranet deployment that means it).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# Links in mails point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# SMS through an HTTP gateway (notify/channels.py): where to POST, the key that signs each
# request, the signature the text opens with and the text's shape; unset: no SMS is sent
# (each SMS delivery fails with the reason, visible in the admin).
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env("SMS_GATEWAY_KEY", default="")
SMS_SIGN = env("SMS_SIGN", default="政务公开办")
SMS_TEMPLATE = env("SMS_TEMPLATE", default="【{sign}】{title} {link}")
# How long an invitation link (set your password) stays valid, in days.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# Ledgers up to this many rows download at once; larger ones are built by a worker.
LEDGER_SYNC_MAX_ROWS = env.int("LEDGER_SYNC_MAX_ROWS", default=5000)

# --- bulletins -------------------------------------------------------------------------------
# Beat drafts last month's bulletins on this day of each month, at 09:00.
BULLETIN_DRAFT_DAY = env.int("BULLETIN_DRAFT_DAY", default=1)

# The audit history is read only: changes go through the services, never "revert".
SIMPLE_HISTORY_REVERT_DISABLED = True
