"""Serving the API: in this process, or in N worker processes sharing the port.

With several workers, uvicorn's supervisor binds the port once and starts the workers, which
accept connections on it; it restarts a worker that dies. Each worker is a whole server (its own
database pool, turn runner, scheduler and file processor), like a replica behind a load
balancer: what must hold across processes (one turn at a time per conversation, cancel
requests, streams of runs another process runs, schedules, file processing) already goes
through the database. The caller migrates the database before the workers start.
"""

import logging
import math
import multiprocessing
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lettalite.config import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

# prctl(2) option: the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1
# This process's cgroup's CPU quota, as a container sees its own cgroup (cgroup v2).
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores() -> int:
    """The CPU cores this process may run on, and at most its CPU quota (a container's
    `--cpus`), rounded up: the default number of workers."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        cores = os.process_cpu_count() or 1
    elif hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    try:
        quota = cores_in_quota(CGROUP_CPU_MAX.read_text())
    except OSError:  # not Linux, or no cgroup v2 limits here
        quota = None
    return min(cores, quota) if quota is not None else cores


def cores_in_quota(cpu_max: str) -> int | None:
    """The cores a cgroup v2 `cpu.max` ("<quota> <period>" in microseconds, or "max <period>")
    allows, rounded up; None when it sets no quota."""
    quota, period = cpu_max.split()
    if quota == "max":
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    settings = get_settings()
    options = {"host": host, "port": port, "log_level": settings.log_level, "access_log": False}
    if workers == 1:
        from lettalite.app import create_app

        uvicorn.run(create_app(settings), **options)
    else:
        os.environ["LETTALITE_WORKERS"] = str(workers)  # each worker's share of the pool
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


def worker_app() -> "FastAPI":
    """The app of one worker process: uvicorn calls this factory in each worker."""
    from lettalite.app import create_app

    _stop_with_supervisor()
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def _stop_with_supervisor() -> None:
    """Have Linux stop this worker (SIGTERM: a graceful shutdown) when the supervisor dies,
    killed or out of memory: an orphaned worker would go on holding the port, and the server
    could not be started again until it was found and killed."""
    if sys.platform != "linux":
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    supervisor = multiprocessing.parent_process()
    if supervisor is None or os.getppid() != supervisor.pid:  # it died before we asked
        os.kill(os.getpid(), signal.SIGTERM)
