"""Settings for factcheck, read from the environment.

Every value has a development default except where production must choose
(SECRET_KEY with DEBUG off). Malformed values stop start-up with a message
that names the variable, rather than running with a guess.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything but the usual spellings is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, ignoring blanks around items."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Read a whole number of at least `minimum`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_rate(name: str, default: str | None) -> str | None:
    """Read a throttle rate such as '120/min'; 'off' disables the throttle."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("off", "none", "0"):
        return None
    number, _, period = value.partition("/")
    if not number.isdigit() or period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate such as 120/min (or off)")
    return value


def env_database(name: str, default: str) -> dict:
    """Read a database URL (postgres://... or sqlite:///...) into Django's form."""
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a database URL: {exc}") from exc
    if config.get("ENGINE") not in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    ):
        raise ImproperlyConfigured(f"{name}={raw!r}: only sqlite:// and postgres:// URLs are supported")
    return config


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections are checked before each request reuses them, so a database restart costs
# one failed check, not a failed request. In production they are the default: under gunicorn a new
# PostgreSQL connection per request halved the requests/s of the claims list and detail (bench/README.md).
# One connection per sync worker is what a pool would give it (no psycopg 3 pool needed).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No statement may hold a worker longer than this (a 503 names it); bulk jobs lift it for their
    # own transaction (claims.db.without_statement_timeout). Connecting gives up after 5 s, not never.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    # Added to any `options` the URL gives (e.g. ?options=-c search_path=...), not in their place.
    _timeout = f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 5000)}"
    _options["options"] = f"{_options['options']} {_timeout}" if _options.get("options") else _timeout
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "claims.middleware.RequestLogMiddleware",
    "claims.middleware.RequestSizeLimitMiddleware",
    "claims.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "claims.middleware.RejectNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Lets revision history record the user of the request, whichever view saves.
    "simple_history.middleware.HistoryRequestMiddleware",
]
if not DEBUG:
    # Static files (the admin's) served by the app itself, from `collectstatic`'s output: no separate
    # web server needed. In development the development server serves them from the apps.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Claim.topics goes through ClaimTopic (so deleting a used topic is refused); the claim admin edits it
# with the ordinary widget, which Django's check does not know is safe here (see ClaimAdmin).
SILENCED_SYSTEM_CHECKS = ["admin.E013"]

# History is read in the admin, not rewritten from it: a revert would bypass version checks and roles.
SIMPLE_HISTORY_REVERT_DISABLED = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Requests per client before 429 (with Retry-After); "off" disables. Counted in Django's cache: per
# process with the default local-memory cache, shared with a shared cache.
FACTCHECK_THROTTLE_RATES = {
    "anon": env_rate("THROTTLE_ANON", "120/min"),
    "user": env_rate("THROTTLE_USER", "1200/min"),
    # Token requests with a password: guesses.
    "login": env_rate("THROTTLE_LOGIN", "10/min"),
}

# Who publishes the reviews: the `author` of every ClaimReview and the name on the public claim pages.
FACTCHECK_PUBLISHER_NAME = os.environ.get("FACTCHECK_PUBLISHER_NAME", "factcheck")
FACTCHECK_PUBLISHER_URL = os.environ.get("FACTCHECK_PUBLISHER_URL", "")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production: compressed files with content hashes in their names, cached for ever by browsers
    # (needs `manage.py collectstatic`). In development, Django's plain storage needs no such step.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The largest request body accepted (Django's own setting, also applied to API bodies): 413 beyond.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 2_621_440, minimum=1024)

# Production (DEBUG off): HTTPS only, secure cookies, HSTS; each can be relaxed from the environment,
# e.g. SECURE_SSL_REDIRECT=0 behind a proxy that already redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    # Only behind a proxy that sets this header itself: otherwise clients could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Logs go to standard output (the process manager keeps them): one JSON object a line in production,
# readable text in development. Each request is logged once (claims.middleware.RequestLogMiddleware);
# errors with their traceback.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Our request log replaces Django's and the development server's own lines.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a request without credentials gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anyone may read; writing needs the model's add/change/delete permission.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    # JSON only: a form body cannot say a value's type (everything is text), so it cannot be held to the
    # schema. Other content types get 415. (The token endpoint also takes a form, for curl -d.)
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "claims.api.renderers.ContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": ["claims.api.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "claims.api.filtersets.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "claims.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "claims.api.exceptions.exception_handler",
    # Per client: anonymous by IP address, users by account (see FACTCHECK_THROTTLE_RATES). The address
    # is REMOTE_ADDR, unless behind our one proxy, whose X-Forwarded-For entry is then used: trusting the
    # header otherwise would let a client name any address and escape the limits.
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else 0,
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.throttling.AnonThrottle",
        "claims.api.throttling.UserThrottle",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": (
        "Sourced claims, the denials and support between them, and editors' reviews. "
        "Anyone may read; writes need a token (`Authorization: Token <key>`) or a session "
        "of a user with the model's permissions."
    ),
    "VERSION": "1.0.0",
    # Reads nest related objects, writes take ids: separate request and response components.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "claims.models.SourceKind",
        "TopicKindEnum": "claims.models.TopicKind",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "DatePrecisionEnum": "claims.models.DatePrecision",
        "LinkRelationEnum": "claims.models.LinkRelation",
        "ReviewRatingEnum": "claims.models.ReviewRating",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served from our own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.api.schema.forbid_nul_in_text",
    ],
}
