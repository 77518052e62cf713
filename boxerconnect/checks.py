"""System checks for deployment mistakes Django's own checks do not catch (registered in apps.py).

Checks tagged STARTUP are errors `manage.py check --deploy` reports and also the reason the
server refuses to start (`refuse_to_serve_misconfigured`, called by boxerconnect/wsgi.py, so
under gunicorn and runserver alike): a server that would print reset links into its log or
sign tokens with a guessable key must not come up.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

STARTUP = "startup"  # the tag of the checks the server runs before it serves

# Backends that keep mail inside the process or print it (with its reset links) to stdout.
LOCAL_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}
# HS256 takes a key at least as long as its hash output (RFC 7518, section 3.2).
JWT_KEY_MIN_BYTES = 32

PER_PROCESS_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


def per_process_cache_check(app_configs, **kwargs):
    """Warn when debug is off and a cache lives in process memory.

    A per-process cache is not shared by gunicorn workers or hosts: throttles count per
    process and permission-cache invalidations reach only the writing process.
    """
    if settings.DEBUG:
        return []
    errors = []
    for alias in ("default", "guarded"):
        backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
        if backend in PER_PROCESS_BACKENDS:
            errors.append(
                checks.Warning(
                    f"The {alias!r} cache is per-process ({backend}).",
                    hint="Set REDIS_URL (or CACHE_URL=dbcache://... / dummycache://) in production.",
                    id="boxerconnect.W001",
                )
            )
    return errors


def mail_backend_check(app_configs, **kwargs):
    """With debug off, mail must leave the machine: the console backend (the fallback without
    EMAIL_HOST) writes every reset and set-password link, a raw token, into the server's log.
    Choosing a backend explicitly (DJANGO_EMAIL_BACKEND) is respected."""
    if settings.DEBUG or getattr(settings, "EMAIL_BACKEND_EXPLICIT", False):
        return []
    if settings.EMAIL_BACKEND not in LOCAL_MAIL_BACKENDS:
        return []
    return [
        checks.Error(
            f"Mail would not leave this process ({settings.EMAIL_BACKEND}): password-reset "
            "links would be written to the log.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD), or "
            "choose a backend explicitly with DJANGO_EMAIL_BACKEND.",
            id="boxerconnect.E002",
        )
    ]


def jwt_signing_key_check(app_configs, **kwargs):
    """With debug off, the key that signs JWTs (JWT_SIGNING_KEY, else DJANGO_SECRET_KEY) must
    be at least 32 bytes: a short HS256 key can be brute-forced offline from one token."""
    if settings.DEBUG:
        return []
    key = settings.SIMPLE_JWT.get("SIGNING_KEY") or ""
    length = len(key.encode() if isinstance(key, str) else key)
    if length >= JWT_KEY_MIN_BYTES:
        return []
    return [
        checks.Error(
            f"The JWT signing key is {length} bytes long; HS256 needs at least {JWT_KEY_MIN_BYTES}.",
            hint='Set JWT_SIGNING_KEY (or DJANGO_SECRET_KEY) to e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe(64))" (the same value on every app host).',
            id="boxerconnect.E001",
        )
    ]


def refuse_to_serve_misconfigured() -> None:
    """Raise ImproperlyConfigured (the server does not start) when a STARTUP check fails."""
    errors = [
        message
        for message in checks.run_checks(tags=[STARTUP], include_deployment_checks=True)
        if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured(
            "Refusing to serve: " + " ".join(f"{error.id}: {error.msg} {error.hint}" for error in errors)
        )
