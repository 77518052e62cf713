"""Redis passwords and TLS in REDIS_URL (issue 14, item 4): a password with special characters
works percent-encoded against a real redis-server with `requirepass`; pasted as is, it stops
start-up with a message that says what to do; REDIS_TLS=true never allows a plaintext URL."""

import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
import redis

from tests.boxerconnect.subproc import load_settings, run_python, settings_error
from tests.support.servers import RedisServer

# Every character the seed guide's troubleshooting mentions, and then some.
PASSWORD = "S3cr@t:pa/ss#50%?x"
ENCODED = quote(PASSWORD, safe="")

_ROTATE_THROUGH_THE_APP = """
import django
django.setup()
from boxerconnect.cache import stamped
print("NONCE", stamped.rotate())
"""


@pytest.fixture(scope="module")
def protected_redis():
    """A redis-server whose default user needs PASSWORD (`requirepass`, the self-hosted setup)."""
    server = RedisServer("--requirepass", PASSWORD, password=PASSWORD)
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_an_encoded_password_with_every_special_character_authenticates(protected_redis):
    url = f"redis://:{ENCODED}@127.0.0.1:{protected_redis.port}/0"

    result = run_python(_ROTATE_THROUGH_THE_APP, REDIS_URL=url, CACHE_KEY_PREFIX="pwtest")

    assert result.returncode == 0, result.stderr
    nonce = result.stdout.split("NONCE ", 1)[1].split()[0]
    assert protected_redis.client().get("pwtest:1:perm:nonce") == f'"{nonce}"'.encode()


def make_certificates(directory: Path) -> None:
    """A private CA and a certificate it signed for localhost (what a managed service shows)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=bc-test-ca"
    )
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.ext",
    )  # fmt: skip


class TlsRedisServer(RedisServer):
    """TLS only (`--port 0 --tls-port`), with `requirepass`: a managed service's endpoint."""

    def __init__(self, certs: Path) -> None:
        self.certs = certs
        super().__init__(
            *("--port", "0", "--tls-auth-clients", "no", "--requirepass", PASSWORD),
            *("--tls-cert-file", str(certs / "server.crt"), "--tls-key-file", str(certs / "server.key")),
            password=PASSWORD,
        )
        self.args[:0] = ["--tls-port", str(self.port)]

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="localhost", port=self.port, password=PASSWORD, ssl=True,
            ssl_ca_certs=str(self.certs / "ca.crt"), socket_timeout=1,
        )  # fmt: skip


@pytest.fixture(scope="module")
def tls_redis():
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed (apt-get install openssl)")
    certs = Path(tempfile.mkdtemp(prefix="bc-tls-"))
    make_certificates(certs)
    server = TlsRedisServer(certs)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(certs, ignore_errors=True)


@pytest.mark.slow
def test_managed_style_rediss_with_an_encoded_password_and_redis_tls_works(tls_redis):
    url = f"rediss://default:{ENCODED}@localhost:{tls_redis.port}/0"

    result = run_python(
        _ROTATE_THROUGH_THE_APP,
        REDIS_URL=url,
        REDIS_TLS="true",
        REDIS_SSL_CA_CERTS=str(tls_redis.certs / "ca.crt"),
        CACHE_KEY_PREFIX="tlstest",
    )

    assert result.returncode == 0, result.stderr
    nonce = result.stdout.split("NONCE ", 1)[1].split()[0]
    assert tls_redis.client().get("tlstest:1:perm:nonce") == f'"{nonce}"'.encode()


@pytest.mark.slow
def test_rediss_refuses_a_certificate_it_cannot_verify(tls_redis):
    # No REDIS_SSL_CA_CERTS: the private CA is unknown, and verification cannot be turned off.
    url = f"rediss://default:{ENCODED}@localhost:{tls_redis.port}/0"

    result = run_python(_ROTATE_THROUGH_THE_APP, REDIS_URL=url, CACHE_KEY_PREFIX="tlstest2")

    assert result.returncode != 0
    assert "CacheUnavailable" in result.stderr and "certificate verify failed" in result.stderr
    assert tls_redis.client().exists("tlstest2:1:perm:nonce") == 0


@pytest.mark.slow
def test_the_acl_user_form_with_an_encoded_password_authenticates(protected_redis):
    # rediss://default:PASSWORD@host (Upstash, Redis Cloud) is this form over TLS.
    url = f"redis://default:{ENCODED}@127.0.0.1:{protected_redis.port}/0"

    result = run_python(_ROTATE_THROUGH_THE_APP, REDIS_URL=url, CACHE_KEY_PREFIX="pwtest2")

    assert result.returncode == 0, result.stderr
    assert protected_redis.client().exists("pwtest2:1:perm:nonce") == 1


def test_the_same_password_not_encoded_stops_start_up_naming_the_problem():
    message = settings_error(REDIS_URL=f"redis://:{PASSWORD}@127.0.0.1:6379/0")

    assert message.startswith("REDIS_URL ")
    assert "percent-encode special characters in the password" in message
    assert PASSWORD not in message and "S3cr" not in message  # never echo the secret


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("ab@cd", "un-encoded '@'"),
        ("ab:cd", "un-encoded ':'"),
        ("ab/cd", "un-encoded '/' or '?'"),
        ("ab?cd", "un-encoded '/' or '?'"),
        ("ab#cd", "un-encoded '#'"),
        ("ab%zz", "un-encoded '%'"),
    ],
)
@pytest.mark.parametrize("user", ["", "default"])
def test_each_special_character_not_encoded_is_named(password, problem, user):
    message = settings_error(REDIS_URL=f"rediss://{user}:{password}@cache.example.com:6380/0")

    assert problem in message
    assert "%40" in message  # the hint shows the encoding
    assert password not in message


@pytest.mark.parametrize("password", ["ab@cd", "ab:cd", "ab/cd", "ab?cd", "ab#cd", "ab%cd"])
def test_each_special_character_encoded_is_accepted_and_decoded(password):
    url = f"rediss://default:{quote(password, safe='')}@cache.example.com:6380/0"

    caches = load_settings("CACHES", REDIS_URL=url)["CACHES"]

    assert caches["guarded"]["LOCATION"] == url
    parsed = run_python(f"from redis.connection import parse_url; print(parse_url({url!r})['password'])")
    assert parsed.stdout.strip() == password


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://cache.internal:63x9/0", "port that is not a number"),
        ("redis://cache.internal:6379/zero", "database that is not a number"),
        ("redis://:secret@/0", "names no host"),
        ("redis://cache.internal:6379/0?sockettimeout=1", "unknown query option 'sockettimeout'"),
    ],
)
def test_other_url_mistakes_stop_start_up(url, problem):
    assert problem in settings_error(REDIS_URL=url)


def test_cache_url_with_a_redis_scheme_is_checked_too():
    message = settings_error(CACHE_URL="redis://:p@ss@cache.internal:6379/0")

    assert message.startswith("CACHE_URL ") and "un-encoded '@'" in message


@pytest.mark.parametrize("url", ["redis://:secret@cache.internal:6379/0", "unix:///run/redis.sock"])
def test_redis_tls_with_a_plaintext_url_stops_start_up(url):
    message = settings_error(REDIS_URL=url, REDIS_TLS="true")

    assert message.startswith("REDIS_TLS=true but REDIS_URL starts with")
    assert "rediss://" in message and "secret" not in message


def test_redis_tls_with_a_rediss_url_starts_with_verified_tls():
    caches = load_settings(
        "CACHES", REDIS_URL="rediss://default:secret@cache.example.com:6380/0", REDIS_TLS="true"
    )["CACHES"]

    assert caches["guarded"]["OPTIONS"]["CONNECTION_POOL_KWARGS"]["ssl_cert_reqs"] == "required"


def test_redis_tls_must_be_a_boolean():
    assert "REDIS_TLS must be true or false" in settings_error(
        REDIS_URL="rediss://cache.example.com:6380/0", REDIS_TLS="yes please"
    )
