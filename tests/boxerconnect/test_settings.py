"""Settings parsing: each URL form becomes the right Django configuration, and a bad value
stops start-up with an ImproperlyConfigured that names the variable."""

import json

import pytest

from tests.boxerconnect.subproc import REPO, load_settings, run_python, settings_error

# --- DATABASE_URL -------------------------------------------------------------------------


def test_database_defaults_to_an_embedded_sqlite_file():
    db = load_settings("DATABASES", DATABASE_URL=None)["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(REPO / "db.sqlite3")


def test_sqlite_url_names_the_file():
    db = load_settings("DATABASES", DATABASE_URL="sqlite:////tmp/bc-settings-test.db")["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/tmp/bc-settings-test.db"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_url_gives_psycopg_with_short_timeouts_and_persistent_connections(scheme):
    url = f"{scheme}://bc:p%40ss@db.internal:6543/boxerconnect?sslmode=verify-full"

    db = load_settings("DATABASES", DATABASE_URL=url)["DATABASES"]["default"]

    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 6543, "boxerconnect", "bc")
    assert db["PASSWORD"] == "p@ss"
    assert db["OPTIONS"]["sslmode"] == "verify-full"
    assert db["OPTIONS"]["connect_timeout"] == 3
    # Nothing PgBouncer's transaction pooling would refuse or lose: no start-up `options`
    # (statement_timeout is the role's default, set by migrate), no server-side cursors.
    assert "options" not in db["OPTIONS"] and "pool" not in db["OPTIONS"]
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert db["CONN_MAX_AGE"] == 60
    assert db["CONN_HEALTH_CHECKS"] is True


def test_database_pool_enables_psycopgs_pool_sized_for_the_threads():
    loaded = load_settings(
        "DATABASES",
        "DB_STATEMENT_TIMEOUT_MS",
        DATABASE_URL="postgres://bc@db/bc",
        DATABASE_POOL="true",
        GUNICORN_THREADS="6",
        DB_CONNECT_TIMEOUT="2",
    )
    db = loaded["DATABASES"]["default"]

    assert db["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    pool = db["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (1, 9, 2.0)
    assert db["CONN_HEALTH_CHECKS"] is True  # Django then checks each checkout (pool "check")
    assert loaded["DB_STATEMENT_TIMEOUT_MS"] == 15000
    assert "options" not in db["OPTIONS"]


def test_database_pool_size_can_be_set():
    db = load_settings(
        "DATABASES", DATABASE_URL="postgres://bc@db/bc", DATABASE_POOL="true", DATABASE_POOL_MAX_SIZE="3"
    )["DATABASES"]["default"]

    assert db["OPTIONS"]["pool"]["max_size"] == 3


def test_postgres_tuning_variables_are_applied():
    db = load_settings(
        "DATABASES",
        DATABASE_URL="postgres://bc@db/bc",
        DB_CONN_MAX_AGE="0",
        DB_CONNECT_TIMEOUT="7",
        DB_STATEMENT_TIMEOUT_MS="0",
    )["DATABASES"]["default"]

    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["connect_timeout"] == 7
    assert "options" not in db["OPTIONS"] and "pool" not in db["OPTIONS"]


# --- REDIS_URL and CACHE_URL --------------------------------------------------------------


def test_redis_url_configures_django_redis_with_hiredis_json_and_timeouts():
    caches = load_settings("CACHES", REDIS_URL="redis://:secret@cache.internal:6379/2")["CACHES"]

    default, guarded = caches["default"], caches["guarded"]
    assert default["BACKEND"] == guarded["BACKEND"] == "django_redis.cache.RedisCache"
    assert default["LOCATION"] == guarded["LOCATION"] == "redis://:secret@cache.internal:6379/2"
    options = default["OPTIONS"]
    assert options["PARSER_CLASS"] == "redis._parsers.hiredis._HiredisParser"
    assert options["SERIALIZER"] == "django_redis.serializers.json.JSONSerializer"
    assert (options["SOCKET_CONNECT_TIMEOUT"], options["SOCKET_TIMEOUT"]) == (0.25, 0.25)
    # "default" swallows Redis errors; "guarded" raises them to the circuit breaker.
    assert default["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert guarded["OPTIONS"]["IGNORE_EXCEPTIONS"] is False
    assert "ssl_cert_reqs" not in options["CONNECTION_POOL_KWARGS"]


def test_redis_timeouts_come_from_the_environment():
    caches = load_settings(
        "CACHES", REDIS_URL="redis://cache:6379/0", REDIS_CONNECT_TIMEOUT="0.5", REDIS_SOCKET_TIMEOUT="1.5"
    )["CACHES"]

    options = caches["guarded"]["OPTIONS"]
    assert (options["SOCKET_CONNECT_TIMEOUT"], options["SOCKET_TIMEOUT"]) == (0.5, 1.5)


_TLS_CONNECTION = """
import json, ssl, django
django.setup()
from redis.connection import SSLConnection
from boxerconnect.cache.events import RedisSSLConnection
from django.core.cache import caches
out = {}
for alias in ("default", "guarded"):
    client = caches[alias].client.get_client()
    conn = client.connection_pool.make_connection()  # built, not connected
    out[alias] = {
        "tls": isinstance(conn, SSLConnection),
        "vets_server": isinstance(conn, RedisSSLConnection),
        "cert_required": conn.cert_reqs == ssl.CERT_REQUIRED,
        "check_hostname": conn.check_hostname,
        "ca_certs": conn.ca_certs,
        "host": conn.host,
        "port": conn.port,
        "parser": client.connection_pool.connection_kwargs["parser_class"].__name__,
    }
print(json.dumps(out))
"""


def test_rediss_url_uses_tls_with_certificate_and_hostname_verification():
    result = run_python(
        _TLS_CONNECTION,
        REDIS_URL="rediss://default:secret@redis.example.com:6380/0",
        REDIS_SSL_CA_CERTS="/etc/ssl/certs/ca-certificates.crt",
    )

    assert result.returncode == 0, result.stderr
    connections = json.loads(result.stdout.strip().splitlines()[-1])
    for conn in connections.values():
        assert conn["tls"] is True
        assert conn["vets_server"] is True
        assert conn["cert_required"] is True
        assert conn["check_hostname"] is True
        assert conn["ca_certs"] == "/etc/ssl/certs/ca-certificates.crt"
        assert (conn["host"], conn["port"]) == ("redis.example.com", 6380)
        assert conn["parser"] == "_HiredisParser"


def test_without_redis_or_cache_url_the_cache_is_per_process():
    caches = load_settings("CACHES", REDIS_URL=None, CACHE_URL=None)["CACHES"]

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert caches["guarded"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_cache_url_dbcache_uses_the_database_cache_table():
    caches = load_settings("CACHES", CACHE_URL="dbcache://bc_cache")["CACHES"]

    for alias in ("default", "guarded"):
        assert caches[alias]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
        assert caches[alias]["LOCATION"] == "bc_cache"
        assert caches[alias]["KEY_PREFIX"] == "bc"


def test_cache_url_dummycache_disables_caching():
    caches = load_settings("CACHES", CACHE_URL="dummycache://")["CACHES"]

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.dummy.DummyCache"
    assert caches["guarded"]["BACKEND"] == "django.core.cache.backends.dummy.DummyCache"


def test_cache_url_may_name_redis_too():
    caches = load_settings("CACHES", CACHE_URL="redis://cache:6379/3")["CACHES"]

    assert caches["guarded"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["guarded"]["LOCATION"] == "redis://cache:6379/3"


# --- Other values -------------------------------------------------------------------------


def test_production_mode_turns_every_tls_protection_on():
    values = load_settings(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "ALLOWED_HOSTS",
        DJANGO_ALLOWED_HOSTS="api.example.com,api2.example.com",
    )

    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "ALLOWED_HOSTS": ["api.example.com", "api2.example.com"],
    }


def test_debug_mode_runs_without_a_secret_key_and_answers_on_loopback():
    values = load_settings(
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=None,
        DJANGO_ALLOWED_HOSTS=None,
    )

    assert values == {
        "DEBUG": True,
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
        "SECURE_SSL_REDIRECT": False,
    }


def test_throttle_rates_override_the_defaults():
    rates = load_settings("REST_FRAMEWORK", DJANGO_THROTTLE_RATES="login=3/10min, anon=off")[
        "REST_FRAMEWORK"
    ]["DEFAULT_THROTTLE_RATES"]

    assert rates["login"] == "3/10min"
    assert rates["anon"] is None
    assert rates["register"] == "10/hour"


def test_email_uses_smtp_when_a_host_is_set():
    values = load_settings(
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="2525",
    )

    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 2525,
        "EMAIL_USE_TLS": True,
    }


# --- Bad values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false, got 'maybe'"),
        ({"EMAIL_HOST": "smtp.example.com", "EMAIL_USE_TLS": "ja"}, "EMAIL_USE_TLS must be true or false"),
        ({"PERMISSION_CACHE_TTL": "ten"}, "PERMISSION_CACHE_TTL must be an integer, got 'ten'"),
        ({"PERMISSION_CACHE_TTL": "0"}, "PERMISSION_CACHE_TTL must be >= 1, got 0"),
        ({"DJANGO_NUM_PROXIES": "-1"}, "DJANGO_NUM_PROXIES must be >= 0"),
        ({"REDIS_SOCKET_TIMEOUT": "fast"}, "REDIS_SOCKET_TIMEOUT must be a number, got 'fast'"),
        ({"HEALTH_PROBE_TIMEOUT": "0"}, "HEALTH_PROBE_TIMEOUT must be > 0"),
        (
            {"REDIS_URL": "redis://cache:6379/0", "CACHE_URL": "dbcache://bc_cache"},
            "Set REDIS_URL or CACHE_URL, not both.",
        ),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must start with redis://, rediss:// or unix://"),
        ({"CACHE_URL": "memcached-ish://x"}, "CACHE_URL is invalid"),
        ({"DATABASE_URL": "mysql://bc@db/bc"}, "DATABASE_URL must be postgres://"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL must be postgres://"),
        ({"DJANGO_THROTTLE_RATES": "login=5/fortnight"}, "DJANGO_THROTTLE_RATES: invalid rate '5/fortnight'"),
        ({"DJANGO_THROTTLE_RATES": "logins=5/min"}, "DJANGO_THROTTLE_RATES: unknown entry 'logins=5/min'"),
        ({"DJANGO_THROTTLE_RATES": "login"}, "DJANGO_THROTTLE_RATES: unknown entry 'login'"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off"),
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off"),
    ],
)
def test_bad_value_stops_startup_with_a_clear_message(env, message):
    error = settings_error(**env)

    assert message in error


def test_the_suite_runs_without_a_developers_dotenv(settings):
    # scripts/test.sh sets DJANGO_READ_ENV_FILE=false (and so do the subprocesses here): a
    # `.env` beside manage.py, as `make run` writes one, changes nothing the tests see.
    assert settings.ENV_FILE_READ is None
