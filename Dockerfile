# BoxerConnect API image: Python slim, non-root, static files collected at build time and
# served by whitenoise, gunicorn behind docker-entrypoint.sh (waits for the database,
# migrates when DJANGO_MIGRATE=true, then execs the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Every runtime dependency ships as a wheel (psycopg[binary], hiredis, argon2-cffi): no
# compiler in the image.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY --chown=root:root . .
# collectstatic only needs settings to load: a throwaway key, no database, no Redis.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret DJANGO_DEBUG=false \
    python manage.py collectstatic --noinput \
    && chmod 0755 docker-entrypoint.sh

USER app

# Prometheus worker files live on the container's /tmp (mount a tmpfs there).
ENV PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc
EXPOSE 8000

# Liveness (GET /health/live): a database outage must not mark the container unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "manage.py", "healthcheck", "--live"]

ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "boxerconnect.wsgi:application"]
