"""Periodic jobs: schedules from settings, one run per scheduled time whatever the workers."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connections
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import RefreshToken
from accounts.services import session_start
from boxerconnect.jobs.models import PeriodicRun
from boxerconnect.jobs.periodic import (
    PeriodicJob,
    Scheduler,
    configuration_errors,
    enqueue_once,
    periodic_jobs,
)
from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)


def test_purge_tokens_runs_daily_by_default_and_the_schedule_comes_from_settings(settings):
    jobs = {job.name: job for job in periodic_jobs()}

    assert jobs["purge_tokens"].task_path == "accounts.tasks.purge_tokens"
    assert jobs["purge_tokens"].schedule == "17 3 * * *"
    assert jobs["purge_tokens"].slot(T0) == datetime(2026, 3, 1, 3, 17, tzinfo=UTC)
    assert configuration_errors() == []

    settings.PERIODIC_JOBS = {
        **settings.PERIODIC_JOBS,
        "purge_tokens": {"task": "accounts.tasks.purge_tokens", "schedule": "off"},
    }

    assert "purge_tokens" not in {job.name for job in periodic_jobs()}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"task": "accounts.tasks.purge_tokens", "schedule": "every day"}, "invalid cron schedule"),
        ({"task": "accounts.tasks.nope", "schedule": "* * * * *"}, "cannot import"),
        ({"task": "accounts.services.tokens_purge", "schedule": "* * * * *"}, "is not a task"),
        ({"task": "accounts.tasks.purge_tokens"}, 'must be {"task": ..., "schedule": ...}'),
    ],
)
def test_a_bad_periodic_job_is_a_system_check_error(settings, entry, message):
    settings.PERIODIC_JOBS = {"broken": entry}

    with pytest.raises(SystemCheckError, match=r"jobs\.E001") as raised:
        call_command("check")

    assert message in str(raised.value)


def test_a_worker_enqueues_each_slot_once_and_touches_the_database_once_per_slot(
    settings, django_assert_num_queries
):
    settings.PERIODIC_JOBS = {"purge": {"task": "accounts.tasks.purge_tokens", "schedule": "* * * * *"}}
    scheduler = Scheduler("worker-a")

    first = scheduler.tick(T0)
    with django_assert_num_queries(0):
        same_minute = scheduler.tick(T0 + timedelta(seconds=20))
    next_minute = scheduler.tick(T0 + timedelta(seconds=40))

    assert (first, same_minute, next_minute) == (["purge"], [], ["purge"])
    assert list(PeriodicRun.objects.order_by("scheduled_for").values_list("scheduled_for", flat=True)) == [
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 1, tzinfo=UTC),
    ]
    assert DBTaskResult.objects.filter(task_path="accounts.tasks.purge_tokens").count() == 2


def test_a_second_worker_does_not_enqueue_a_slot_the_first_one_did(settings):
    settings.PERIODIC_JOBS = {"purge": {"task": "accounts.tasks.purge_tokens", "schedule": "* * * * *"}}

    assert Scheduler("worker-a").tick(T0) == ["purge"]
    assert Scheduler("worker-b").tick(T0) == []
    assert DBTaskResult.objects.count() == 1
    assert PeriodicRun.objects.get().worker_id == "worker-a"


def test_the_purge_job_deletes_expired_tokens(settings):
    user = UserFactory()
    session_start(user=user)
    RefreshToken.objects.update(expires_at=T0 - timedelta(days=30))
    settings.PERIODIC_JOBS = {"purge": {"task": "accounts.tasks.purge_tokens", "schedule": "* * * * *"}}

    Scheduler("worker-a").tick(T0)
    run_due_jobs()

    job = DBTaskResult.objects.get()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.return_value["refresh_tokens"] == 1
    assert not RefreshToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_slot_enqueue_it_once():
    job = PeriodicJob(name="purge", task_path="accounts.tasks.purge_tokens", schedule="* * * * *")
    slot = job.slot(T0)
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(enqueue_once(job, slot, worker_id=name))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [False] * 7 + [True]
    assert PeriodicRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
