"""The queue in /health, /metrics and the container health check's figures."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from boxerconnect import jobs
from boxerconnect.jobs.models import WorkerHeartbeat
from boxerconnect.jobs.selectors import job_stats
from boxerconnect.jobs.worker import run_due_jobs
from tests.jobs.tasks import always_fails

# /health and /metrics read the queue on their own connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("jobs_")
    }


def enqueue_mails(count: int, *, waited: timedelta = timedelta(0)) -> None:
    for i in range(count):
        jobs.enqueue_mail(to=f"user{i}@example.com", subject="s", body="b")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - waited)


def test_health_reports_an_empty_queue_as_up(api):
    body = api.get("/health").json()

    assert body["status"] == "healthy"
    jobs_part = body["services"]["jobs"]
    assert {k: v for k, v in jobs_part.items() if k != "responseTime"} == {
        "status": "up",
        "queued": 0,
        "oldestQueuedSeconds": 0.0,
        "failed": 0,
    }


def test_a_young_backlog_is_reported_but_healthy(api, settings):
    settings.JOBS_BACKLOG_DEGRADED_SECONDS = 300
    enqueue_mails(3, waited=timedelta(seconds=60))

    body = api.get("/health").json()

    assert body["status"] == "healthy"
    assert body["services"]["jobs"]["status"] == "up"
    assert body["services"]["jobs"]["queued"] == 3
    assert 60 <= body["services"]["jobs"]["oldestQueuedSeconds"] < 120


def test_an_old_backlog_makes_health_degraded_not_unhealthy(api, settings):
    settings.JOBS_BACKLOG_DEGRADED_SECONDS = 300
    enqueue_mails(2, waited=timedelta(minutes=10))

    response = api.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["services"]["jobs"]["status"] == "degraded"
    assert body["services"]["jobs"]["oldestQueuedSeconds"] >= 600
    assert body["services"]["database"]["status"] == "up"


def test_a_retry_waiting_for_its_time_is_not_backlog_and_failed_jobs_are_counted(api, settings):
    settings.JOBS_MAX_ATTEMPTS, settings.JOBS_RETRY_DELAY = 2, 3600
    jobs.enqueue(always_fails)
    run_due_jobs()  # fails once: back in the queue in an hour
    settings.JOBS_MAX_ATTEMPTS = 1
    jobs.enqueue(always_fails)
    run_due_jobs()  # fails for good

    jobs_part = api.get("/health").json()["services"]["jobs"]
    stats = job_stats()

    assert jobs_part["queued"] == 0
    assert jobs_part["failed"] == 1
    assert stats.by_queue[("default", "scheduled")] == 1
    assert stats.by_queue[("default", "failed")] == 1


def test_metrics_export_queue_depth_oldest_age_outcomes_and_workers(api, settings):
    settings.JOBS_MAX_ATTEMPTS = 1
    enqueue_mails(2, waited=timedelta(seconds=30))
    jobs.enqueue(always_fails)
    run_due_jobs()  # both mails sent, the failing job failed for good
    enqueue_mails(1, waited=timedelta(seconds=45))
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, seen_at=timezone.now())

    text = api.get("/metrics").content.decode()
    values = samples(text)

    assert "# TYPE jobs_queued gauge" in text
    assert "# TYPE jobs_processed_total counter" in text
    assert values[("jobs_queued", (("queue", "mail"), ("state", "due")))] == 1
    assert values[("jobs_queued", (("queue", "default"), ("state", "failed")))] == 1
    assert values[("jobs_queued", (("queue", "mail"), ("state", "running")))] == 0
    assert 45 <= values[("jobs_oldest_queued_seconds", ())] < 100
    send_mail = "boxerconnect.jobs.tasks.send_mail"
    assert values[("jobs_processed_total", (("outcome", "succeeded"), ("task", send_mail)))] == 2
    failing = "tests.jobs.tasks.always_fails"
    assert values[("jobs_processed_total", (("outcome", "failed"), ("task", failing)))] == 1
    assert values[("jobs_workers", ())] == 1


def test_the_queue_stats_cost_three_queries_whatever_the_backlog(django_assert_num_queries):
    enqueue_mails(50)
    for _ in range(3):
        jobs.enqueue(always_fails)

    with django_assert_num_queries(3):
        stats = job_stats()

    assert stats.queued == 53
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 53
