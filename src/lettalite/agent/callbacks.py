"""POSTing a background run's result to the client's callback URL."""

import logging

from lettalite.agent.run_handle import RunHandle, letta_response
from lettalite.db import runs as run_queries
from lettalite.db.base import utcnow
from lettalite.db.session import Database

logger = logging.getLogger("lettalite.runs")
CALLBACK_TIMEOUT_SECONDS = 10


async def send_callback(database: Database, handle: RunHandle, url: str) -> None:
    async with database.session() as session:
        run = await run_queries.get_run(session, handle.run_id)
        payload = {
            "run_id": run.id,
            "agent_id": run.agent_id,
            "status": run.status,
            "stop_reason": run.stop_reason,
            "completed_at": run.completed_at.isoformat() if run.completed_at else None,
            "result": letta_response(handle.events).model_dump(mode="json"),
        }
    import httpx  # only background runs with a callback need it; kept off startup

    status_code, error = None, None
    try:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS) as client:
            status_code = (await client.post(url, json=payload)).status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("Callback for run %s to %s failed: %s", handle.run_id, url, error)
    async with database.session() as session:
        run = await run_queries.get_run(session, handle.run_id)
        run.callback_sent_at = utcnow()
        run.callback_status_code = status_code
        run.callback_error = error
