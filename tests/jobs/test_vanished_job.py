"""A job whose row is deleted while it runs (an admin's delete, a purge): the worker logs it
and goes on with the next job; the vanished job is not retried, nothing is counted for it."""

import json
import logging
import time

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect import jobs
from boxerconnect.jobs.models import JobCounter, PeriodicRun
from boxerconnect.jobs.periodic import Scheduler
from boxerconnect.jobs.worker import run_due_jobs
from tests.e2e.support import poll
from tests.jobs.tasks import delete_own_row, fails_with_unstorable_error, record, wait_for_go

pytestmark = [pytest.mark.django_db(transaction=True)]


def job_status(pk) -> str | None:
    row = DBTaskResult.objects.filter(pk=pk).first()
    return row.status if row else None


def json_lines(log: str) -> list[dict]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


@pytest.mark.slow
@pytest.mark.parametrize("fail", [False, True], ids=["job-returns", "job-raises"])
def test_a_live_worker_logs_a_job_whose_row_vanished_and_runs_the_next_one(
    live_worker_factory, tmp_path, fail
):
    worker = live_worker_factory()
    vanishing = jobs.enqueue(wait_for_go, directory=str(tmp_path), fail=fail)
    assert poll(lambda: (tmp_path / "started").exists(), timeout=20), worker.log()[-3000:]

    DBTaskResult.objects.filter(pk=vanishing.id).delete()  # what the admin's delete action does
    (tmp_path / "go").write_text("")
    after = jobs.enqueue(record, directory=str(tmp_path), name="after")
    ran = poll(lambda: job_status(after.id) == TaskResultStatus.SUCCESSFUL, timeout=20)
    time.sleep(1.5)  # longer than the fast retry delay (0.5-1 s): a retry would have run by now

    log = worker.log()
    assert ran, log[-4000:]
    assert worker.proc.poll() is None, log[-4000:]
    assert (tmp_path / "started").read_text().count("\n") == 1  # run once, never again
    assert not DBTaskResult.objects.filter(pk=vanishing.id).exists()
    assert not JobCounter.objects.filter(task=wait_for_go.module_path).exists()
    vanished = [line for line in json_lines(log) if line.get("task_id") == str(vanishing.id)]
    assert [line["outcome"] for line in vanished] == ["vanished"], log[-4000:]
    assert vanished[0]["level"] == "WARNING" and vanished[0]["logger"] == "boxerconnect.jobs"
    assert vanished[0]["task"] == wait_for_go.module_path
    assert "Traceback" not in log


@pytest.mark.parametrize("fail", [False, True], ids=["job-returns", "job-raises"])
def test_the_worker_goes_on_after_a_job_that_deleted_its_own_row(tmp_path, caplog, fail):
    vanishing = jobs.enqueue(delete_own_row, fail=fail)
    after = jobs.enqueue(record, directory=str(tmp_path), name="after")

    with caplog.at_level(logging.INFO, logger="boxerconnect.jobs"):
        ran = run_due_jobs()

    assert ran == 2
    assert job_status(after.id) == TaskResultStatus.SUCCESSFUL
    assert (tmp_path / "after").read_text().count("\n") == 1
    assert not DBTaskResult.objects.filter(pk=vanishing.id).exists()
    assert not JobCounter.objects.filter(task=delete_own_row.module_path).exists()
    vanished = [r for r in caplog.records if getattr(r, "task_id", None) == str(vanishing.id)]
    assert [(r.levelname, r.outcome, r.task, r.attempt) for r in vanished] == [
        ("WARNING", "vanished", delete_own_row.module_path, 1)
    ]
    assert run_due_jobs() == 0  # nothing left to retry


def test_a_periodic_job_whose_row_vanished_is_not_enqueued_again_for_its_slot(settings):
    settings.PERIODIC_JOBS = {"self_deleting": {"task": delete_own_row.module_path, "schedule": "* * * * *"}}
    now = timezone.now()
    first, second = Scheduler("worker-a"), Scheduler("worker-b")

    enqueued = first.tick(now)
    ran = run_due_jobs()
    again = first.tick(now), second.tick(now)

    assert enqueued == ["self_deleting"]
    assert ran == 1
    assert again == ([], [])  # the slot is still taken: its PeriodicRun row stays
    assert not DBTaskResult.objects.exists()
    run = PeriodicRun.objects.get(name="self_deleting")
    assert run.scheduled_for == first.checked["self_deleting"]
    assert run.task_id and not DBTaskResult.objects.filter(pk=run.task_id).exists()


def test_a_database_error_on_a_row_that_still_exists_is_not_swallowed():
    job = jobs.enqueue(fails_with_unstorable_error)

    with pytest.raises(DatabaseError):
        run_due_jobs()

    assert job_status(job.id) == TaskResultStatus.RUNNING  # left to lost-job recovery, as before
