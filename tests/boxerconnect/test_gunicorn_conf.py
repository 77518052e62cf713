"""gunicorn.conf.py: knobs from the environment, and the shared Prometheus directory."""

import json
import shutil
from pathlib import Path

from tests.boxerconnect.subproc import run_manage, run_python

_LOAD = """
import json, os, runpy
ns = runpy.run_path("gunicorn.conf.py")
print(json.dumps({k: ns[k] for k in ("bind", "workers", "threads", "worker_class", "timeout",
    "graceful_timeout", "keepalive", "max_requests", "max_requests_jitter", "accesslog",
    "access_log_format", "logger_class")} | {"multiproc": os.environ.get("PROMETHEUS_MULTIPROC_DIR")}))
"""


def load_config(**env: str | None) -> dict:
    result = run_python(_LOAD, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_knob_comes_from_the_environment(tmp_path):
    config = load_config(
        GUNICORN_BIND="127.0.0.1:9001",
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="8",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_KEEPALIVE="2",
        GUNICORN_MAX_REQUESTS="100",
        GUNICORN_MAX_REQUESTS_JITTER="10",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
    )

    assert config["bind"] == "127.0.0.1:9001"
    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 8, "gthread")
    assert (config["timeout"], config["graceful_timeout"], config["keepalive"]) == (45, 20, 2)
    assert (config["max_requests"], config["max_requests_jitter"]) == (100, 10)
    assert config["multiproc"] == str(tmp_path / "prom")
    assert (tmp_path / "prom").is_dir()


def test_defaults_bind_port_and_log_requests_with_their_id():
    config = load_config(PORT="8123", GUNICORN_THREADS="1")

    assert config["bind"] == "0.0.0.0:8123"
    assert config["worker_class"] == "sync"
    assert 1 <= config["workers"] <= 8
    assert config["accesslog"] == "-"
    assert "request_id=%({x-request-id}o)s" in config["access_log_format"]
    # Without PROMETHEUS_MULTIPROC_DIR a private temporary directory is made and exported.
    made = Path(config["multiproc"])
    shutil.rmtree(made)
    assert made.name.startswith("boxerconnect-prometheus-")


def test_gunicorn_logs_through_the_project_logger_in_log_format():
    config = load_config()
    bad = run_python("import runpy; runpy.run_path('gunicorn.conf.py')", LOG_FORMAT="yaml")

    assert config["logger_class"] == "boxerconnect.logs.GunicornLogger"
    assert bad.returncode != 0
    assert "LOG_FORMAT must be json or text, got 'yaml'" in bad.stderr


def test_a_bad_number_stops_gunicorn_with_the_variable_named():
    result = run_python("import runpy; runpy.run_path('gunicorn.conf.py')", GUNICORN_WORKERS="many")

    assert result.returncode != 0
    assert "GUNICORN_WORKERS must be an integer, got 'many'" in result.stderr


_HOOKS = """
import os, runpy, sys, types
from prometheus_client import Counter, Gauge
ns = runpy.run_path("gunicorn.conf.py")
ns["on_starting"](None)                      # empties the directory
Gauge("g", "live gauge", multiprocess_mode="livemax").set(1)   # this process's files
Counter("c", "counter").inc(3)
ns["child_exit"](None, types.SimpleNamespace(pid=os.getpid()))   # as if this process died
ns["pre_fork"](None, None)                   # its replacement is spawned: files archived
from prometheus_client import CollectorRegistry
from boxerconnect.prometheus_files import LockedMultiProcessCollector
registry = CollectorRegistry()
LockedMultiProcessCollector(registry)
total = registry.get_sample_value("c_total")
print(json.dumps([sorted(os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])), total]))
"""


def test_child_exit_removes_a_dead_workers_files_and_keeps_its_counts_in_the_archive(tmp_path):
    prom = tmp_path / "prom"
    prom.mkdir()
    (prom / "counter_99999.db").write_bytes(b"stale file of a previous run")

    result = run_python(_HOOKS.replace("import os,", "import json, os,"), PROMETHEUS_MULTIPROC_DIR=str(prom))

    assert result.returncode == 0, result.stderr
    files, total = json.loads(result.stdout.strip().splitlines()[-1])
    # on_starting wiped the previous run; the dead process's own files are gone, its live
    # gauge with them, its counter folded into the archive (the total unchanged).
    assert [name for name in files if name.endswith(".db")] == ["counter_archive.db"]
    assert total == 3.0


_COMMAND = (
    "import os; from boxerconnect import metrics; "
    "metrics.HTTP_REQUESTS.labels('GET', 'x', '200').inc(); "
    "print(os.environ['PROMETHEUS_MULTIPROC_DIR'], metrics.MULTIPROCESS)"
)


def test_management_commands_leave_no_files_in_the_workers_metrics_directory(tmp_path):
    prom = tmp_path / "prom"
    prom.mkdir()

    result = run_manage("shell", "-c", _COMMAND, PROMETHEUS_MULTIPROC_DIR=str(prom))

    assert result.returncode == 0, result.stderr
    # The variable stays visible (commands that read the workers' figures need it) ...
    assert result.stdout.strip().splitlines()[-1].split() == [str(prom), "False"]
    # ... but the command's own metrics live in its memory, not in the shared directory.
    assert list(prom.iterdir()) == []
