"""Periodic jobs: settings.PERIODIC_JOBS read at call time, cron schedules, one run per slot.

Every worker evaluates every schedule each second. The most recent scheduled time at or
before now is a *slot*; the first worker to insert (name, slot) into `PeriodicRun` enqueues
the job in the same transaction, any other worker's INSERT hits the unique constraint and
enqueues nothing. So two workers (or twenty) run each slot once, and a slot missed while no
worker ran is made up once when one starts (never more than the latest).

django-tasks has no scheduler; django-crontask needs Python 3.12+ and a Redis lock, and
Redis here evicts keys. Hence this small one, with croniter for the cron syntax.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from croniter import croniter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task

from boxerconnect.jobs.models import PeriodicRun

logger = logging.getLogger("boxerconnect.jobs")

OFF = {"", "off", "none", "disabled"}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str
    schedule: str  # a cron expression, never one of OFF

    def task(self) -> Task:
        return import_string(self.task_path)

    def slot(self, now: datetime) -> datetime:
        """The latest scheduled time before `now` (UTC)."""
        return croniter(self.schedule, now).get_prev(datetime)


def configuration_errors() -> list[str]:
    """What is wrong with settings.PERIODIC_JOBS (the system check and the worker use this)."""
    errors = []
    for name, entry in settings.PERIODIC_JOBS.items():
        if not isinstance(entry, dict) or set(entry) != {"task", "schedule"}:
            errors.append(f'PERIODIC_JOBS["{name}"] must be {{"task": ..., "schedule": ...}}')
            continue
        schedule = (entry["schedule"] or "").strip()
        if schedule.lower() not in OFF and not croniter.is_valid(schedule):
            errors.append(f'PERIODIC_JOBS["{name}"]: invalid cron schedule {schedule!r}')
        try:
            target = import_string(entry["task"])
        except ImportError as exc:
            errors.append(f'PERIODIC_JOBS["{name}"]: cannot import {entry["task"]!r} ({exc})')
            continue
        if not isinstance(target, Task):
            errors.append(f'PERIODIC_JOBS["{name}"]: {entry["task"]!r} is not a task (use @jobs.task())')
    return errors


def periodic_jobs() -> list[PeriodicJob]:
    """The enabled periodic jobs, in settings order."""
    return [
        PeriodicJob(name=name, task_path=entry["task"], schedule=entry["schedule"].strip())
        for name, entry in settings.PERIODIC_JOBS.items()
        if (entry["schedule"] or "").strip().lower() not in OFF
    ]


def enqueue_once(job: PeriodicJob, slot: datetime, *, worker_id: str) -> bool:
    """Enqueue `job` for `slot` unless some worker already did; True if this call did."""
    if PeriodicRun.objects.filter(name=job.name, scheduled_for=slot).exists():
        return False
    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(name=job.name, scheduled_for=slot, worker_id=worker_id)
            result = job.task().enqueue()
            run.task_id = str(result.id)
            run.save(update_fields=["task_id"])
    except IntegrityError:  # another worker inserted the same slot first
        return False
    logger.info(
        "periodic job %s enqueued for %s",
        job.name,
        slot.isoformat(),
        extra={"job": job.name, "scheduled_for": slot.isoformat(), "task_id": str(result.id)},
    )
    return True


class Scheduler:
    """Remembers the slot each job was last checked for, so a worker touches the database
    once per slot and job, not once per tick."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.checked: dict[str, datetime] = {}

    def tick(self, now: datetime) -> list[str]:
        """Enqueue every job whose current slot is new to this worker; return the names
        this worker enqueued."""
        enqueued = []
        for job in periodic_jobs():
            slot = job.slot(now)
            if self.checked.get(job.name) == slot:
                continue
            if enqueue_once(job, slot, worker_id=self.worker_id):
                enqueued.append(job.name)
            self.checked[job.name] = slot
        return enqueued
