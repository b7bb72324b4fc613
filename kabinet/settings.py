"""Kabinet settings: one file, driven by environment variables.

Every knob a deployment turns is an environment variable; the defaults give the
one-command demo (`make run`): SQLite under `var/`, mail written to `var/mail/`.
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KABINET_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# PRODUCTION=1 turns on the checks a real deployment must pass (secret key, no test modes).
PRODUCTION = env_bool("PRODUCTION")
_DEMO_KEY = "insecure-demo-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEMO_KEY)
if PRODUCTION and (DEBUG or SECRET_KEY == _DEMO_KEY):
    raise ImproperlyConfigured("PRODUCTION=1 needs DEBUG off and a SECRET_KEY of your own.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Links in e-mails point at SITE_URL: in production it must be the site's https address.
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("PRODUCTION=1 needs SITE_URL=https://… (the links in e-mails).")
if PRODUCTION and not os.environ.get("SMTP_URL"):
    raise ImproperlyConfigured(
        "PRODUCTION=1 needs SMTP_URL=smtp://…: activation and recovery mail must be sent."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "simple_history",
    "captcha",
    "axes",
    # Kabinet's apps, floor by floor (pyproject.toml's import-linter contract keeps it so).
    "kabinet.core",
    "kabinet.accounts",
    "kabinet.housing",
    "kabinet.meters",
    "kabinet.billing",
    "kabinet.payments",
    "kabinet.receipts",
    "kabinet.cabinet",
    "kabinet.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kabinet.core.middleware.StaticFilesMiddleware",  # WhiteNoise, without the manifest
    "kabinet.core.middleware.NoStoreMiddleware",  # Cache-Control: no-store, private
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kabinet.accounts.sessions.SessionTrackingMiddleware",  # "Активные сеансы"
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who changed a tariff, a payment…
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a login lockout into the lockout page
]

ROOT_URLCONF = "kabinet.urls"
WSGI_APPLICATION = "kabinet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kabinet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "kabinet.cabinet.context_processors.site",
            ],
            "builtins": ["kabinet.core.templatetags.ru_format"],
        },
    }
]

# --- database -------------------------------------------------------------
# SQLite file under var/ by default; DATABASE_URL=postgres://… switches everywhere.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kabinet.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site and the task worker share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the site's queries are short, and a cost estimate over the JIT threshold
    # (a big ledger, or statistics not yet gathered) made PostgreSQL spend 17 ms
    # compiling the account card's 0.1 ms query (bench/bench_account_card.py).
    postgres_options = DATABASES["default"].setdefault("OPTIONS", {})
    postgres_options["options"] = f"-c jit=off {postgres_options.get('options', '')}".strip()
    # Prepare statements on first use. Only server-binding cursors are ever prepared,
    # and only `core.prepared.PreparedQuery` opens those (the account pages' two hot
    # queries); Django's own cursors bind on the client. PgBouncer in transaction mode
    # needs 1.21 or later with max_prepared_statements set.
    postgres_options.setdefault("prepare_threshold", 0)
# The account pages' two hot queries compiled to SQL once per process
# (kabinet/core/prepared.py; off: the ORM builds them on every request).
PREPARED_QUERIES = env_bool("PREPARED_QUERIES", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "kabinet.accounts.validators.MaximumLengthValidator"},
    {"NAME": "kabinet.accounts.validators.VisiblePasswordValidator"},  # not 8 spaces
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cabinet:index"  # residents land on their account card
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    "kabinet.accounts.backends.ThrottleBackend",  # django-axes (login history only)
    "kabinet.accounts.backends.LoginBackend",  # login or e-mail, any case
]
ACCOUNT_ACTIVATION_TIMEOUT = int(os.environ.get("ACCOUNT_ACTIVATION_TIMEOUT", 3 * 24 * 3600))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 3600))  # seconds
ACCOUNT_MAIL_COOLDOWN = 60  # seconds between two activation / recovery e-mails to one user
ACCOUNT_REMEMBER_ME_AGE = 30 * 24 * 3600  # "Запомнить?" checked; unchecked: until browser closes
# Without "Запомнить?" the cookie ends with the browser and the server forgets the session
# after this long without a request (idle timeout; each use renews it, at most every
# ACCOUNT_SESSION_TOUCH_INTERVAL). With it: ACCOUNT_REMEMBER_ME_AGE without a request.
ACCOUNT_SESSION_IDLE_TIMEOUT = int(os.environ.get("ACCOUNT_SESSION_IDLE_TIMEOUT", 2 * 3600))
SESSION_COOKIE_AGE = ACCOUNT_SESSION_IDLE_TIMEOUT

# The profile (docs/profile.md).
# The link confirming a new e-mail address is valid this long, in seconds.
ACCOUNT_EMAIL_CHANGE_TIMEOUT = int(os.environ.get("ACCOUNT_EMAIL_CHANGE_TIMEOUT", 24 * 3600))
# A session's row in "Активные сеансы" is refreshed at most this often, in seconds.
ACCOUNT_SESSION_TOUCH_INTERVAL = 300
# Wrong current passwords in one session (changing e-mail or password, deleting the
# account) before that session is ended: a stolen session cannot guess the password.
ACCOUNT_PROFILE_PASSWORD_ATTEMPTS = 5
# A deleted user's consents are kept as proof of consent this many years (ГК РФ ст. 196,
# the limitation period), then `manage.py accounts_purge` deletes them.
ACCOUNT_CONSENT_PROOF_RETENTION_YEARS = 3

# Attaching a personal account (housing.services.account_attach): wrong proofs of the
# last payment within the window, by one user for one account or by one user in all, lock
# that user's further tries for the lockout's length. Every user's wrong proofs for one
# account only alert staff (the owner's right proof is never refused).
ACCOUNT_ATTACH_MAX_WRONG_PER_USER_ACCOUNT = 5
ACCOUNT_ATTACH_MAX_WRONG_PER_USER = 10
ACCOUNT_ATTACH_ALERT_PER_ACCOUNT = 5
ACCOUNT_ATTACH_WINDOW = timedelta(hours=1)
ACCOUNT_ATTACH_LOCKOUT = timedelta(hours=1)
# Attach attempts are kept this long (an audit trail), then `manage.py housing_purge`.
ACCOUNT_ATTACH_ATTEMPT_RETENTION = timedelta(days=180)

# Login throttling (kabinet/accounts/throttle.py, docs/security.md). Failures within the
# window are counted by login, by address + login and by address. A login's own count only
# ever asks for a CAPTCHA: a stranger can slow an attack on a login, never shut its owner
# out. A lock applies to the guesser's address (with that login, or for every login once
# the address fails too often) and ends by itself. The back office has its own limits.
ACCOUNT_LOGIN_WINDOW = timedelta(minutes=15)
ACCOUNT_LOGIN_LIMITS = {
    "site": {
        "captcha_per_login": 3,
        "captcha_per_address": 5,
        "lock_per_address_login": 10,
        "lock_per_address": 50,
    },
    "admin": {
        "captcha_per_login": 1,
        "captcha_per_address": 2,
        "lock_per_address_login": 5,
        "lock_per_address": 20,
    },
}
# Failed logins (a keyed digest of the login, the address, the time) are deleted after this,
# the login history (django-axes' AccessLog: time, address, browser) after that, by
# `manage.py accounts_purge` (daily).
ACCOUNT_LOGIN_FAILURE_RETENTION = timedelta(days=1)
ACCOUNT_LOGIN_HISTORY_RETENTION = timedelta(days=180)

# django-axes keeps the history of successful logins (shown in "Скачать мои данные") and
# nothing else: its handler records no failures and locks nobody (accounts/security.py).
AXES_HANDLER = "kabinet.accounts.security.LoginHistoryHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address"]  # unused: the handler never locks
AXES_CLIENT_STR_CALLABLE = "kabinet.accounts.security.axes_client_str"  # no typed logins in logs
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# --- language, time -------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "kabinet" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The project's own css/ and js/ (kabinet is not an app, so AppDirectoriesFinder misses them).
STATICFILES_DIRS = [BASE_DIR / "kabinet" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if not PRODUCTION
            else "kabinet.core.staticfiles.ManifestStaticFilesStorage"
        )
    },
}
# Production serves the collected, hashed files (`manage.py collectstatic`, run by the
# deploy step: docs/security.md). Until it has run, pages still render (a name missing
# from the manifest falls back to the plain one) and the files are served from the
# source folders: a forgotten step costs speed, never a 500.
STATIC_MANIFEST_PRESENT = (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_USE_FINDERS = not PRODUCTION or not STATIC_MANIFEST_PRESENT

# --- uploaded files -------------------------------------------------------
# Kept by the back office (bank registers as loaded); never served as static files.
MEDIA_ROOT = VAR_DIR / "media"
# Bank payment registers (docs/registers.md): a bigger file, zipped or not, is refused.
REGISTER_MAX_BYTES = int(os.environ.get("REGISTER_MAX_BYTES", 64 * 1024 * 1024))

# --- mail (Django 6.1 MAILERS) ---------------------------------------------
# SMTP_URL=smtp://user:password@host:587?tls=1 sends real mail; otherwise every
# message is written as a file under var/mail/ for the demo.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Кабинет жильца <noreply@kabinet.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_DIR = VAR_DIR / "mail"


def smtp_mailer(url: str) -> dict:
    parts = urlsplit(url)
    query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or 25,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": query.get("tls") == "1",
            "use_ssl": parts.scheme == "smtps",
            "timeout": 20,
        },
    }


if os.environ.get("SMTP_URL"):
    MAILERS = {"default": smtp_mailer(os.environ["SMTP_URL"])}
else:
    MAILERS = {
        "default": {
            # One <timestamp>-<id>.eml per message, opens in any mail client.
            "BACKEND": "kabinet.accounts.mail.EmlFileBackend",
            "OPTIONS": {"file_path": str(MAIL_DIR)},
        }
    }

# --- background tasks -----------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- audit: who changed which tariff, norm, recalculation, payment, period -----
# (django-simple-history; the back office shows each object's history with its changes).
# History is read, never replayed: reverting would bypass the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- billing run (kabinet/billing/run/) --------------------------------------
# Accounts per chunk: one transaction each, whole houses (a house larger than this is
# one chunk). A chunk not touched for BILLING_RUN_STALE_AFTER counts as abandoned (its
# worker died): the period can be closed, or run again.
BILLING_RUN_CHUNK_ACCOUNTS = int(os.environ.get("BILLING_RUN_CHUNK_ACCOUNTS", 2000))
BILLING_RUN_STALE_AFTER = timedelta(minutes=30)

# --- online payments (docs/payments.md) -------------------------------------
# The integrity code of a Moneta account may come from the environment instead of the
# database: MONETA_INTEGRITY_CODE_<MNT_ID>=<code>; it then wins over a stored one.
PAYMENTS_INTEGRITY_CODES = {
    name.removeprefix("MONETA_INTEGRITY_CODE_"): value
    for name, value in os.environ.items()
    if name.startswith("MONETA_INTEGRITY_CODE_") and value
}
# Codes stored in the database are encrypted (Fernet) with the first of these keys; the
# others still decrypt (rotation). Unset: a key derived from SECRET_KEY.
PAYMENTS_ENCRYPTION_KEYS = env_list("PAYMENTS_ENCRYPTION_KEY")
# Moneta retries an unanswered notification for 26-27 hours, then completes the
# operation without us: a payment still without a notification by then needs a look.
PAYMENTS_RECONCILE_AFTER = timedelta(hours=27)
# The sandbox gateway (a Moneta imitation served by Kabinet) is for the demo and the
# tests: refused with PRODUCTION=1.
PAYMENTS_SANDBOX = not PRODUCTION

# --- meter readings (docs/meters.md) -----------------------------------------
# The meters app asks billing, the floor above it, which months are closed: a dotted
# path to f(*, organization_id, since) -> months. The reading window is counted on the
# clock of TIME_ZONE.
METER_READINGS_CLOSED_MONTHS = "kabinet.billing.reading_periods.closed_months"

# --- payment documents (kabinet/receipts/, docs/receipts.md) -------------------------
# The documents are set in Liberation Sans from this directory only (Debian's
# fonts-liberation, installed by scripts/ensure-fonts); system fonts are ignored.
RECEIPTS_FONT_DIR = Path(
    os.environ.get("RECEIPTS_FONT_DIR", "/usr/share/fonts/truetype/liberation")
)
# The QR code's PaymPeriod: "MMYYYY" (102014) or "MM.YYYY" (10.2014); readers differ.
RECEIPTS_QR_PERIOD_FORMAT = os.environ.get("RECEIPTS_QR_PERIOD_FORMAT", "MMYYYY")
# A mail that failed is tried again this many times in all, after 1, 2, 4… minutes.
RECEIPTS_MAIL_ATTEMPTS = 5
RECEIPTS_MAIL_RETRY_AFTER = timedelta(minutes=1)

# --- security -------------------------------------------------------------
# Behind a reverse proxy (nginx, a load balancer) that terminates TLS: TRUSTED_PROXY_COUNT=1
# (the number of proxies in front of Kabinet, each appending to X-Forwarded-For). Then
# X-Forwarded-Proto says whether the request came by https, and the client's address is
# read from X-Forwarded-For, the same way for the security log, throttling and the
# login history (core.security.client_ip, django-axes' resolver). Without proxies,
# nothing a client sends in these headers is believed.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "kabinet.core.security.client_ip"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# HSTS: browsers go to https only, for a year, subdomains included (preload-ready).
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

# --- CAPTCHA (django-simple-captcha) ------------------------------------------
# Test mode accepts "PASSED" as the answer, for automated tests only.
CAPTCHA_TEST_MODE = env_bool("CAPTCHA_TEST_MODE")
if PRODUCTION and CAPTCHA_TEST_MODE:
    raise ImproperlyConfigured("CAPTCHA_TEST_MODE must be off in production.")
# Digits only, so that "Прослушать код" can read the code aloud in Russian (espeak-ng's
# Russian voice, Debian package espeak-ng, installed by scripts/ensure-speech). Without the
# synthesizer the audio link is not shown (docs/accessibility.md).
CAPTCHA_CHALLENGE_FUNCT = "kabinet.core.captcha.digits_challenge"
CAPTCHA_LENGTH = 6
CAPTCHA_SPEECH_PATH = os.environ.get("CAPTCHA_SPEECH_PATH") or shutil.which("espeak-ng")
CAPTCHA_SPEECH_VOICE = os.environ.get("CAPTCHA_SPEECH_VOICE", "ru")
CAPTCHA_TIMEOUT = 15  # minutes
CAPTCHA_IMAGE_SIZE = (140, 50)
CAPTCHA_FONT_SIZE = 32

# --- logging --------------------------------------------------------------
# Security events go to the "kabinet.security" logger; messages never carry
# passwords, tokens or card data (docs/security.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "utc": {
            "()": "kabinet.core.logging.UTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
