"""Django settings, derived from the environment by contactpoint.config."""

from __future__ import annotations

import secrets
from typing import Any

import dj_database_url

from contactpoint import config as _config

CONFIG = _config.load()

BASE_DIR = CONFIG.data_dir
DEBUG = CONFIG.debug


def _secret_key() -> str:
    # `contactpoint init` writes this file (mode 0600). Before init (or in a read-only
    # checkout) a per-process key keeps the app working; sessions then end on restart.
    try:
        return CONFIG.secret_key_file.read_text().strip()
    except OSError:
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
# CONTACTPOINT_ALLOWED_HOSTS; the loopback names by default. (Django's test runner adds
# "testserver" for its own client.)
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Second factors: authenticator apps (TOTP) and security keys / passkeys (WebAuthn).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "contactpoint.crypto",
    "contactpoint.access",
    "contactpoint.feeds",
    "contactpoint.identity",
    "contactpoint.matching",
    "contactpoint.web",
    "contactpoint.api",
    "contactpoint.audit",
    "contactpoint.subject_access",
    "contactpoint.oversight",
    "contactpoint.notifications",
]

MIDDLEWARE = [
    # First: whether the request came over HTTPS, and from whom, as a trusted proxy says.
    "contactpoint.web.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the rest, so every error under /api/ it sees can be made problem+json.
    "contactpoint.api.middleware.ApiProblemsMiddleware",
    # Below WhiteNoise, so static files keep their own caching headers.
    "contactpoint.web.middleware.PermissionsPolicyMiddleware",
    "contactpoint.web.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed its second factor?
    "django_otp.middleware.OTPMiddleware",
    # Idle timeout, and suspension taking effect on the very next request.
    "contactpoint.web.sessions.SignedInSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: sees every answer (CSRF refusals too) once the view's transaction has
    # ended, and audits a refused request in a transaction of its own.
    "contactpoint.web.refusals.RefusalAuditMiddleware",
]

AUTH_USER_MODEL = "access.User"
LOGIN_URL = "/sign-in/"
LOGIN_REDIRECT_URL = "/children/search/"  # auditors, who may not search: web.children.home_for
ROOT_URLCONF = "contactpoint.urls"
WSGI_APPLICATION = "contactpoint.wsgi.application"

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
                "csp.context_processors.nonce",
                "contactpoint.web.access.page_permissions",
                "contactpoint.web.notifications.unread",
            ],
        },
    },
]


def _database(url: str, *, synchronous: str = "NORMAL", atomic_requests: bool = False
              ) -> dict[str, Any]:
    db = dj_database_url.parse(url, conn_max_age=60)
    # Each page and API request is one transaction on the data database: what it does and
    # the audit entries it writes commit together or not at all (a view that raises rolls
    # both back). Sign-in steps opt out (web/signin.py: the lockout's counts must commit
    # at once); refusals are audited after the response in a transaction of their own
    # (web/refusals.py). On SQLite, whose transactions here are IMMEDIATE, a request holds
    # the write lock from its view's start to its end: requests run one at a time, which
    # the embedded deployment (one site, a few users) can afford.
    db["ATOMIC_REQUESTS"] = atomic_requests
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while a feed loads; a busy timeout rather than
        # an immediate "database is locked" when two writers meet.
        db["OPTIONS"] = {
            "timeout": 30,
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};",
            "transaction_mode": "IMMEDIATE",
        }
        db["CONN_MAX_AGE"] = 0
    else:
        # Bind parameters on the server: sealed blobs travel as binary, not as quoted text.
        # Prepare a statement on the connection once it has run 5 times (psycopg's own
        # default, which Django turns off): the searches, token checks and feed loads
        # repeat a few statements, and planning them afresh each time was over half of
        # what PostgreSQL spent on a search (docs/benchmarks.md, "Search").
        db["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    return dict(db)


DATABASES = {
    "default": _database(CONFIG.database_url, atomic_requests=True),
    # Per-child data keys live in their own database, never beside the data. On SQLite
    # every commit of a key reaches the disk before it returns (FULL): the loader commits
    # new children's keys before the data sealed under them, and the data's log is
    # synced often (contactpoint.db.checkpoints), so under NORMAL a power cut could keep
    # the data and lose its keys. A key commit is one small sync per batch.
    "keystore": _database(CONFIG.keystore_url, synchronous="FULL"),
}
DATABASE_ROUTERS = ["contactpoint.crypto.routers.KeystoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Passwords from public breaches and close variants of them, checked offline.
    {"NAME": "contactpoint.access.passwords.BreachedPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# `make` builds GOV.UK Frontend from npm into contactpoint/web/static/govuk (not committed);
# WhiteNoise serves app static files straight from the finders, so no collectstatic step
# and no STATIC_ROOT (WhiteNoise warns at every start when that directory is missing).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Security headers. HSTS is only ever sent on HTTPS requests, so it is safe to switch
# on here and takes effect when the app sits behind a TLS-terminating proxy. Whether a
# request came over HTTPS is what TrustedProxyMiddleware decides: X-Forwarded-Proto is
# believed only from CONTACTPOINT_TRUSTED_PROXIES (so SECURE_PROXY_SSL_HEADER, which
# believes it from anyone, stays unset).
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Behind a TLS-terminating proxy the browser reaches the service only over HTTPS: the
# session and CSRF cookies are then never sent over plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = bool(CONFIG.trusted_proxies)
CSRF_FAILURE_VIEW = "contactpoint.web.errors.csrf_failure"
# The idle timeout (web/sessions.py) ends a session after CONTACTPOINT_SESSION_IDLE_MINUTES
# without a request. The session store keeps an idle session an hour longer, only so the
# next request can be told why it was signed out instead of arriving at sign-in unexplained.
SESSION_IDLE_SECONDS = CONFIG.session_idle_minutes * 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions are sealed at rest (access/sessions.py): a session row shows nothing of the
# records a person opened or the reasons they gave.
SESSION_ENGINE = "contactpoint.access.sessions"

# Second factors (docs/security.md). A code is accepted one step either side of now
# (clock drift); django-otp refuses a code from a step already used (last_t).
OTP_TOTP_ISSUER = "ContactPoint"
OTP_TOTP_TOLERANCE = 1
# django-otp's own throttle (a wait of 1, 2, 4... seconds after each wrong code) is off:
# it refused a right code typed a second after a wrong one, saying only that it was
# wrong. The sign-in lockout (access/lockout.py) limits guesses instead, counted across
# the password and both kinds of second factor.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_WEBAUTHN_RP_ID = CONFIG.webauthn_rp_id
OTP_WEBAUTHN_RP_NAME = "ContactPoint"
OTP_WEBAUTHN_ALLOWED_ORIGINS = list(CONFIG.webauthn_origins)
# A security key is a second factor after the password, never a way around it.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Misuse alerts: the thresholds each rule raises an alert at (contactpoint/oversight/rules,
# docs/configuration.md#misuse-alerts). A deployment overrides any of them here; a name
# the rules do not know is refused when they run.
CONTACTPOINT_MISUSE = {
    # Looking up one's own family: children sharing the user's family name (but not their
    # postcode district) looked up within `own_family_days`.
    "own_family_name_children": 5,
    "own_family_days": 7,
    # Far more searches and views than peers in the same kind of organisation: at least
    # this many in an hour (a day), and more than `peer_multiple` times the median of
    # peers active in it (when at least `peer_minimum` peers were).
    "volume_per_hour": 60,
    "volume_per_day": 250,
    "peer_multiple": 4.0,
    "peer_minimum": 3,
    # Trawling, in a day: many searches with few records opened; many searches too broad
    # to answer; or dates of birth searched in sequence.
    "trawl_searches": 30,
    "trawl_view_share": 0.1,
    "trawl_broad_searches": 10,
    "trawl_sequential_dates": 7,
    # Children outside the user's authority, with no involvement of their organisation,
    # opened in a day.
    "out_of_area_children": 5,
    # Failed sign-in steps in an hour, on one account and from one address.
    "failed_sign_ins_account": 10,
    "failed_sign_ins_address": 25,
    # Out of hours: before `working_day_starts` or from `working_day_ends` (local time),
    # or at a weekend. Alerted at this many searches and views in a day, when in the
    # previous `habit_days` under `habit_share` of the user's own use was out of hours
    # (and there were at least `habit_minimum` of them: a new account has no habit yet).
    "working_day_starts": 7,
    "working_day_ends": 19,
    "out_of_hours_actions": 5,
    "habit_days": 28,
    "habit_share": 0.2,
    "habit_minimum": 20,
    # How often each web worker runs the rules.
    "run_every_seconds": 30,
}

from csp.constants import NONCE, NONE, SELF  # noqa: E402  (grouped with the CSP settings it serves)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "manifest-src": [SELF],
    },
}

#: The loggers Django reports refused requests on (4xx): each refusal becomes one line.
_REFUSAL_LOGGERS = ("django.request", "django.security.csrf", "django.security.DisallowedHost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {
        "()": "contactpoint.web.logging_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # The audit hook's log lines (INFO, without the sealed parts) are not emitted: the
    # trail is in the database, and the command line's stderr is for its one-line reasons.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        **{name: {"filters": ["one_line_refusals"]} for name in _REFUSAL_LOGGERS},
    },
}

CONTACTPOINT = CONFIG
