"""BoxerConnect settings: one module, every value from an environment variable.

Development defaults need no services (SQLite file, per-process cache, console email).
Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
EMAIL_HOST; every variable is listed in `.env.example` and explained in the README.
"""

import logging
import secrets
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

from boxerconnect import __version__

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    """Read a boolean env var strictly: a typo is an error, not a silent False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def _float(name: str, default: float) -> float:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be > 0, got {value}")
    return value


# --- The `.env` file -----------------------------------------------------------------------
# A local `.env` beside manage.py is read when present (git-ignored; `make run` writes a
# development one, production copies .env.example); real environment variables win.
# DJANGO_READ_ENV_FILE=false reads none: scripts/test.sh sets it, so a developer's `.env`
# never changes what the test suite runs with.
ENV_FILE_READ: str | None = None
if _bool("DJANGO_READ_ENV_FILE", True) and (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)
    ENV_FILE_READ = str(BASE_DIR / ".env")

# --- Core ---------------------------------------------------------------------------------

DEBUG = _bool("DJANGO_DEBUG", False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=true for local development)."
        )
    # Never a constant from the source code (anyone could sign sessions and JWTs with it): a
    # random key for this process; its sessions and tokens end when it restarts.
    SECRET_KEY = secrets.token_urlsafe(50)
    warnings.warn(
        "DJANGO_SECRET_KEY is not set: signing with a random key for this process only "
        "(logins end on restart). Put DJANGO_SECRET_KEY in .env to keep them.",
        stacklevel=1,
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "boxerconnect.apps.AdminConfig",  # django.contrib.admin, login and passwords via accounts
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "boxerconnect",
    "boxerconnect.jobs",
    "accounts",
    "permissions",
    "clubs",
    "boxers",
]

MIDDLEWARE = [
    "boxerconnect.middleware.RequestIdMiddleware",
    "boxerconnect.middleware.MetricsMiddleware",
    # Above anything that answers early, so 413s and redirects carry CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "boxerconnect.middleware.JsonErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CommonMiddleware with a 308 (method and body kept) for a missing trailing slash.
    "boxerconnect.middleware.AppendSlashMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "boxerconnect.urls"
WSGI_APPLICATION = "boxerconnect.wsgi.application"

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

# --- Database -----------------------------------------------------------------------------

# Threads per gunicorn worker (gunicorn.conf.py reads the same variable): sizes the per-process
# database pool and Redis connection budget.
_THREADS = _int("GUNICORN_THREADS", 4, minimum=1)
# Per-statement limit in ms (0: none), set on the app's role in its database by `migrate`.
DB_STATEMENT_TIMEOUT_MS = _int("DB_STATEMENT_TIMEOUT_MS", 15000)

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db.get("ENGINE") not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured(
        "DATABASE_URL must be postgres://user:password@host:port/name or sqlite:////absolute/path.db"
    )
if _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = _int("DB_CONN_MAX_AGE", 60)
    # A `SELECT 1` before reusing a connection in each request: no failed request after a
    # database restart or failover, at one round trip a request (switch off on a slow link).
    _db["CONN_HEALTH_CHECKS"] = _bool("DB_CONN_HEALTH_CHECKS", True)
    _db.setdefault("OPTIONS", {})
    # Short connect timeout: an unreachable database becomes a 503, not a hung worker.
    _db["OPTIONS"].setdefault("connect_timeout", _int("DB_CONNECT_TIMEOUT", 3, minimum=1))
    # No session state set at connect (a start-up `options` parameter, a SET): both break
    # behind PgBouncer in transaction pooling. statement_timeout (DB_STATEMENT_TIMEOUT_MS) and
    # the time zone are the role's defaults in this database instead, written by `migrate`
    # (boxerconnect/database.py); server-side cursors need a session too: off.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    if _bool("DATABASE_POOL", False):
        # psycopg's pool in each process (Django >= 5.1): a connection per request from it,
        # checked before each checkout while DB_CONN_HEALTH_CHECKS is on (Django passes it).
        _db["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
        _db["OPTIONS"]["pool"] = {
            "min_size": 1,
            # each request thread holds one at a time; 3 more for the health probe threads
            "max_size": _int("DATABASE_POOL_MAX_SIZE", _THREADS + 3, minimum=1),
            "timeout": float(_db["OPTIONS"]["connect_timeout"]),
        }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` runs the job worker beside runserver on the same file: take the write lock
    # at BEGIN and wait for it, instead of failing with "database is locked" on an upgrade.
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _db["OPTIONS"].setdefault("timeout", 20)
if env.str("TEST_DATABASE_NAME", default=""):
    _db["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------
# Two aliases on the same server: "default" swallows Redis errors (casual use); "guarded"
# raises them and is only used through boxerconnect.cache.guarded, whose circuit breaker
# sees every failure and lets the permission facts, read models and throttles fall back
# (see boxerconnect/cache/).

REDIS_URL = env.str("REDIS_URL", default="")
CACHE_URL = env.str("CACHE_URL", default="")
REDIS_CONNECT_TIMEOUT = _float("REDIS_CONNECT_TIMEOUT", 0.25)
REDIS_SOCKET_TIMEOUT = _float("REDIS_SOCKET_TIMEOUT", 0.25)
# The hot read (boxerconnect/cache/fastpath.py): one MGET on a connection each thread keeps;
# false sends it through redis-py's client (same result, about twice the client-side cost).
CACHE_FAST_PATH = _bool("CACHE_FAST_PATH", True)
# The connection budget of one process (docs/operations.md#redis-connection-budget): each
# request thread uses one connection at a time, plus the one it keeps for the fast path;
# 2 more for the health probe and the cache-rotation threads. A host opens at most
# GUNICORN_WORKERS x REDIS_MAX_CONNECTIONS; past the limit a call waits REDIS_POOL_TIMEOUT
# seconds for a connection, then goes without the cache (never an error).
_PER_THREAD = 2 if CACHE_FAST_PATH else 1
REDIS_MAX_CONNECTIONS = _int("REDIS_MAX_CONNECTIONS", _THREADS * _PER_THREAD + 2, minimum=1)
if CACHE_FAST_PATH and REDIS_MAX_CONNECTIONS <= _THREADS:
    raise ImproperlyConfigured(
        f"REDIS_MAX_CONNECTIONS={REDIS_MAX_CONNECTIONS} is too small for GUNICORN_THREADS={_THREADS} "
        f"with CACHE_FAST_PATH on (each thread keeps a connection): use at least {_THREADS + 1}, "
        "or set CACHE_FAST_PATH=false (docs/operations.md#redis-connection-budget)."
    )
REDIS_POOL_TIMEOUT = _float("REDIS_POOL_TIMEOUT", 0.25)
# /metrics reads the server's figures (memory, evictions, clients, hits) with one INFO at most
# this often per process, never per request (boxerconnect/cache/serverinfo.py).
REDIS_INFO_INTERVAL = _float("REDIS_INFO_INTERVAL", 5.0)
# Every key this deployment writes starts with `<CACHE_KEY_PREFIX>:` (boxerconnect/cache/keys.py):
# deployments sharing one Redis (staging and production) each set their own.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="bc")

# Redis Sentinel (docs/operations.md#redis-in-production): the primary is found through the
# sentinels on every connection, and a switch of primary is watched for by every process
# (boxerconnect/cache/sentinel.py). REDIS_URL then gives only the password and the db.
_SENTINEL_SERVICE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _sentinels(raw: str) -> list[tuple[str, int]]:
    """Parse REDIS_SENTINELS (`host:port,host:port`; a missing port is Sentinel's 26379)."""
    sentinels = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        host, sep, port = entry.rpartition(":")
        if not sep:
            host, port = entry, "26379"
        host = host.strip("[]")  # [::1]:26379
        try:
            number = int(port)
        except ValueError:
            number = 0
        if not host or not 0 < number < 65536:
            raise ImproperlyConfigured(f"REDIS_SENTINELS: {entry!r} is not host:port")
        sentinels.append((host, number))
    return sentinels


REDIS_SENTINELS = _sentinels(env.str("REDIS_SENTINELS", default=""))
REDIS_SENTINEL_SERVICE = env.str("REDIS_SENTINEL_SERVICE", default="").strip()
REDIS_SENTINEL_PASSWORD = env.str("REDIS_SENTINEL_PASSWORD", default="")
if REDIS_SENTINELS and not REDIS_SENTINEL_SERVICE:
    raise ImproperlyConfigured(
        "REDIS_SENTINELS is set but REDIS_SENTINEL_SERVICE is not: give the name the sentinels "
        "monitor the primary under (the <name> of `sentinel monitor <name> <host> <port> <quorum>`)."
    )
if REDIS_SENTINEL_SERVICE and not REDIS_SENTINELS:
    raise ImproperlyConfigured(
        "REDIS_SENTINEL_SERVICE is set but REDIS_SENTINELS is not: list the sentinels as "
        "host:port,host:port,..."
    )
if REDIS_SENTINEL_PASSWORD and not REDIS_SENTINELS:
    raise ImproperlyConfigured("REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not.")
if REDIS_SENTINEL_SERVICE and not set(REDIS_SENTINEL_SERVICE) <= _SENTINEL_SERVICE_CHARS:
    raise ImproperlyConfigured(
        f"REDIS_SENTINEL_SERVICE {REDIS_SENTINEL_SERVICE!r}: use lower-case letters, digits, "
        "'.', '_' and '-' only (django-redis carries the name in a URL's host, which is "
        "case-insensitive); rename the service in the sentinels' configuration if needed."
    )
if REDIS_SENTINELS and CACHE_URL:
    raise ImproperlyConfigured("REDIS_SENTINELS works with REDIS_URL (password and db), not CACHE_URL.")


def _redis_cache(
    url: str,
    *,
    ignore_exceptions: bool,
    key_prefix: str | None = None,
    sentinels: list[tuple[str, int]] | None = None,
    service: str | None = None,
    sentinel_password: str | None = None,
) -> dict:
    """A django-redis cache on `url`; with sentinels (REDIS_SENTINELS by default), on the
    primary the sentinels name for `service` (only the password and db of `url` are used)."""
    from boxerconnect.cache.events import connection_class

    prefix = CACHE_KEY_PREFIX if key_prefix is None else key_prefix
    sentinels = REDIS_SENTINELS if sentinels is None else sentinels
    service = REDIS_SENTINEL_SERVICE if service is None else service
    sentinel_password = REDIS_SENTINEL_PASSWORD if sentinel_password is None else sentinel_password
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, got {scheme!r}"
        )
    # At most REDIS_MAX_CONNECTIONS per process, waiting REDIS_POOL_TIMEOUT for one
    # (boxerconnect/cache/pool.py); Sentinel's pool (below) fails at once when full instead,
    # which the guarded client treats the same way (no cache for that call, no failure).
    options: dict[str, Any] = {"CONNECTION_POOL_CLASS": "boxerconnect.cache.pool.BudgetedConnectionPool"}
    # Connection classes that vet the server and announce reconnects (boxerconnect/cache/events.py).
    # No CLIENT SETINFO on connect (lib_name/lib_version None): two round trips fewer per new
    # connection, and nothing that needs CLIENT, which managed services rename away and the
    # ACL user of docs/operations.md is not granted.
    pool_kwargs: dict = {
        "health_check_interval": 30,
        "connection_class": connection_class(scheme, prefix),
        "lib_name": None,
        "lib_version": None,
        "max_connections": REDIS_MAX_CONNECTIONS,
        "timeout": REDIS_POOL_TIMEOUT,
    }
    if sentinels:
        if scheme != "redis":
            raise ImproperlyConfigured(
                f"REDIS_SENTINELS works with a redis:// REDIS_URL (password and db only), got {scheme}://; "
                "TLS to a Sentinel-managed Redis is not supported yet."
            )
        # The service name in the host's place: django-redis's SentinelConnectionFactory asks
        # the sentinels for its primary. One location, DefaultClient: reads go to the primary
        # too (a replica may lag behind a generation bump).
        userinfo = parsed.netloc.rpartition("@")[0]
        url = f"redis://{userinfo + '@' if userinfo else ''}{service}{parsed.path or '/0'}"
        pool_kwargs["connection_class"] = connection_class("sentinel", prefix)
        del pool_kwargs["timeout"]  # a BlockingConnectionPool's; Sentinel's pool has none
        options = {
            "CONNECTION_FACTORY": "boxerconnect.cache.sentinel.SentinelConnectionFactory",
            "SENTINELS": sentinels,
            "SENTINEL_KWARGS": {
                "password": sentinel_password or None,
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    if scheme == "rediss":
        # Certificates are verified (redis-py's default); a private CA can be supplied.
        pool_kwargs["ssl_cert_reqs"] = "required"
        ca = env.str("REDIS_SSL_CA_CERTS", default="")
        if ca:
            pool_kwargs["ssl_ca_certs"] = ca
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "PARSER_CLASS": "redis._parsers.hiredis._HiredisParser",
            "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
            "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "IGNORE_EXCEPTIONS": ignore_exceptions,
            "CONNECTION_POOL_KWARGS": pool_kwargs,
            **options,
        },
    }


if REDIS_URL and CACHE_URL:
    raise ImproperlyConfigured("Set REDIS_URL or CACHE_URL, not both.")
# REDIS_TLS=true (the seed guide's variable): a Redis URL that is not rediss:// stops start-up.
REDIS_TLS = _bool("REDIS_TLS", False)
if REDIS_TLS and REDIS_SENTINELS and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_TLS=true: TLS to a Sentinel-managed Redis is not supported yet.")
if REDIS_URL or urlparse(CACHE_URL).scheme in {"redis", "rediss"}:
    # Un-encoded special characters in the password, a bad port or database: stop now, with
    # a message naming the problem, not at the first request that needs Redis.
    from boxerconnect.cache.redis_url import check_redis_url

    check_redis_url(
        REDIS_URL or CACHE_URL, variable="REDIS_URL" if REDIS_URL else "CACHE_URL", tls_required=REDIS_TLS
    )
if REDIS_URL or REDIS_SENTINELS:
    # With sentinels and no REDIS_URL: no password, db 0.
    CACHES = {
        "default": _redis_cache(REDIS_URL or "redis:///0", ignore_exceptions=True),
        "guarded": _redis_cache(REDIS_URL or "redis:///0", ignore_exceptions=False),
    }
elif CACHE_URL and urlparse(CACHE_URL).scheme in {"redis", "rediss"}:
    CACHES = {
        "default": _redis_cache(CACHE_URL, ignore_exceptions=True),
        "guarded": _redis_cache(CACHE_URL, ignore_exceptions=False),
    }
elif CACHE_URL:
    # The seed guide's "remove Redis" options as configuration: dbcache://table, dummycache://
    try:
        _cache = environ.Env.cache_url_config(CACHE_URL)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"CACHE_URL is invalid: {exc}") from None
    _cache["KEY_PREFIX"] = CACHE_KEY_PREFIX
    CACHES = {"default": _cache, "guarded": dict(_cache)}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bc"},
        "guarded": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bc-guarded",
        },
    }

PERMISSION_CACHE_TTL = _int("PERMISSION_CACHE_TTL", 300, minimum=1)
# Generation-stamped read models (boxers/readmodels.py): on by default when the cache is
# shared by every process (Redis, database); an in-process cache would miss the writes of
# management commands run beside the server.
_SHARED_CACHE = CACHES["guarded"]["BACKEND"].rsplit(".", 1)[-1] not in {"LocMemCache", "DummyCache"}
READ_MODEL_CACHE = _bool("READ_MODEL_CACHE", _SHARED_CACHE)
# Warm GET responses sent again when the request's one round trip reads byte for byte what
# produced them (boxerconnect/api/replay.py); at most this many bytes per process.
RESPONSE_REPLAY = _bool("RESPONSE_REPLAY", _SHARED_CACHE)
RESPONSE_REPLAY_MAX_BYTES = _int("RESPONSE_REPLAY_MAX_BYTES", 16 * 1024 * 1024, minimum=0)
PERMISSION_CACHE_BREAKER_THRESHOLD = _int("PERMISSION_CACHE_BREAKER_THRESHOLD", 3, minimum=1)
PERMISSION_CACHE_BREAKER_COOLDOWN = _float("PERMISSION_CACHE_BREAKER_COOLDOWN", 5.0)
HEALTH_PROBE_TIMEOUT = _float("HEALTH_PROBE_TIMEOUT", 1.0)

# --- Auth ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_int("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    "ROTATE_REFRESH_TOKENS": True,
}

# Where `seed_demo` keeps the demo logins (development data only; git-ignored).
DEMO_LOGINS_FILE = BASE_DIR / "demo-logins.txt"

PASSWORD_RESET_TIMEOUT_MINUTES = _int("PASSWORD_RESET_TIMEOUT_MINUTES", 30, minimum=1)
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

# --- REST framework -----------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.CachedJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["boxerconnect.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["boxerconnect.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "boxerconnect.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "boxerconnect.schema.AutoSchema",
    "EXCEPTION_HANDLER": "boxerconnect.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
    "DEFAULT_THROTTLE_CLASSES": [
        "boxerconnect.throttling.AnonRateThrottle",
        "boxerconnect.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {},  # filled below from DJANGO_THROTTLE_RATES
    "NUM_PROXIES": _int("DJANGO_NUM_PROXIES", 0),
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

DEFAULT_THROTTLE_RATES = {
    "anon": "120/min",
    "user": "1200/min",
    # Password logins (API and Django admin), in PostgreSQL (accounts/services/login.py):
    # failures per email+IP, and per email whatever the IP (the per-account cap).
    "login": "5/15min",
    "login_account": "20/hour",
    "register": "10/hour",
    "password_reset": "5/hour",
    "refresh": "30/min",
    "sparring": "30/hour",
}


def _throttle_rates(raw: str) -> dict[str, str | None]:
    """Parse DJANGO_THROTTLE_RATES (`scope=rate,scope=rate`) over the defaults."""
    from boxerconnect.rates import parse_rate

    rates: dict[str, str | None] = dict(DEFAULT_THROTTLE_RATES)
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        scope, sep, rate = pair.partition("=")
        scope, rate = scope.strip(), rate.strip()
        if not sep or scope not in DEFAULT_THROTTLE_RATES:
            raise ImproperlyConfigured(
                f"DJANGO_THROTTLE_RATES: unknown entry {pair!r}; scopes are "
                + ", ".join(sorted(DEFAULT_THROTTLE_RATES))
            )
        if rate.lower() in {"none", "off"}:
            rates[scope] = None
            continue
        try:
            parse_rate(rate)
        except ValueError as exc:
            raise ImproperlyConfigured(f"DJANGO_THROTTLE_RATES: {exc}") from None
        rates[scope] = rate
    return rates


REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = _throttle_rates(env.str("DJANGO_THROTTLE_RATES", default=""))

SPECTACULAR_SETTINGS = {
    "TITLE": "BoxerConnect API",
    "DESCRIPTION": "Boxer profiles, fight records, clubs, membership and coach rights.",
    "VERSION": __version__,  # the version /health reports: one source
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # The server that serves the document (Swagger UI calls it); generated clients set theirs.
    "SERVERS": [{"url": "/", "description": "The server this document is served from"}],
    "CONTACT": {"name": "BoxerConnect backend team", "url": "/api/docs/"},
    "LICENSE": {"name": "Proprietary", "url": "/api/docs/"},
    # Every operation has one (boxerconnect/schema.py, TAG_RULES); Swagger UI groups by them.
    "TAGS": [
        {
            "name": "auth",
            "description": "Accounts, logins and tokens (access 15 min, refresh 7 days, rotated).",
        },
        {"name": "boxers", "description": "Boxer profiles and the public directory."},
        {"name": "fights", "description": "A boxer's fight record."},
        {"name": "coach links", "description": "A coach asks for rights on a boxer; the boxer accepts."},
        {"name": "clubs", "description": "The public club directory and club management."},
        {"name": "membership", "description": "Boxers asking to join clubs; owners reviewing."},
        {"name": "sparring", "description": "Availability, partner suggestions and sparring requests."},
        {"name": "notifications", "description": "The caller's notifications."},
        {"name": "permissions", "description": "May the caller do this? (show or hide buttons)"},
        {"name": "admin", "description": "User management and statistics (role admin)."},
        {"name": "ops", "description": "Health and metrics for load balancers and monitoring (no token)."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role",
        "GenderEnum": "boxers.models.Gender",
        "ExperienceLevelEnum": "boxers.models.ExperienceLevel",
        "FightResultEnum": "boxers.models.FightResult",
        "FightMethodEnum": "boxers.models.FightMethod",
        "CoachRightEnum": "boxers.models.CoachRight",
        "CoachLinkStatusEnum": "boxers.models.CoachLinkStatus",
        "SparringKindEnum": "boxers.models.SparringKind",
        "SparringStatusEnum": "boxers.models.SparringStatus",
        "ClubCoachStatusEnum": "clubs.models.ClubCoachStatus",
        "MembershipStatusEnum": "clubs.models.MembershipStatus",
        "NotificationKindEnum": "accounts.models.NotificationKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "boxerconnect.schema.describe_error_codes",  # the error codes, in info.description
        "boxerconnect.schema.for_clients",  # error components, ops endpoints, types (docs/clients.md)
    ],
}

# --- Sparring (boxers/sparring/) ---------------------------------------------------------------
# A bout is strict: weights at most this far apart (kg); an under-18 at most this many
# years apart in age from its opponent (bouts, and every suggestion). Suggestions for
# sparring take weights within SPARRING_MAX_WEIGHT_DIFF_KG.
SPARRING_BOUT_MAX_WEIGHT_DIFF_KG = _float("SPARRING_BOUT_MAX_WEIGHT_DIFF_KG", 3.0)
SPARRING_MAX_WEIGHT_DIFF_KG = _float("SPARRING_MAX_WEIGHT_DIFF_KG", 5.0)
SPARRING_JUNIOR_MAX_AGE_GAP_YEARS = _int("SPARRING_JUNIOR_MAX_AGE_GAP_YEARS", 2)
# Suggestions score at most this many fitting candidates at or above the boxer's weight and
# as many below, the nearest in weight (docs/sparring.md: the cost stays flat as boxers grow).
SPARRING_SUGGESTION_CANDIDATES = _int("SPARRING_SUGGESTION_CANDIDATES", 250, minimum=1)
# A pending request expires at the earlier of its start and this many days after creation.
SPARRING_REQUEST_TTL_DAYS = _int("SPARRING_REQUEST_TTL_DAYS", 7, minimum=1)

# --- CORS ---------------------------------------------------------------------------------

# Production names its front ends explicitly. With debug on, the usual local development
# servers (port 3000: Create React App, Next.js; port 5173: Vite; both host spellings) and the
# origin of FRONTEND_URL are allowed as well, so a local front end works against `make run`.
DEV_CORS_ORIGINS = [
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://localhost:5173",
    "http://127.0.0.1:5173",
]
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
if DEBUG:
    _frontend = urlparse(FRONTEND_URL)
    _frontend_origin = [f"{_frontend.scheme}://{_frontend.netloc}"] if _frontend.netloc else []
    CORS_ALLOWED_ORIGINS = list(dict.fromkeys([*CORS_ALLOWED_ORIGINS, *DEV_CORS_ORIGINS, *_frontend_origin]))
CORS_URLS_REGEX = r"^/(api/.*|health(/.*)?)$"
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

# --- Email --------------------------------------------------------------------------------
# Mail is never sent inside a request: services enqueue a job (boxerconnect.jobs.enqueue_mail)
# and `manage.py worker` sends it with this backend, retrying with backoff.

EMAIL_HOST = env.str("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = _int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = _bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Seconds an SMTP connect or reply may take: a hung server costs one attempt, not a worker.
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT", 10, minimum=1)
# An explicit backend wins (e.g. the file backend for live-server tests, which read the
# messages from DJANGO_EMAIL_FILE_PATH).
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="") or EMAIL_BACKEND
# Chosen on purpose: with debug off a console/locmem backend is otherwise an error (boxerconnect.E002).
EMAIL_BACKEND_EXPLICIT = bool(env.str("DJANGO_EMAIL_BACKEND", default=""))
EMAIL_FILE_PATH = env.str("DJANGO_EMAIL_FILE_PATH", default="") or None
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BoxerConnect <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs (boxerconnect/jobs/, docs/operations.md#background-jobs) ----------------
# Django's Tasks API (django-tasks) with its database backend: a job is a row written in the
# transaction that causes it; `manage.py worker` runs every queue and the periodic jobs.

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}
# Attempts per job (the first run included) before it stays failed for an admin to retry.
JOBS_MAX_ATTEMPTS = _int("JOBS_MAX_ATTEMPTS", 8, minimum=1)
# Seconds before the first retry; each later one waits twice as long, up to the maximum.
# Defaults: 30 s, 1, 2, 4, 8, 16 min, then 30 min: 8 attempts over about an hour.
JOBS_RETRY_DELAY = _float("JOBS_RETRY_DELAY", 30.0)
JOBS_RETRY_MAX_DELAY = _float("JOBS_RETRY_MAX_DELAY", 1800.0)
# Seconds an idle worker waits before looking for due jobs again.
JOBS_POLL_INTERVAL = _float("JOBS_POLL_INTERVAL", 1.0)
# A worker writes a heartbeat every JOBS_HEARTBEAT_INTERVAL seconds; a running job whose
# worker has been silent for JOBS_WORKER_TIMEOUT seconds was lost and is retried.
JOBS_HEARTBEAT_INTERVAL = _float("JOBS_HEARTBEAT_INTERVAL", 10.0)
JOBS_WORKER_TIMEOUT = _float("JOBS_WORKER_TIMEOUT", 60.0)
# /health reports jobs (and the service) degraded when a due job has waited this long.
JOBS_BACKLOG_DEGRADED_SECONDS = _float("JOBS_BACKLOG_DEGRADED_SECONDS", 300.0)
# Days finished jobs are kept before the prune_jobs periodic job deletes them.
JOBS_KEEP_SUCCEEDED_DAYS = _int("JOBS_KEEP_SUCCEEDED_DAYS", 7, minimum=1)
JOBS_KEEP_FAILED_DAYS = _int("JOBS_KEEP_FAILED_DAYS", 30, minimum=1)

# Periodic jobs: name -> {"task": dotted path of a task, "schedule": cron expression in UTC
# (5 fields, or 6 with seconds last), or "off"}. Every worker checks them; one row per
# (name, scheduled time) in PostgreSQL makes sure only one of them enqueues each run.
PERIODIC_JOBS = {
    "purge_tokens": {
        "task": "accounts.tasks.purge_tokens",
        "schedule": env.str("PURGE_TOKENS_SCHEDULE", default="17 3 * * *"),
    },
    "prune_jobs": {
        "task": "boxerconnect.jobs.tasks.prune_jobs",
        "schedule": env.str("PRUNE_JOBS_SCHEDULE", default="43 3 * * *"),
    },
    "expire_sparring_requests": {
        "task": "boxers.tasks.expire_sparring_requests",
        "schedule": env.str("SPARRING_EXPIRE_SCHEDULE", default="*/5 * * * *"),
    },
}

# --- Security (TLS behaviour follows DJANGO_DEBUG; each switch can be overridden) -----------

SECURE_SSL_REDIRECT = _bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = _int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = _bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = _bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = _bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Health probes come from the orchestrator over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health(/.*)?$", r"^metrics$"]
if _bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = _int("DJANGO_MAX_BODY_BYTES", 1024 * 1024)

# --- i18n, static -------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default="") or BASE_DIR / "staticfiles")
# Production serves the hashed, compressed files `collectstatic` wrote (the Dockerfile runs
# it). DJANGO_MANIFEST_STATIC=false (tests, a checkout without collectstatic) serves the
# files straight from the apps instead, so admin and Swagger pages still render.
_MANIFEST_STATIC = not DEBUG and _bool("DJANGO_MANIFEST_STATIC", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _MANIFEST_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _MANIFEST_STATIC

# --- Metrics and logging ------------------------------------------------------------------

METRICS_ENABLED = _bool("METRICS_ENABLED", True)
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO").upper()
# json: one JSON object a line (log shippers, production); text: for a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
# Python warnings go through logging too, so every line of the output is in LOG_FORMAT.
logging.captureWarnings(True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "boxerconnect.request_context.RequestIdLogFilter"}},
    "formatters": {
        "json": {"()": "boxerconnect.logs.JsonFormatter"},
        "text": {"()": "boxerconnect.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "boxerconnect.requests": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO").upper()},
    },
}
# /metrics answers bearers of METRICS_TOKEN; without a token it is open only in debug mode or
# with METRICS_PUBLIC=true (a scraper on a private network), and 403 otherwise.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_PUBLIC = _bool("METRICS_PUBLIC", False)

# --- Error tracking (opt-in) ----------------------------------------------------------------
# Sentry with its Django integration, events scrubbed of passwords, tokens, Authorization
# and cookies (boxerconnect/sentry.py). Nothing is sent without a DSN.

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
_traces = env.str("SENTRY_TRACES_SAMPLE_RATE", default="0")
try:
    SENTRY_TRACES_SAMPLE_RATE = float(_traces)
except ValueError:
    raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number, got {_traces!r}") from None
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1, got {_traces!r}")
if SENTRY_DSN:
    import boxerconnect
    from boxerconnect.sentry import init as _sentry_init

    _sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=f"boxerconnect@{boxerconnect.__version__}",
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
