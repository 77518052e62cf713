"""Gunicorn configuration: every knob from an environment variable, metrics across workers.

Run: `gunicorn -c gunicorn.conf.py boxerconnect.wsgi:application`. The variables are listed
in `.env.example` and explained in docs/operations.md.
"""

import glob
import multiprocessing
import os
import shutil
import tempfile


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"gunicorn.conf.py: {name} must be an integer, got {raw!r}") from None


# --- Workers ------------------------------------------------------------------------------
# The app is I/O bound (PostgreSQL, Redis): a few processes with a few threads each.
# The default follows gunicorn's rule of thumb, capped so a big host does not open hundreds
# of database connections per instance (workers x threads connections at most).

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = _env_int("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all
# workers restarting together.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Heartbeat files on tmpfs: a worker blocked on disk I/O is not mistaken for a hung one.
_SHM = "/dev/shm"  # noqa: S108  (tmpfs, gunicorn's documented recommendation)
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM
# Client addresses behind a proxy: gunicorn itself reads FORWARDED_ALLOW_IPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# --- Logging ------------------------------------------------------------------------------
# One access-log line per request on stdout, carrying the X-Request-ID the app echoes, so
# a line can be matched with the application's own log records of the same request. Error
# and access lines come in LOG_FORMAT like the app's (JSON unless DJANGO_DEBUG is true),
# with the query string masked (boxerconnect/logs.py).

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logger_class = "boxerconnect.logs.GunicornLogger"
_log_format = os.environ.get("LOG_FORMAT", "").strip().lower()
if _log_format not in {"", "json", "text"}:
    raise SystemExit(f"gunicorn.conf.py: LOG_FORMAT must be json or text, got {_log_format!r}")

# --- Prometheus across workers ------------------------------------------------------------
# Each worker is its own process: without a shared directory /metrics would show whichever
# worker answered. prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported, so
# it is set here, in the master, before any worker loads the application.

_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
if not _multiproc_dir:
    # Our own temporary directory (removed on exit); the env var survives a config reload.
    _multiproc_dir = tempfile.mkdtemp(prefix="boxerconnect-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir
    os.environ["BOXERCONNECT_OWN_PROMETHEUS_DIR"] = _multiproc_dir
os.makedirs(_multiproc_dir, exist_ok=True)

# Imported now (after the variable is set), never inside child_exit: that hook runs in
# gunicorn's SIGCHLD handler, which the next worker's exit can interrupt; a nested import of
# the half-loaded module killed the master ("Unhandled exception in main loop";
# tests/e2e/test_containers_live.py caught it). For the same reason the archiving itself (a
# file lock) runs in pre_fork, in the master's main loop, not in the signal handler.
from boxerconnect.prometheus_files import archive_dead_process  # noqa: E402

_exited: list[int] = []  # workers gone, files not archived yet (list.append is re-entrant)


def _json_error(sock, status_int, reason, mesg):
    """gunicorn's own error answers (a request line or header over its limits, a malformed
    request: before Django sees anything) as the API answers errors, a JSON body with a code
    of boxerconnect/error_codes.py, instead of gunicorn's HTML page. gunicorn has no setting
    for this body: `util.write_error` is the one function every worker calls for it."""
    import json

    from gunicorn import util

    code = {403: "permission_denied", 500: "server_error"}.get(status_int, "bad_request")
    body = json.dumps({"detail": mesg or reason, "code": code}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


def on_starting(server):
    """gunicorn's own errors in JSON (in the master: the workers it forks inherit it); start
    from an empty metrics directory: files of a previous run are stale."""
    from gunicorn import util

    util.write_error = _json_error
    os.makedirs(_multiproc_dir, exist_ok=True)
    for path in glob.glob(os.path.join(_multiproc_dir, "*.db")):
        os.remove(path)


def child_exit(server, worker):
    """Note the dead worker; `pre_fork` (its replacement's) archives its metric files."""
    _exited.append(worker.pid)


def pre_fork(server, worker):
    """Before a worker is spawned (so after each exit, in the master's main loop): a dead
    worker's live gauges leave /metrics, its counters and histograms are folded into the
    archive files and its own files deleted, so the directory (read by every scrape and
    /health) stays bounded however often workers are recycled."""
    while _exited:
        pid = _exited.pop()
        try:
            archive_dead_process(pid, _multiproc_dir)
        except Exception:  # metrics bookkeeping must never take the master down
            if server is not None:
                server.log.exception("could not archive the metrics of worker %s", pid)


def on_exit(server):
    if os.environ.get("BOXERCONNECT_OWN_PROMETHEUS_DIR") == _multiproc_dir:
        shutil.rmtree(_multiproc_dir, ignore_errors=True)
