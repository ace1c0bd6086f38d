"""POSTing a background run's result to the client's callback URL, once.

Whoever ends a run (the process that ran it, or the sweeper that failed it after a crash)
first claims the delivery in the database, and only the claimer sends: replicas sweeping at
the same time never call back twice. The destination is checked again when sending and the
request goes to the addresses checked; redirects are not followed (the check was for this
URL, not wherever it points). The run records what kind of failure it was, never the
connection's detail, so a callback cannot be used to learn which ports answer.
"""

import logging
from typing import Any

from lettalite.agent.callback_destination import (
    CallbackPolicy,
    DestinationRefused,
    DestinationUnresolved,
    allowed_addresses,
)
from lettalite.agent.run_handle import RunHandle, letta_response
from lettalite.db import runs as run_queries
from lettalite.db.base import utcnow
from lettalite.db.session import Database

logger = logging.getLogger("lettalite.runs")
CALLBACK_TIMEOUT_SECONDS = 10
UNDELIVERED = "The callback could not be delivered ({})"


async def send_callback(
    database: Database, policy: CallbackPolicy, handle: RunHandle, url: str
) -> None:
    """Deliver the finished run's result to `url`, unless another process already claimed it."""
    async with database.session() as session:
        if not await run_queries.claim_callback(session, handle.run_id, utcnow()):
            return
        run = await run_queries.get_run(session, handle.run_id)
        payload = {
            "run_id": run.id,
            "agent_id": run.agent_id,
            "status": run.status,
            "stop_reason": run.stop_reason,
            "completed_at": run.completed_at.isoformat() if run.completed_at else None,
            "result": letta_response(handle.events).model_dump(mode="json"),
        }
    status_code, error = await deliver(url, payload, policy)
    if error is not None:
        logger.warning("Callback for run %s to %s: %s", handle.run_id, url, error)
    async with database.session() as session:
        await run_queries.record_callback(session, handle.run_id, status_code, error)


async def deliver(
    url: str, payload: dict[str, Any], policy: CallbackPolicy
) -> tuple[int | None, str | None]:
    """(the receiver's status code, what went wrong): POST to each checked address in turn."""
    try:
        addresses = await allowed_addresses(url, policy)
    except DestinationRefused:
        return None, UNDELIVERED.format("the destination is not allowed")
    except DestinationUnresolved:
        return None, UNDELIVERED.format("its host name did not resolve")
    import httpx  # only background runs with a callback need it; kept off startup

    target = httpx.URL(url)
    # The checked address in the URL; the name in Host and, for TLS, in SNI and the
    # certificate check.
    headers = {"Host": target.netloc.decode("ascii")}
    extensions = (
        {"sni_hostname": target.raw_host.decode("ascii")} if target.scheme == "https" else {}
    )
    # No proxy from the environment: the request must reach the address that was checked.
    client = httpx.AsyncClient(
        timeout=CALLBACK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    )
    async with client:
        for address in addresses:
            try:
                response = await client.post(
                    target.copy_with(host=str(address)),
                    json=payload,
                    headers=headers,
                    extensions=extensions,
                )
            except httpx.ConnectError as error:
                logger.info("Callback to %s (%s) did not connect: %s", url, address, error)
                continue  # the host's next address may answer
            except httpx.HTTPError as error:
                logger.info("Callback to %s (%s) failed: %r", url, address, error)
                break
            if response.is_success:
                return response.status_code, None
            answered = f"the receiver answered {response.status_code}"
            return response.status_code, UNDELIVERED.format(answered)
    return None, UNDELIVERED.format("connection failed")
