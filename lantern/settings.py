"""One environment-driven settings module for every deployment.

Safe defaults for the embedded run (`make run`: SQLite in var/): DEBUG is off unless DEBUG=1,
and the secret key and encryption keys are this install's own, generated at set-up into
var/secrets.env (mode 0600, never committed). Production sets LANTERN_ENV=production and must
provide SECRET_KEY and LANTERN_ENCRYPTION_KEYS in the environment; lantern.core.checks refuses
to start with development secrets, DEBUG, or e-mail/SMS backends that print or store messages.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured

from lantern.core.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    new_blind_index_key,
    new_encryption_key,
    new_secret_key,
    read_secrets_file,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("LANTERN_VAR_DIR", str(PROJECT_DIR / "var")) or "var")

LANTERN_ENV = env_str("LANTERN_ENV", "development")
PRODUCTION = LANTERN_ENV == "production"

# Outside production the per-install secrets file (`make setup` writes it) supplies what the
# environment does not. With neither (a test run, a bare checkout), this process makes up
# ephemeral secrets: safe, but data encrypted with them is unreadable after a restart.
SECRETS_FILE = Path(env_str("LANTERN_SECRETS_FILE", str(VAR_DIR / "secrets.env")))
_file_secrets = {} if PRODUCTION else read_secrets_file(SECRETS_FILE)
_secret_key = env_str("SECRET_KEY") or _file_secrets.get("SECRET_KEY")
_encryption_keys = env_str("LANTERN_ENCRYPTION_KEYS") or _file_secrets.get(
    "LANTERN_ENCRYPTION_KEYS"
)
_blind_index_key = env_str("LANTERN_BLIND_INDEX_KEY") or _file_secrets.get(
    "LANTERN_BLIND_INDEX_KEY"
)
LANTERN_EPHEMERAL_SECRETS = not PRODUCTION and not (
    _secret_key and _encryption_keys and _blind_index_key
)

# DEBUG only when asked for (DEBUG=1): it shows tracebacks and settings to anyone.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key or ("" if PRODUCTION else new_secret_key())
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Where links in e-mails and SMS point. Unset: the origin the server is reached at
# (lantern.core.site); production must set it (lantern.core.checks).
SITE_URL = (env_str("LANTERN_SITE_URL", "") or "").rstrip("/")

# Fernet keys for personal fields, newest first (comma-separated).
LANTERN_ENCRYPTION_KEYS = [
    key.strip()
    for key in (_encryption_keys or ("" if PRODUCTION else new_encryption_key())).split(",")
    if key.strip()
]

# The HMAC key of the blind indexes that let case aliases be searched without decrypting
# (lantern.cases.blind). Changing it makes every stored index unmatchable.
LANTERN_BLIND_INDEX_KEY = _blind_index_key or ("" if PRODUCTION else new_blind_index_key())

# Case documents: sealed files (each under its case's own key) in this folder, at most this
# many bytes each.
LANTERN_CASE_DOCUMENT_DIR = Path(
    env_str("LANTERN_CASE_DOCUMENT_DIR", str(VAR_DIR / "case-documents")) or "var/case-documents"
)
LANTERN_CASE_DOCUMENT_MAX_BYTES = env_int("LANTERN_CASE_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "lantern.core",
    "lantern.geography",
    "lantern.audit",
    "lantern.accounts",
    "lantern.directory",
    "lantern.matching",
    "lantern.notify",
    "lantern.consent",
    "lantern.referrals",
    "lantern.cases",
    "lantern.findhelp",
    "lantern.staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lantern.core.site.SiteOriginMiddleware",
    "lantern.core.csrf.LanternCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lantern.accounts.middleware.SessionSecurityMiddleware",
    # Every API 4xx below here (429 included) leaves in the one error shape.
    "lantern.core.api_errors.ApiErrorShapeMiddleware",
    "lantern.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lantern.core.middleware.PrivacyHeadersMiddleware",
    "lantern.core.middleware.DomainErrorMiddleware",
    # Innermost: its 405 page still gets the headers the middleware above adds.
    "lantern.core.error_pages.ErrorPageMiddleware",
]

ROOT_URLCONF = "lantern.urls"
CSRF_FAILURE_VIEW = "lantern.core.error_pages.csrf_failure"
# Bodies above this answer 413 (lantern.core.error_pages, lantern.core.api_errors).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LANTERN_MAX_BODY_BYTES", 2_621_440)
WSGI_APPLICATION = "lantern.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "lantern.core.context_processors.safety",
                "lantern.staff.context_processors.staff_nav",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'lantern.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_SQLITE_URL) or DEFAULT_SQLITE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the provider page and the API write while pages read.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: Lantern's queries are short, and the planner's cost estimates for the
    # matching query (JSON rules, per-row subqueries) trigger half a second of compiling
    # for twenty milliseconds of work.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end assets come from npm at set-up time (`make setup` runs `npm ci`).
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / folder)
    for prefix, folder in [("vendor/htmx", "htmx.org/dist"), ("vendor/leaflet", "leaflet/dist")]
    if (NODE_MODULES / folder).is_dir()
]
WHITENOISE_USE_FINDERS = not PRODUCTION
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The base map's state and county outlines, built at set-up (`lantern geography build`) and
# served like the npm assets, under static/geography/ (lantern/geography/build.py).
LANTERN_GEOGRAPHY_DIR = Path(
    env_str("LANTERN_GEOGRAPHY_DIR", str(VAR_DIR / "geography")) or VAR_DIR / "geography"
)
LANTERN_GEOGRAPHY_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS.append(("geography", LANTERN_GEOGRAPHY_DIR))
WHITENOISE_MIMETYPES = {".geojson": "application/geo+json"}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("LANTERN_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: our own origin only, scripts only from files (no inline script,
# no eval), a per-response nonce for the rare element that needs one, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Caches hold rate-limit counters; they must be shared between processes in production.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": False},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Rendered directory documents live here too (lantern.directory.doccache).
            "OPTIONS": {"MAX_ENTRIES": env_int("LANTERN_LOCMEM_MAX_ENTRIES", 50_000)},
        }
    }
# How long a rendered directory document may sit in the cache unread (seconds); any write
# to the directory makes earlier documents unreachable at once, whatever this says.
LANTERN_DIRECTORY_DOC_TTL = env_int("LANTERN_DIRECTORY_DOC_TTL", 6 * 3600)

# Named rate limits, the one place they are set ("count/period", period s, m, h or d).
# Keys are a salted hash of the client address (or the account), never the address itself.
LANTERN_RATE_LIMITS = {
    "login": env_str("LANTERN_RATE_LOGIN", "5/15m"),
    "login_ip": env_str("LANTERN_RATE_LOGIN_IP", "30/15m"),
    "otp": env_str("LANTERN_RATE_OTP", "5/15m"),
    "token": env_str("LANTERN_RATE_TOKEN", "600/m"),
    "anonymous_api": env_str("LANTERN_RATE_ANON_API", "120/m"),
    "anonymous_pages": env_str("LANTERN_RATE_ANON_PAGES", "120/m"),
    "one_tap": env_str("LANTERN_RATE_ONE_TAP", "30/m"),
    # Survivors asking an advocate for help: generous for a person, tight for a flood.
    "help_request": env_str("LANTERN_RATE_HELP_REQUEST", "10/h"),
}
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# Two-factor authentication (TOTP) for every account: every role can see personal data
# (referrals, cases) or change what survivors are shown.
OTP_TOTP_ISSUER = "Lantern"
LANTERN_SESSION_IDLE_SECONDS = env_int("LANTERN_SESSION_IDLE_SECONDS", 30 * 60)
LANTERN_REAUTH_SECONDS = env_int("LANTERN_REAUTH_SECONDS", 5 * 60)
# How long an invitation link works (it works once).
LANTERN_INVITATION_DAYS = env_int("LANTERN_INVITATION_DAYS", 7)

# Background tasks (django-tasks): notifications are handed to the task backend once the
# change that causes them has committed. "immediate" runs them in the request (embedded
# run, tests); "database" queues them in PostgreSQL for `lantern db_worker`.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
LANTERN_TASKS = env_str("LANTERN_TASKS", "immediate")
if LANTERN_TASKS not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"LANTERN_TASKS must be one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[LANTERN_TASKS]}}

# Referrals. A hold keeps one unit of capacity for the person while the provider answers.
# An unviewed referral reminds the provider again after REMIND minutes and alerts the
# coalition admins after ESCALATE minutes; an unanswered one expires after EXPIRE hours.
# Personal items are purged RETENTION days after a referral reaches a final state.
LANTERN_REFERRAL_HOLD_MINUTES = env_int("LANTERN_REFERRAL_HOLD_MINUTES", 90)
# The receiving staff are told this long before a hold on an unanswered referral lapses.
LANTERN_REFERRAL_HOLD_WARN_MINUTES = env_int("LANTERN_REFERRAL_HOLD_WARN_MINUTES", 15)
# Concurrent active holds on one service: per referrer, and per referring organization
# this percentage of the service's places (at least 1).
LANTERN_REFERRAL_HOLDS_PER_REFERRER = env_int("LANTERN_REFERRAL_HOLDS_PER_REFERRER", 2)
LANTERN_REFERRAL_HOLDS_ORGANIZATION_PERCENT = env_int(
    "LANTERN_REFERRAL_HOLDS_ORGANIZATION_PERCENT", 50
)
LANTERN_REFERRAL_REMIND_MINUTES = env_int("LANTERN_REFERRAL_REMIND_MINUTES", 30)
LANTERN_REFERRAL_ESCALATE_MINUTES = env_int("LANTERN_REFERRAL_ESCALATE_MINUTES", 120)
LANTERN_REFERRAL_EXPIRE_HOURS = env_int("LANTERN_REFERRAL_EXPIRE_HOURS", 72)
LANTERN_REFERRAL_RETENTION_DAYS = env_int("LANTERN_REFERRAL_RETENTION_DAYS", 30)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@lantern.test")

# Logs carry no personal data, tokens, IP addresses or request bodies: Django's request
# logger (which prints paths with query strings) is silenced; our own loggers log ids only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django.request": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "lantern": {"handlers": ["console"], "level": env_str("LANTERN_LOG_LEVEL", "INFO")},
    },
}

# --- Lantern -----------------------------------------------------------------------------

# Freshness bands for capacity, in hours: fresh below the first, aging up to the second,
# stale beyond. "default" applies to every service type not listed.
LANTERN_FRESHNESS_HOURS: dict[str, tuple[float, float]] = {
    "default": (2.0, 8.0),
    # A hotline is staffed around the clock and its "capacity" is lines open, so a
    # count older than an hour is already doubtful.
    "hotline": (1.0, 4.0),
    # Long-term programs change slowly; a daily update is enough.
    "residential-program": (24.0, 72.0),
}
LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM = 5
# For a safe place tonight, places farther than this come after every place within it,
# labelled "farther away" (docs/ranking.md). A whole number of km, 1 to 20000.
LANTERN_TRAVEL_RADIUS_KM = env_int("LANTERN_TRAVEL_RADIUS_KM", 80)
if not 1 <= LANTERN_TRAVEL_RADIUS_KM <= 20_000:
    raise ImproperlyConfigured(
        f"LANTERN_TRAVEL_RADIUS_KM must be a whole number of km from 1 to 20000, "
        f"got {LANTERN_TRAVEL_RADIUS_KM}"
    )
LANTERN_LISTING_VERIFY_MONTHS = env_int("LANTERN_LISTING_VERIFY_MONTHS", 6)
LANTERN_ONE_TAP_LINK_HOURS = env_int("LANTERN_ONE_TAP_LINK_HOURS", 24)
LANTERN_REMINDER_COOLDOWN_HOURS = env_int("LANTERN_REMINDER_COOLDOWN_HOURS", 4)
LANTERN_SMS_BACKEND = env_str("LANTERN_SMS_BACKEND", "lantern.notify.sms.ConsoleSmsBackend")
LANTERN_SMS_FILE_PATH = env_str("LANTERN_SMS_FILE_PATH", str(VAR_DIR / "sms.log"))
# The real SMS provider adapter (LANTERN_SMS_BACKEND = "lantern.notify.sms.HttpSmsBackend")
# posts each message as JSON to this URL with the token as a bearer credential.
LANTERN_SMS_HTTP_URL = env_str("LANTERN_SMS_HTTP_URL", "") or ""
LANTERN_SMS_HTTP_TOKEN = env_str("LANTERN_SMS_HTTP_TOKEN", "") or ""
LANTERN_SMS_FROM = env_str("LANTERN_SMS_FROM", "") or ""
# Consent to share personal items must always expire; this is the longest it may run.
LANTERN_CONSENT_MAX_DAYS = env_int("LANTERN_CONSENT_MAX_DAYS", 365)
LANTERN_API_MAX_PER_PAGE = 100
# An API token's `last_used` is written at most this often (not on every request).
LANTERN_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
# Survivor pages. The quick exit ("Leave this site", Esc, Shift three times) replaces the page
# with this neutral public site. The help line is how a survivor reaches a service whose
# address is confidential. Synthetic numbers by default (555-01xx is reserved for fiction).
LANTERN_QUICK_EXIT_URL = env_str("LANTERN_QUICK_EXIT_URL", "https://www.weather.gov/")
LANTERN_HOTLINE_PHONE = env_str("LANTERN_HOTLINE_PHONE", "555-0100")
LANTERN_HOTLINE_TEXT = env_str("LANTERN_HOTLINE_TEXT", "555-0101")
# Map tiles for the advocate search, e.g. "https://tile.example.org/{z}/{x}/{y}.png". Empty:
# the map draws Lantern's own state and county outlines (LANTERN_GEOGRAPHY_DIR), so nothing
# leaves the server by default. A tile origin set here is added to the
# Content-Security-Policy img-src, and its tiles are drawn instead of the outlines.
LANTERN_MAP_TILE_URL = env_str("LANTERN_MAP_TILE_URL", "") or ""
LANTERN_MAP_TILE_ATTRIBUTION = env_str("LANTERN_MAP_TILE_ATTRIBUTION", "") or ""
if LANTERN_MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(LANTERN_MAP_TILE_URL)
    _directives: Any = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    _directives["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}")
LANTERN_DEMO_PASSWORD = env_str("LANTERN_DEMO_PASSWORD", "lantern-demo")
