"""archreview settings: one module, every deploy-specific value from the environment.

See README.md for the table of variables. Defaults are safe (DEBUG off) and need no server:
SQLite under var/ and a filesystem Celery broker under var/.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.env import env_bool, env_int, env_list, env_str
from config.private import DIR_MODE, FILE_MODE, PRIVATE_UMASK, private_dir, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ARCHREVIEW_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and (VAR_DIR / "secret_key").is_file():
    # Written by `make run` on first start, so manage.py works by hand afterwards too.
    SECRET_KEY = (VAR_DIR / "secret_key").read_text(encoding="utf-8").strip()
# mypy's Django plugin imports this module only to read the settings' types: no key needed.
TYPE_CHECKING_ONLY = "mypy" in sys.modules
if not SECRET_KEY:
    if not (DEBUG or TYPE_CHECKING_ONLY):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=true for "
            "local development. `make run` writes one to var/secret_key for you."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only with DEBUG on or mypy
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles, fewer files collected
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 CSS/JS served locally, no CDN
    "config",  # operational model, tasks and commands (worker heartbeat, ensure_admin)
    "questions",
    "reviews",
    "accounts",  # audit trail; sign-in, sessions, SSO and throttling
    "webhooks",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served locally, no CDN
    "api",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
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
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.AdminMFAMiddleware",
    "accounts.middleware.ThrottledMiddleware",
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
                "accounts.context_processors.sso",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# Unset DATABASE_URL: an SQLite file under var/, in WAL mode with a busy timeout so that the
# web process and the Celery worker can both write to it.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    # Created owner-only before SQLite opens it: SQLite gives its -wal and -shm files the
    # database file's mode.
    private_dir(VAR_DIR)
    private_file(VAR_DIR / "archreview.sqlite3")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "archreview.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# The answer path's hand-written statements run with server-side parameters, so PostgreSQL
# prepares them (config/rawsql.py). Off behind a pooler that cannot keep prepared statements
# (PgBouncer in transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# allauth's backend alone (it extends ModelBackend): it signs in by username or e-mail, and a
# second backend would hash a wrong password twice.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "reviews:dashboard"
LOGOUT_REDIRECT_URL = "account_login"
# A styled page that says how to retry, instead of Django's page for developers.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# --- Accounts (django-allauth): sign-in, password reset, MFA, single sign-on ---------------------
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # admins and invitations vouch for addresses
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # the user's other sessions end; this one stays
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[archreview] "
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no mail to an address nobody here uses
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Failed sign-ins: 10 per account and 30 per client address in 5 minutes, then HTTP 429 until
# the oldest failure leaves the window (accounts/throttle.py). Counted before the password is
# hashed, so a refused try costs no hash.
SIGNIN_FAILURES_PER_ACCOUNT = env_int("SIGNIN_FAILURES_PER_ACCOUNT", 10)
SIGNIN_FAILURES_PER_ADDRESS = env_int("SIGNIN_FAILURES_PER_ADDRESS", 30)
SIGNIN_FAILURE_WINDOW = env_int("SIGNIN_FAILURE_WINDOW", 300)  # seconds
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": (
        f"{SIGNIN_FAILURES_PER_ADDRESS}/{SIGNIN_FAILURE_WINDOW}s/ip,"
        f"{SIGNIN_FAILURES_PER_ACCOUNT}/{SIGNIN_FAILURE_WINDOW}s/key"
    ),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "20/m/ip",
    # Invitation acceptance (accounts.throttle.limit_or_raise with action="accept_invitation").
    "accept_invitation": "20/5m/ip,10/5m/key",
}
# Sessions end after this long without a request, and in any case this long after sign-in.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 8 * 3600)
SESSION_MAX_AGE = env_int("SESSION_MAX_AGE", 14 * 24 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
# Two-factor: TOTP with recovery codes for everyone who wants it; required of admins (staff)
# when MFA_REQUIRED_FOR_ADMINS is on.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "archreview"
MFA_REQUIRED_FOR_ADMINS = env_bool("MFA_REQUIRED_FOR_ADMINS", False)
# Single sign-on (OpenID Connect), on when OIDC_ISSUER is set.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_BUTTON_LABEL = env_str("OIDC_BUTTON_LABEL", "Sign in with single sign-on")
OIDC_CREATE_USERS = env_bool("OIDC_CREATE_USERS", False)
OIDC_DEFAULT_TEAM = env_str("OIDC_DEFAULT_TEAM")
OIDC_DEFAULT_ROLE = env_str("OIDC_DEFAULT_ROLE", "architect")
PASSWORD_SIGN_IN = env_bool("PASSWORD_SIGN_IN", True)
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too")
if not PASSWORD_SIGN_IN and not OIDC_ISSUER:
    raise ImproperlyConfigured("PASSWORD_SIGN_IN=false needs single sign-on (OIDC_ISSUER)")
SOCIALACCOUNT_ONLY = not PASSWORD_SIGN_IN  # SSO only: no password form, no reset
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # matched by accounts.adapters, never wipes a password
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Verifies the ID token's signature always, the discovery issuer and the nonce.
        "provider_class": "accounts.oidc.StrictOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": OIDC_BUTTON_LABEL,
                    "client_id": OIDC_CLIENT_ID,
                    "secret": OIDC_CLIENT_SECRET,
                    "settings": {"server_url": OIDC_ISSUER, "fetch_userinfo": False},
                }
            ]
            if OIDC_ISSUER
            else []
        ),
    }
}

# --- E-mail -----------------------------------------------------------------------------------
# Nothing configured: mails are printed on the console (so `make run` shows reset links).
# EMAIL_URL (smtp://user:password@host:port, smtp+tls://... for STARTTLS, smtps://... for TLS)
# or EMAIL_HOST and friends choose an SMTP server. Private and loopback hosts are refused unless
# EMAIL_ALLOW_PRIVATE_HOSTS is on (a local relay).
EMAIL_URL = env_str("EMAIL_URL")
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_URL:
    from accounts.mail import parse_email_url

    (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL) = (
        parse_email_url(EMAIL_URL)
    )
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_ALLOW_PRIVATE_HOSTS = env_bool("EMAIL_ALLOW_PRIVATE_HOSTS", False)
EMAIL_BACKEND = (
    "accounts.mail.GuardedSMTPBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "archreview <archreview@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache (rate limits, API throttling; shared by every web process) ----------------------
# Unset CACHE_URL: a table in the database (created by the accounts migrations); redis://... to
# use Redis.
CACHE_URL = env_str("CACHE_URL")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif not CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "archreview_cache",
            # Never cull live counters: at the default 300 entries a flood of names or
            # addresses would evict an account's lock (expired entries are removed first).
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use redis://host:6379/N or leave unset")
# API throttling (api/throttling.py): Redis when CACHE_URL is set, else per-process memory.
CACHES["api"] = (
    dict(CACHES["default"])
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
)

# Question banks of published lens versions built once per process (reviews/selectors.py): at
# most this many versions are kept, least recently used dropped first.
BANK_CACHE_SIZE = env_int("BANK_CACHE_SIZE", 64)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and storage -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Reports are private: they are stored through the storage API and streamed by an
# authenticated view, never served from a public media URL.
MEDIA_URL = None
# Reports (and anything else stored) are written 0600 in 0700 folders, whatever the umask.
FILE_UPLOAD_PERMISSIONS = FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = DIR_MODE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("ARCHREVIEW_TESTING", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
        # Static files are public, and the image collects them as root for another user:
        # not the private modes above (FILE_UPLOAD_PERMISSIONS would apply otherwise).
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}

# Source maps are only read by browser developer tools; compressing them (brotli) was half of
# collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Every reference goes through {% static %} (hashed names), so the unhashed copies are never
# served; not keeping them halves what is compressed.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
if env_bool("ARCHREVIEW_TESTING", False):
    # Tests run without collectstatic: whitenoise serves from the finders, as in development,
    # instead of warning about a missing STATIC_ROOT.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    # Never the STATIC_ROOT that `make run` collected into: whitenoise prefers it to the
    # finders, so browser tests and screenshots would see an older copy of our CSS.
    STATIC_ROOT = VAR_DIR / "test-staticfiles-unused"

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- HTTPS and security -----------------------------------------------------------------------
# Behind a TLS-terminating proxy set SECURE_SSL_REDIRECT=true and SECURE_PROXY_SSL_HEADER=true.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Health probes from inside the container network speak plain HTTP to the app directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on every response, app and admin: scripts, styles, images
# and fonts only from our own origin, no inline code, no eval (htmx runs with allowEval off,
# see templates/base.html). Bootstrap's CSS draws its form controls with data: SVG images.
# Violations are posted to our own endpoint, which logs them (config.views.csp_report).
# Browsers also apply form-action to the redirect that follows a form's submission: the single
# sign-on button redirects to the identity provider (OIDC_ISSUER's origin is added; add others,
# such as an authorization endpoint on another host, to CSP_FORM_ACTION).
_sso_origins = ["{0.scheme}://{0.netloc}".format(urlsplit(OIDC_ISSUER))] if OIDC_ISSUER else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_sso_origins, *env_list("CSP_FORM_ACTION", [])],
        "report-uri": ["/csp-report/"],
    },
}
# Powerful browser features archreview never uses, off for our pages and anything they embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# --- REST API (api/) ---------------------------------------------------------------------------
# Requests per token (or per signed-in user) and period: "600/min", "10000/hour"; empty: off.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token scheme first, so a request without credentials gets 401 + WWW-Authenticate.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "archreview API",
    "DESCRIPTION": (
        "Everything the browser can do, for pipelines and scripts. Authenticate with a "
        "personal API token (`Authorization: Bearer arv_...`) or the browser session. "
        "Errors are `application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ItemStatusEnum": "reviews.models.ITEM_STATUS_CHOICES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
}

# --- Celery -----------------------------------------------------------------------------------
# Unset CELERY_BROKER_URL: kombu's filesystem transport under var/, which needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        private_dir(_broker_dir / _sub)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # else "control/" in the cwd
        "store_processed": False,
        # The worker lists the folder this often; the default second makes every task wait.
        "polling_interval": 0.2,
    }
else:
    # A task whose worker is lost is redelivered after this many seconds (Redis transport).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
        # kombu looks for such tasks every 10 s but, by default, scans Redis only on every
        # 10th look: a lost task would wait up to 100 s past its timeout. One cheap scan
        # (a ZRANGE under a lock) every 10 s per worker instead.
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
if not DATABASE_URL or CELERY_BROKER_URL == "filesystem://":
    # Local mode writes under var/ through code that takes the process umask (kombu's message
    # files, celery beat's schedule): owner-only for everything this process creates.
    os.umask(PRIVATE_UMASK)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # the database row is the truth for every job we run
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)  # KiB
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost the broker tries again every 1, 2... up to CELERY_BROKER_RECONNECT_MAX s
# (config/worker.py; Celery's own back-off reaches 30 s), for as long as it takes.
CELERY_WORKER_CONSUMER = "config.worker:Consumer"
CELERY_BROKER_RECONNECT_MAX = env_int("CELERY_BROKER_RECONNECT_MAX", 3)
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE") or "celery"
if env_bool("ARCHREVIEW_TESTING", False) and os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel test processes share one Redis: each gets its own queue, so a live worker
    # started by one never takes (or purges) another's messages.
    CELERY_TASK_DEFAULT_QUEUE += "-" + os.environ["PYTEST_XDIST_WORKER"]

# --- Reports ----------------------------------------------------------------------------------
# A render holds a lease of REPORT_LEASE s, renewed every REPORT_HEARTBEAT_INTERVAL s; a report
# whose lease expired (its worker died) is taken over by a redelivered message or by the sweep
# (every REPORT_SWEEP_INTERVAL s), which also re-queues one left queued longer than
# REPORT_QUEUE_TIMEOUT (its message was lost). A transient error releases the report and
# retries it after 1, 2, 4... s (at most REPORT_RETRY_BACKOFF_MAX); after REPORT_MAX_ATTEMPTS
# claims the report is failed with a retry offered.
REPORT_SOFT_TIME_LIMIT = env_int("REPORT_SOFT_TIME_LIMIT", 60)
REPORT_TIME_LIMIT = env_int("REPORT_TIME_LIMIT", 90)
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3)
REPORT_LEASE = env_int("REPORT_LEASE", 15)
REPORT_HEARTBEAT_INTERVAL = env_int("REPORT_HEARTBEAT_INTERVAL", 5)
REPORT_RETRY_BACKOFF_MAX = env_int("REPORT_RETRY_BACKOFF_MAX", 30)
REPORT_QUEUE_TIMEOUT = env_int("REPORT_QUEUE_TIMEOUT", 900)
REPORT_SWEEP_INTERVAL = env_int("REPORT_SWEEP_INTERVAL", 5)

# --- Outbox (config/outbox.py) ------------------------------------------------------------------
# Messages are published right after their transaction commits; what the broker refused then is
# published by the relay every OUTBOX_RELAY_INTERVAL s. After a failed publish a process skips
# the at-once path for 1, 2, 4... up to OUTBOX_BACKOFF_MAX s.
OUTBOX_RELAY_INTERVAL = env_int("OUTBOX_RELAY_INTERVAL", 5)
OUTBOX_BACKOFF_MAX = env_int("OUTBOX_BACKOFF_MAX", 30)

# Limits: a report of the same workload and milestone still queued or rendering is returned
# instead of a new one; at most REPORT_RATE_PER_USER / REPORT_RATE_PER_TEAM new reports per
# REPORT_RATE_WINDOW seconds. Retention: a ready report's file is removed (its row kept, marked
# "removed") once it is older than REPORT_KEEP_DAYS and not among its workload's
# REPORT_KEEP_LAST latest, checked every REPORT_RETENTION_INTERVAL seconds.
REPORT_RATE_WINDOW = env_int("REPORT_RATE_WINDOW", 3600)
REPORT_RATE_PER_USER = env_int("REPORT_RATE_PER_USER", 20)
REPORT_RATE_PER_TEAM = env_int("REPORT_RATE_PER_TEAM", 60)
REPORT_KEEP_LAST = env_int("REPORT_KEEP_LAST", 5)
REPORT_KEEP_DAYS = env_int("REPORT_KEEP_DAYS", 30)
REPORT_RETENTION_INTERVAL = env_int("REPORT_RETENTION_INTERVAL", 3600)
# Consolidated reports (many workloads of one team): at most CONSOLIDATED_MAX_WORKLOADS
# workloads in one, at most CONSOLIDATED_RATE_PER_TEAM new ones per team per REPORT_RATE_WINDOW.
CONSOLIDATED_MAX_WORKLOADS = env_int("CONSOLIDATED_MAX_WORKLOADS", 500)
CONSOLIDATED_RATE_PER_TEAM = env_int("CONSOLIDATED_RATE_PER_TEAM", 10)
# Audit events older than this many days are deleted by a daily beat task (0: kept forever).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 400)
# Lens files one user may import (admin, API) or export per LENS_RATE_WINDOW seconds.
LENS_RATE_WINDOW = env_int("LENS_RATE_WINDOW", 3600)
LENS_RATE_PER_USER = env_int("LENS_RATE_PER_USER", 30)
# The organisation named on every report's cover and page footer, and its logo (a PNG, JPEG or
# SVG file of at most 512 KB, read by the worker when it renders).
ARCHREVIEW_ORG_NAME = env_str("ARCHREVIEW_ORG_NAME", "")[:100]
ARCHREVIEW_ORG_LOGO = env_str("ARCHREVIEW_ORG_LOGO", "")
if ARCHREVIEW_ORG_LOGO:
    _logo = Path(ARCHREVIEW_ORG_LOGO)
    if _logo.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg") or not _logo.is_file():
        raise ImproperlyConfigured(
            f"ARCHREVIEW_ORG_LOGO={ARCHREVIEW_ORG_LOGO!r} must name a .png, .jpg or .svg file."
        )
    if _logo.stat().st_size > 512 * 1024:
        raise ImproperlyConfigured("ARCHREVIEW_ORG_LOGO is larger than 512 KB.")
CELERY_BEAT_SCHEDULE = {
    "report-sweep": {
        "task": "reviews.tasks.sweep_reports",
        "schedule": float(REPORT_SWEEP_INTERVAL),
        "options": {"expires": float(REPORT_SWEEP_INTERVAL)},
    },
    "outbox-relay": {
        "task": "config.tasks.relay_outbox",
        "schedule": float(OUTBOX_RELAY_INTERVAL),
        # A tick that waited longer than the interval is replaced by the next one.
        "options": {"expires": float(OUTBOX_RELAY_INTERVAL)},
    },
    "audit-retention": {
        "task": "accounts.tasks.expire_audit_events",
        "schedule": 86400.0,
        "options": {"expires": 86400.0},
    },
    "report-retention": {
        "task": "reviews.tasks.expire_reports",
        "schedule": float(REPORT_RETENTION_INTERVAL),
        "options": {"expires": float(REPORT_RETENTION_INTERVAL)},
    },
}

# --- Webhooks ---------------------------------------------------------------------------------
# Deliveries never reach loopback, private, link-local or other non-public addresses unless a
# network here names them (comma-separated addresses or CIDR ranges, e.g. "10.20.0.0/16").
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
try:
    for _network in WEBHOOK_ALLOWED_NETWORKS:
        ipaddress.ip_network(_network, strict=False)
except ValueError as _exc:
    raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_NETWORKS: {_exc}") from _exc
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 5)  # seconds, per address
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT", 10)  # seconds for a whole response
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_BACKOFF = env_int("WEBHOOK_RETRY_BACKOFF", 10)  # seconds; doubles each retry
WEBHOOK_RETRY_BACKOFF_MAX = env_int("WEBHOOK_RETRY_BACKOFF_MAX", 300)  # < visibility timeout
# Four hops (redirects) at most, each bounded by the two timeouts above.
WEBHOOK_TASK_TIME_LIMIT = 4 * (WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_READ_TIMEOUT) + 10
WEBHOOK_STALE_AFTER = WEBHOOK_TASK_TIME_LIMIT + 60  # "sending" this long: its worker died
WEBHOOK_QUEUE_TIMEOUT = env_int("WEBHOOK_QUEUE_TIMEOUT", 300)  # "pending" past due this long
CELERY_BEAT_SCHEDULE["reopen-expired-items"] = {
    "task": "reviews.tasks.reopen_expired_items",
    "schedule": 3600.0,  # hourly: an acceptance ends at most an hour after its date passes
}
CELERY_BEAT_SCHEDULE["item-reminders"] = {
    "task": "reviews.tasks.send_item_reminders",
    "schedule": 86400.0,  # daily
}
# The site's address, for links in mails sent without a request (daily reminders).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
CELERY_BEAT_SCHEDULE["webhook-sweep"] = {
    "task": "webhooks.tasks.sweep_webhook_deliveries",
    "schedule": 60.0,
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs a dozen progress lines per PDF at INFO; its warnings still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
