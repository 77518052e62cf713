"""System checks for deployment mistakes Django's own checks do not catch (registered in apps.py)."""

from django.conf import settings
from django.core import checks

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
