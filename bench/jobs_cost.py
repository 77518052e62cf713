"""What the jobs and logging work costs where it is paid often: per request and per scrape.

  log line        formatting one request line (JSON and text) with the masking pass, µs
  reset request   POST /auth/password/reset/ for a known and an unknown email (the known
                  one now writes a token and a job row; no SMTP in the request), ms
  job stats       the three queries behind /health's services.jobs and /metrics, with
                  100k finished jobs in the table, with and without the partial index, ms

Run: .venv/bin/python -m bench.jobs_cost   (its own database, bench_jobs; its own Redis)
"""

import json
import logging
import os
import statistics
import subprocess
import sys
import time
import timeit

from bench.common import REPO, SECRET_KEY, RedisServer, fresh_database


def main() -> None:
    redis = RedisServer()
    try:
        url = fresh_database("bench_jobs")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "DJANGO_SETTINGS_MODULE": "boxerconnect.settings",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_MANIFEST_STATIC": "false",
            "DJANGO_THROTTLE_RATES": "password_reset=off,anon=off",
            "REQUEST_LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True
        )
        os.environ.update(env)
        import django

        django.setup()
        results = {
            "log_line_us": log_line(),
            "reset_request_ms": reset_request(),
            "job_stats_ms": job_stats(),
        }
        print(json.dumps(results, indent=2))
    finally:
        redis.stop()


def log_line() -> dict:
    from boxerconnect.logs import JsonFormatter, TextFormatter

    record = logging.LogRecord(
        "boxerconnect.requests",
        logging.INFO,
        __file__,
        1,
        "%s %s %s %.1fms route=%s user=%s",
        ("GET", "/api/v1/boxers/3f0c6a1e-1b7e-4a8e-9d51-0c2f1b2a9e11/", 200, 8.4, "boxer-detail", "a1b2"),
        None,
    )
    extra = {
        "request_id": "3f0c6a1e1b7e4a8e9d510c2f1b2a9e11",
        "user_id": "a1b2",
        "route": "boxer-detail",
        "method": "GET",
        "path": "/api/v1/boxers/x/",
        "status": 200,
        "duration_ms": 8.4,
    }
    record.__dict__.update(extra)
    out = {}
    for name, formatter in (("json", JsonFormatter()), ("text", TextFormatter())):
        runs = timeit.repeat(lambda f=formatter: f.format(record), number=20000, repeat=5)
        out[name] = round(min(runs) / 20000 * 1e6, 2)
    return out


def reset_request() -> dict:
    from django.test import Client

    from accounts.models import User

    User.objects.create_user(email="known@example.com", password="Bench-Password-123", name="Known")
    client = Client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(60):
        for label, email in (("known", "known@example.com"), ("unknown", "nobody@example.com")):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/auth/password/reset/", {"email": email}, content_type="application/json"
            )
            timings[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 202, response.content
    return {label: round(statistics.median(values[10:]), 2) for label, values in timings.items()}


def job_stats() -> dict:
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    from boxerconnect.jobs.selectors import job_stats as stats

    now = timezone.now()
    rows = [
        DBTaskResult(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="boxerconnect.jobs.tasks.send_mail",
            queue_name="mail",
            backend_name="default",
            run_after=get_date_max(),
            status=status,
            exception_class_path="",
            traceback="",
            finished_at=now if status != "READY" else None,
        )
        for status in ["SUCCESSFUL"] * 100_000 + ["READY"] * 1_000 + ["FAILED"] * 50
    ]
    DBTaskResult.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_tasks_database_dbtaskresult")

    def measure() -> float:
        runs = []
        for _ in range(30):
            started = time.perf_counter()
            stats()
            runs.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(runs[5:]), 2)

    with_index = measure()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX jobs_unfinished_status_idx")
        cursor.execute("ANALYZE django_tasks_database_dbtaskresult")
    return {"with_partial_index": with_index, "without": measure(), "rows": len(rows)}


if __name__ == "__main__":
    main()
