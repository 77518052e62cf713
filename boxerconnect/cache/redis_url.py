"""Start-up checks of a Redis URL: a mistake in it stops the process with a message that
names the problem, instead of a connection error the first time a request needs Redis.

The commonest mistake is a password with special characters pasted as is: `@ : / # % ?`
must be percent-encoded in a URL (`p@ss/w#rd` → `p%40ss%2Fw%23rd`), or the URL parser
reads part of the password as the host, the database, the query or a fragment. A password
containing `%XX` by chance cannot be told apart from an encoded one; every other un-encoded
special character that changes what the URL means is caught here. No message repeats the
URL or any part of it: it holds the password.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from redis.connection import URL_QUERY_ARGUMENT_PARSERS

SCHEMES = ("redis", "rediss", "unix")

ENCODE_HINT = (
    "percent-encode special characters in the password (@ → %40, : → %3A, / → %2F, # → %23, "
    "% → %25, ? → %3F), e.g. with "
    "python3 -c \"import urllib.parse; print(urllib.parse.quote(input('password: '), safe=''))\""
)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DB_PATH = re.compile(r"/?\d*")


def _fail(variable: str, problem: str) -> None:
    raise ImproperlyConfigured(f"{variable} {problem}; {ENCODE_HINT}")


def check_redis_url(url: str, *, variable: str = "REDIS_URL", tls_required: bool = False) -> None:
    """Raise ImproperlyConfigured when `url` cannot mean what its author meant.

    `tls_required` (REDIS_TLS=true): anything but `rediss://` is refused, so a deployment
    that asked for TLS never talks to Redis in plaintext.
    """
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme not in SCHEMES:
        raise ImproperlyConfigured(
            f"{variable} must start with redis://, rediss:// or unix://, got {scheme!r}"
        )
    if tls_required and scheme != "rediss":
        raise ImproperlyConfigured(
            f"REDIS_TLS=true but {variable} starts with {scheme}://: TLS was asked for, so the "
            "connection must never be plaintext. Use the provider's rediss:// URL (or unset REDIS_TLS)."
        )
    if "#" in url:
        _fail(variable, "contains an un-encoded '#' (a URL fragment: everything after it would be lost)")
    parts = urlsplit(url)
    if "@" in parts.path or "@" in parts.query:
        _fail(variable, "has an '@' after its host: the password seems to contain an un-encoded '/' or '?'")
    if parts.netloc.count("@") > 1:
        _fail(variable, "has more than one '@': the password seems to contain an un-encoded '@'")
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo.count(":") > 1:
        _fail(variable, "has more than one ':' before its host: the password has an un-encoded ':'")
    if _BAD_PERCENT.search(userinfo):
        _fail(
            variable,
            "has a '%' not followed by two hex digits: the password seems to contain an un-encoded '%'",
        )
    if scheme == "unix":
        if not parts.path:
            raise ImproperlyConfigured(f"{variable} must name the socket file: unix:///path/to/redis.sock")
    else:
        try:
            parts.port  # noqa: B018  (raises ValueError when the port is not a number)
        except ValueError:
            _fail(variable, "has a port that is not a number (an un-encoded ':' or '@' in the password?)")
        if not parts.hostname:
            _fail(variable, "names no host")
        if not _DB_PATH.fullmatch(parts.path):
            _fail(variable, "has a database that is not a number (it must end in /0, /1, ...)")
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        parser = URL_QUERY_ARGUMENT_PARSERS.get(name)
        if parser is None:
            shown = f" {name!r}" if re.fullmatch(r"[a-z_]{1,40}", name) else ""
            _fail(variable, f"has an unknown query option{shown} (a '?' in the password?)")
        try:
            parser(values[-1])  # type: ignore[operator]
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                f"{variable}: the value of the query option {name!r} is invalid"
            ) from None
