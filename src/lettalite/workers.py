"""Serving the API: in this process, or in N worker processes sharing the port.

With several workers, uvicorn's supervisor binds the port once and starts the workers, which
accept connections on it; it restarts a worker that dies. Each worker is a whole server (its own
database pool, turn runner, scheduler and file processor), like a replica behind a load
balancer: what must hold across processes (one turn at a time per conversation, cancel
requests, streams of runs another process runs, schedules, file processing) already goes
through the database. The caller migrates the database before the workers start.
"""

import logging
import multiprocessing
import os
import signal
import sys
from typing import TYPE_CHECKING

from lettalite.config import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

# prctl(2) option: the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


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
