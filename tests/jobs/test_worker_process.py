"""`manage.py worker` as a real process against PostgreSQL and a real SMTP server."""

import subprocess
import sys
import time

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect import jobs
from boxerconnect.jobs import services
from boxerconnect.jobs.models import JobCounter, PeriodicRun, WorkerHeartbeat
from tests.accounts.factories import UserFactory
from tests.boxerconnect.subproc import REPO
from tests.e2e.support import poll
from tests.jobs.tasks import slow_on_first_attempt
from tests.support.workers import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RESET = "/api/v1/auth/password/reset/"


def job_status(pk) -> str:
    return DBTaskResult.objects.get(pk=pk).status


def test_a_reset_request_opens_no_smtp_connection_until_the_worker_runs(
    api, smtp_server, live_worker_factory
):
    UserFactory(email="known@example.com")

    response = api.post(RESET, {"email": "known@example.com"}, format="json")
    time.sleep(0.5)  # anything the request might have left running in the background
    connections_before_any_worker = smtp_server.connections
    live_worker_factory(env=smtp_server.env())
    mails = smtp_server.wait_for_mail("known@example.com", timeout=20)

    assert response.status_code == 202
    assert connections_before_any_worker == 0
    assert len(mails) == 1
    assert smtp_server.connections == 1


def test_mail_requested_while_smtp_is_down_arrives_once_it_is_back(api, smtp_server, live_worker_factory):
    UserFactory(email="patient@example.com")
    smtp_server.stop()
    live_worker_factory(env=smtp_server.env())  # retries every 0.5-1 s, 8 attempts

    response = api.post(RESET, {"email": "patient@example.com"}, format="json")
    job = DBTaskResult.objects.get(queue_name="mail")
    failed_once = poll(lambda: DBTaskResult.objects.get(pk=job.pk).traceback, timeout=20)
    first_error = DBTaskResult.objects.get(pk=job.pk).traceback
    smtp_server.start()
    mails = smtp_server.wait_for_mail("patient@example.com", timeout=20)

    assert response.status_code == 202
    assert failed_once
    assert "ConnectionRefusedError" in first_error
    assert len(mails) == 1
    assert "/reset-password?token=" in mails[0].get_payload(decode=True).decode()
    assert poll(lambda: job_status(job.pk) == TaskResultStatus.SUCCESSFUL, timeout=10)
    assert services.attempts(DBTaskResult.objects.get(pk=job.pk)) >= 2


def test_a_job_whose_worker_is_killed_mid_run_is_run_again_by_another(live_worker_factory, tmp_path):
    first = live_worker_factory()
    result = jobs.enqueue(slow_on_first_attempt, directory=str(tmp_path), seconds=60)

    assert poll(lambda: (tmp_path / "start-1").exists(), timeout=20)
    first.kill()  # SIGKILL in the middle of the job: no cleanup, the row says RUNNING
    assert job_status(result.id) == TaskResultStatus.RUNNING
    second = live_worker_factory()
    finished = poll(lambda: job_status(result.id) == TaskResultStatus.SUCCESSFUL, timeout=30)

    row = DBTaskResult.objects.get(pk=result.id)
    assert finished, second.log()[-3000:]
    assert (tmp_path / "start-2").exists() and (tmp_path / "done").read_text() == "2"
    assert services.attempts(row) == 2
    assert row.worker_ids[0].split("-")[-2] == str(first.pid)
    assert row.worker_ids[1].split("-")[-2] == str(second.pid)
    assert JobCounter.objects.get(task=slow_on_first_attempt.module_path, outcome="lost").value == 1


def test_two_workers_never_run_one_periodic_job_twice(live_worker_factory):
    every_second = {"PURGE_TOKENS_SCHEDULE": "* * * * * *"}
    workers = [live_worker_factory(env=every_second), live_worker_factory(env=every_second)]

    poll(lambda: PeriodicRun.objects.filter(name="purge_tokens").count() >= 6, timeout=30)
    for worker in workers:
        worker.stop()

    runs = list(PeriodicRun.objects.filter(name="purge_tokens").values_list("scheduled_for", "task_id"))
    slots = [slot for slot, _ in runs]
    purge_jobs = DBTaskResult.objects.filter(task_path="accounts.tasks.purge_tokens")
    assert len(runs) >= 6
    assert len(set(slots)) == len(slots)
    assert purge_jobs.count() == len(runs)  # one job per slot, not one per worker
    assert {str(job.pk) for job in purge_jobs} == {task_id for _, task_id in runs}
    assert all(services.attempts(job) <= 1 for job in purge_jobs)  # none ran twice


def run_check() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "worker", "--check"],
        cwd=REPO,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_container_health_check_passes_while_a_worker_runs_here_and_fails_after(live_worker_factory):
    worker = live_worker_factory()

    alive = run_check()
    worker.stop()  # a clean stop removes the heartbeat
    stopped = run_check()

    assert alive.returncode == 0, alive.stderr
    assert "is alive" in alive.stdout
    assert stopped.returncode == 1
    assert "no worker on" in stopped.stderr
    assert not WorkerHeartbeat.objects.exists()
