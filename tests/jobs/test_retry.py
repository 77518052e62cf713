"""Failed attempts come back after an exponential backoff, then stay failed for an admin."""

import itertools
import socket
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect import jobs
from boxerconnect.jobs import services
from boxerconnect.jobs.models import JobCounter, WorkerHeartbeat
from boxerconnect.jobs.retry import retry_delay, retry_schedule
from boxerconnect.jobs.selectors import last_error
from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import AdminFactory, CoachFactory, UserFactory
from tests.jobs.tasks import always_fails, record

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_tasks_database_dbtaskresult_changelist"


def counters() -> dict[tuple[str, str], int]:
    return {(c.task.rsplit(".", 1)[-1], c.outcome): c.value for c in JobCounter.objects.all()}


def run_until_settled(row_pk, *, timeout: float = 10.0) -> DBTaskResult:
    """Run due jobs as a worker would, waiting out the (short) backoff, until the job is
    successful or failed for good."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_due_jobs()
        row = DBTaskResult.objects.get(pk=row_pk)
        if row.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            return row
        time.sleep(0.02)
    raise AssertionError(f"job {row_pk} still {row.status} after {timeout}s")


# --- The backoff ----------------------------------------------------------------------------


def test_default_schedule_is_eight_attempts_over_about_an_hour_first_retry_within_30s():
    delays = retry_schedule()

    assert len(delays) == 7  # between 8 attempts
    assert delays[0] <= 30
    assert all(later > earlier for earlier, later in itertools.pairwise(delays[:6]))
    assert 45 * 60 <= sum(delays) <= 70 * 60


def test_each_delay_is_jittered_down_never_up_and_capped(settings):
    settings.JOBS_RETRY_DELAY, settings.JOBS_RETRY_MAX_DELAY, settings.JOBS_MAX_ATTEMPTS = 10, 45, 6

    samples = {attempts: [retry_delay(attempts) for _ in range(200)] for attempts in range(1, 6)}

    for attempts, nominal in zip(range(1, 6), [10, 20, 40, 45, 45], strict=True):
        assert 0.8 * nominal <= min(samples[attempts])
        assert max(samples[attempts]) <= nominal
    assert len({round(d, 6) for d in samples[1]}) > 1  # jittered
    assert retry_delay(6) is None


# --- Failing jobs ----------------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_then_kept_failed_with_its_last_error(settings):
    settings.JOBS_MAX_ATTEMPTS, settings.JOBS_RETRY_DELAY, settings.JOBS_RETRY_MAX_DELAY = 3, 0.05, 0.1
    result = jobs.enqueue(always_fails, message="smtp said no")

    run_due_jobs()
    after_first = DBTaskResult.objects.get(pk=result.id)
    row = run_until_settled(result.id)

    assert after_first.status == TaskResultStatus.READY  # queued again ...
    assert after_first.run_after > after_first.started_at  # ... for later
    assert "RuntimeError: smtp said no" in after_first.traceback
    assert row.status == TaskResultStatus.FAILED
    assert services.attempts(row) == 3
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "smtp said no" in row.traceback
    assert counters() == {("always_fails", "retried"): 2, ("always_fails", "failed"): 1}


def test_mail_survives_an_smtp_outage_shorter_than_the_retry_window(api, settings, smtp_settings):
    settings.JOBS_RETRY_DELAY, settings.JOBS_RETRY_MAX_DELAY = 0.05, 0.1
    user = UserFactory(email="outage@example.com")
    smtp_settings.stop()

    response = api.post("/api/v1/auth/password/reset/", {"email": user.email}, format="json")
    run_due_jobs()  # first attempt: connection refused
    job = DBTaskResult.objects.get(queue_name="mail")
    smtp_settings.start()
    job = run_until_settled(job.pk)

    assert response.status_code == 202
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert services.attempts(job) >= 2
    assert len(smtp_settings.mails_to("outage@example.com")) == 1


def test_a_hung_mail_server_costs_one_attempt_not_a_stuck_worker(settings):
    # A server that accepts the connection and never says a word (no SMTP greeting).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 1
    try:
        jobs.enqueue_mail(to="hung@example.com", subject="s", body="b")

        ran = run_due_jobs()
    finally:
        silent.close()

    row = DBTaskResult.objects.get()
    assert ran == 1
    assert row.status == TaskResultStatus.READY  # back in the queue for a retry
    assert "timed out" in last_error(row).lower() or "TimeoutError" in last_error(row)


def test_a_job_lost_with_its_worker_is_queued_again_and_the_lost_attempt_counts(settings):
    settings.JOBS_WORKER_TIMEOUT = 60
    result = jobs.enqueue(record, directory="/nonexistent", name="x")
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=1, seen_at=timezone.now())
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=2, seen_at=timezone.now() - timedelta(minutes=5)
    )
    long_ago = timezone.now() - timedelta(minutes=2)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["dead"], started_at=long_ago
    )
    alive_job = jobs.enqueue(record, directory="/nonexistent", name="y")
    DBTaskResult.objects.filter(pk=alive_job.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=["alive"], started_at=long_ago
    )

    handled = services.lost_jobs_requeue()

    assert handled == [str(result.id)]
    lost = DBTaskResult.objects.get(pk=result.id)
    assert lost.status == TaskResultStatus.READY
    assert lost.run_after > timezone.now()
    assert last_error(lost) == "WorkerLost: the worker dead stopped while running this job (attempt 1)."
    assert DBTaskResult.objects.get(pk=alive_job.id).status == TaskResultStatus.RUNNING
    assert counters() == {("record", "lost"): 1}


def test_a_job_lost_on_its_last_attempt_fails_with_the_reason(settings):
    settings.JOBS_MAX_ATTEMPTS = 2
    result = jobs.enqueue(record, directory="/nonexistent", name="x")
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=["gone-1", "gone-2"],
        started_at=timezone.now() - timedelta(minutes=5),
    )

    services.lost_jobs_requeue()

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "boxerconnect.jobs.WorkerLost"
    assert "gone-2" in row.traceback


# --- Admin and command -------------------------------------------------------------------------


@pytest.fixture
def failed_job(settings):
    settings.JOBS_MAX_ATTEMPTS = 1
    result = jobs.enqueue(always_fails, message="mail server on fire")
    run_due_jobs()
    return DBTaskResult.objects.get(pk=result.id)


def test_the_admin_lists_failed_jobs_with_attempts_and_the_last_error(failed_job):
    client = Client()
    client.force_login(AdminFactory())

    page = client.get(reverse(CHANGELIST), {"status__exact": "FAILED"})

    assert failed_job.status == TaskResultStatus.FAILED
    assert page.status_code == 200
    text = page.content.decode()
    assert str(failed_job.pk) in text
    assert "RuntimeError: mail server on fire" in text


def test_an_admin_retries_a_failed_job_and_it_runs_once_more(failed_job, tmp_path):
    succeeded = jobs.enqueue(record, directory=str(tmp_path), name="ok")
    run_due_jobs()
    client = Client()
    client.force_login(AdminFactory())

    response = client.post(
        reverse(CHANGELIST),
        {"action": "retry", "_selected_action": [str(failed_job.pk), str(succeeded.id)]},
    )

    assert response.status_code == 302
    assert DBTaskResult.objects.get(pk=failed_job.pk).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(pk=succeeded.id).status == TaskResultStatus.SUCCESSFUL  # untouched
    run_due_jobs()
    again = DBTaskResult.objects.get(pk=failed_job.pk)
    assert again.status == TaskResultStatus.FAILED  # still failing: one more attempt, not eight
    assert services.attempts(again) == 2


def test_other_roles_cannot_see_jobs_in_the_admin(failed_job):
    client = Client()
    client.force_login(CoachFactory())

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_jobs_command_lists_failed_jobs_and_retries_them(failed_job, capsys):
    call_command("jobs", "list")
    listed = capsys.readouterr().out
    call_command("jobs", "retry", str(failed_job.pk))
    retried = capsys.readouterr().out
    call_command("jobs", "stats")
    stats = capsys.readouterr().out

    assert str(failed_job.pk) in listed
    assert "FAILED" in listed and "RuntimeError: mail server on fire" in listed
    assert "1 job(s) queued again" in retried
    assert "queued 1" in stats and "failed 0" in stats
    assert "always_fails: failed 1" in stats


def test_jobs_command_refuses_a_malformed_id():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not job ids"):
        call_command("jobs", "retry", "not-a-uuid")
