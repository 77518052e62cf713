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
