"""Tasks that exist only for the job tests (module-level, so a worker process imports them)."""

import os
import time
from pathlib import Path

from boxerconnect.jobs import task


@task()
def always_fails(*, message: str = "boom") -> None:
    raise RuntimeError(message)


@task()
def record(*, directory: str, name: str) -> str:
    """Append one line per run to <directory>/<name>: the test counts the runs."""
    with open(Path(directory) / name, "a") as out:
        out.write(f"{os.getpid()}\n")
    return name


@task()
def slow_on_first_attempt(*, directory: str, seconds: float) -> int:
    """Write start-<n> for attempt n; the first attempt then sleeps (long enough to be
    killed), later ones finish at once and write done."""
    attempt = len(list(Path(directory).glob("start-*"))) + 1
    (Path(directory) / f"start-{attempt}").write_text(str(os.getpid()))
    if attempt == 1:
        time.sleep(seconds)
    (Path(directory) / "done").write_text(str(attempt))
    return attempt


@task()
def wait_for_go(*, directory: str, fail: bool = False) -> str:
    """Append a line to <directory>/started, then wait (at most 60 s) until the test writes
    <directory>/go; then return, or raise when `fail`. The test deletes the job's row
    meanwhile."""
    with open(Path(directory) / "started", "a") as out:
        out.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 60
    while not (Path(directory) / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if fail:
        raise RuntimeError("failed after its row was deleted")
    return "done"


@task(takes_context=True)
def delete_own_row(context, *, fail: bool = False) -> None:
    """Delete this job's own row (as an admin or a purge would while it runs), then return,
    or raise when `fail`."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=context.task_result.id).delete()
    if fail:
        raise RuntimeError("failed after its row was deleted")


@task()
def fails_with_unstorable_error() -> None:
    """Raise an error whose traceback PostgreSQL cannot store (a NUL character in a text
    column): recording the failure fails while the row is still there."""
    raise RuntimeError("a NUL \x00 character")
