"""The multiprocess metrics directory stays bounded however often gunicorn recycles workers.

prometheus_client writes one file per process and metric type (`counter_<pid>.db`,
`histogram_<pid>.db`, `gauge_<mode>_<pid>.db`) and `mark_process_dead` removes only the
live gauges of a dead process: with `max_requests` recycling workers, the counter and
histogram files of every worker that ever ran would pile up, and each scrape (and /health,
which reads the same files) would read them all.

`archive_dead_process` (gunicorn.conf.py, in the master once a worker has exited) folds a
dead worker's counters, histograms and summaries into one `<type>_archive.db` per type
(values add up: the totals /metrics reports do not change) and deletes the worker's files,
its gauges included.
Readers take a shared lock on the directory's lock file (`LockedMultiProcessCollector`) and
the archiver an exclusive one, so a scrape never sees a value both archived and in the dead
worker's file, or in neither (a counter that seemed to go back would read as a reset).

No Django here: the gunicorn master imports this module.
"""

import contextlib
import fcntl
import glob
import os
from collections.abc import Iterator

from prometheus_client import multiprocess
from prometheus_client.mmap_dict import MmapedDict

ARCHIVED_TYPES = ("counter", "histogram", "summary")  # their values add up across processes
LOCK_FILE = ".archive.lock"  # not *.db: prometheus_client never reads it


@contextlib.contextmanager
def _locked(path: str, operation: int) -> Iterator[None]:
    fd = os.open(os.path.join(path, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, operation)
        yield
    finally:
        os.close(fd)  # releases the lock


def archive_dead_process(pid: int, path: str) -> None:
    """Fold the dead process `pid`'s counters, histograms and summaries into the archive
    files of `path` and delete every file of that process."""
    with _locked(path, fcntl.LOCK_EX):
        multiprocess.mark_process_dead(pid, path)
        for kind in ARCHIVED_TYPES:
            dead = os.path.join(path, f"{kind}_{pid}.db")
            if not os.path.exists(dead):
                continue
            archive = MmapedDict(os.path.join(path, f"{kind}_archive.db"))
            try:
                for key, value, timestamp, _ in MmapedDict.read_all_values_from_file(dead):
                    current, _ = archive.read_value(key)
                    archive.write_value(key, current + value, timestamp)
            finally:
                archive.close()
            os.remove(dead)
        # Gauges of other modes (all, min, max, sum, mostrecent) of a dead process: dropped.
        for leftover in glob.glob(os.path.join(path, f"*_{pid}.db")):
            os.remove(leftover)


class LockedMultiProcessCollector(multiprocess.MultiProcessCollector):
    """prometheus_client's collector, reading under the archive's shared lock."""

    def collect(self):
        with _locked(self._path, fcntl.LOCK_SH):
            return list(super().collect())
