"""Settings for factcheck, read from the environment.

Every value has a development default except where production must choose
(SECRET_KEY with DEBUG off). Malformed values stop start-up with a message
that names the variable, rather than running with a guess.
"""

import datetime
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
    return parse_database_url(name, os.environ.get(name) or default)


def parse_database_url(name: str, raw: str) -> dict:
    """A database URL in Django's form; `name` is the variable it came from, for the error message."""
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

# Behind PgBouncer in transaction mode (docs/deployment.md): see database_settings().
PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)


def database_settings(config: dict) -> dict:
    """What every database connection gets, the primary's and each replica's alike."""
    # Persistent connections are checked before each request reuses them, so a database restart costs
    # one failed check, not a failed request. In production they are the default: under gunicorn a new
    # PostgreSQL connection per request halved the requests/s of the claims list and detail
    # (bench/README.md). One connection per sync worker is what a pool would give it.
    config["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] != "django.db.backends.postgresql":
        return config
    options = config.setdefault("OPTIONS", {})
    # Connecting gives up after 5 s, not never.
    options["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    if PGBOUNCER:
        # PgBouncer in transaction mode hands each transaction to any server connection: a cursor held
        # open across transactions (Django's default for .iterator()) would be lost, and PgBouncer
        # refuses the `options` startup parameter, so the statement timeout is set on the role instead
        # (docs/deployment.md).
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        return config
    # No statement may hold a worker longer than this (a 503 names it); bulk jobs lift it for their
    # own transaction (claims.db.without_statement_timeout). Added to any `options` the URL gives
    # (e.g. ?options=-c search_path=...), not in their place.
    timeout = f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 5000)}"
    options["options"] = f"{options['options']} {timeout}" if options.get("options") else timeout
    return config


DATABASES = {"default": database_settings(env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
# Read replicas (docs/deployment.md): claims.replicas.PrimaryReplicaRouter sends a request's reads to one
# of them, and writes, reads in a transaction, the admin and the writer's own reads to the primary.
# In tests a replica is the primary under another name (MIRROR): the tests' transactions see one database.
FACTCHECK_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = database_settings(parse_database_url("DATABASE_REPLICA_URLS", _url))
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS: replica {_number} is not the primary's kind of database")
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    FACTCHECK_REPLICAS.append(f"replica_{_number}")
DATABASE_ROUTERS = ["claims.replicas.PrimaryReplicaRouter"]
# After a write, that client's reads go to the primary for this long, so that they see their own write
# even while the replicas lag behind (claims.replicas.ReadRoutingMiddleware).
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 15, minimum=1)

# The cache: throttle counts, read-your-writes pins and the hottest responses (claims.read_cache). With
# several processes (gunicorn's workers, several app servers) it must be shared: Redis. Without REDIS_URL,
# each process has its own, which is right for one process and development.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} is not a redis://, rediss:// or unix:// URL")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several deployments (or test runs) may share one Redis.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "factcheck"),
        }
    }
elif FACTCHECK_REPLICAS:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URLS needs REDIS_URL: a writer's reads are pinned to the primary through the "
        "shared cache, and a per-process cache would lose the pin at the next worker"
    )
# How long a cached response may be kept. It is never served for a database state other than the one
# it was read from (claims.read_cache): this bounds memory, not staleness.
READ_CACHE_SECONDS = env_int("READ_CACHE_SECONDS", 600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "claims",
    "claims.tokens",
    "claims.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "claims.middleware.RequestLogMiddleware",
    "claims.middleware.RequestSizeLimitMiddleware",
    "claims.middleware.DatabaseUnavailableMiddleware",
    # Before anything reads: chooses the database this request reads from (claims.replicas).
    "claims.replicas.ReadRoutingMiddleware",
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

# A login lasts this long (seconds), however active the session: a stolen session cookie stops working
# within a working day. Editors log in again each day (docs/security.md, "Accounts").
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600, minimum=60)

# Every password set through Django (the admin's forms, createsuperuser, changepassword) is checked.
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
    # Password guesses (token requests and admin logins) from one address.
    "login": env_rate("THROTTLE_LOGIN", "10/min"),
    # Password guesses at one account, from any addresses (docs/security.md, "Accounts").
    "login_account": env_rate("THROTTLE_LOGIN_ACCOUNT", "20/hour"),
}

# API tokens (claims.tokens, docs/security.md): a new token lasts TOKEN_EXPIRY_DAYS unless its owner
# asks for another number of days, never more than TOKEN_MAX_EXPIRY_DAYS. No token lives for ever.
TOKEN_EXPIRY_DAYS = env_int("TOKEN_EXPIRY_DAYS", 90, minimum=1)
TOKEN_MAX_EXPIRY_DAYS = env_int("TOKEN_MAX_EXPIRY_DAYS", 365, minimum=1)
if TOKEN_EXPIRY_DAYS > TOKEN_MAX_EXPIRY_DAYS:
    raise ImproperlyConfigured(
        f"TOKEN_EXPIRY_DAYS={TOKEN_EXPIRY_DAYS} is more than TOKEN_MAX_EXPIRY_DAYS={TOKEN_MAX_EXPIRY_DAYS}"
    )
# django-rest-knox makes the secrets and keeps their digests, in our model with a name and a scope.
KNOX_TOKEN_MODEL = "tokens.ApiToken"
# knox's migrations only build its own token table, which ours replaces: without them no empty
# knox_authtoken table is made (a swapped-out model gets no table when an app has no migrations).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=TOKEN_EXPIRY_DAYS),
    # Recognisable in a leaked file or a secret scanner's rules; counted in the key knox looks up by.
    "TOKEN_PREFIX": "fc_",
    "AUTH_HEADER_PREFIX": "Token",
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
# Load balancers check the app servers over plain HTTP, behind the TLS they terminate.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
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
        "claims.tokens.auth.ScopedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A token does only what its scope allows (claims.tokens.auth); then anyone may read, and writing
    # needs the model's add/change/delete permission.
    "DEFAULT_PERMISSION_CLASSES": [
        "claims.tokens.auth.TokenScopePermission",
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    # JSON only: a form body cannot say a value's type (everything is text), so it cannot be held to the
    # schema. Other content types get 415. (The token endpoint also takes a form, for curl -d.)
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["claims.api.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "claims.api.filtersets.FilterBackend",
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
        "Anyone may read; writes need a token (`Authorization: Token <secret>`) of the write or admin "
        "scope, or a session, of a user with the model's permissions."
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
        "AnchorStatusEnum": "claims.models.AnchorStatus",
        "TokenScopeEnum": "claims.tokens.models.TokenScope",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    # Open to all, and like every API view held to a token's scope (claims.tokens.auth).
    "SERVE_PERMISSIONS": ["claims.tokens.auth.TokenScopePermission", "rest_framework.permissions.AllowAny"],
    # Swagger UI's files are served from our own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.api.schema.forbid_nul_in_text",
        "claims.api.schema.forbid_empty_parameters",
        "claims.api.schema.link_created_records",
    ],
}
