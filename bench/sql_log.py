"""The SQL each request type runs, counted from SQLAlchemy's own log: the server runs in this
process (uvicorn in a thread) against the scripted model, on a fresh SQLite file or
LETTALITE_DATABASE_URL. Background work (schedules, file processing) is left out by name.

Usage: `python -m bench.sql_log [--show] [--only "agent create"]` (--show prints each
statement's first line; --only counts one request type). tests/api/test_agent_create.py runs it.
"""

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.servers import FakeLLM, free_port

BACKGROUND = ("SELECT scheduled_message.", "SELECT file.id")
BLOCKS = [{"label": "human", "value": "Name: unknown"}]
EDIT = '[[call memory_replace {"label": "human", "old_string": "unknown", "new_string": "Ada"}]]'


class StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith("["):  # parameters
            self.lines.append(message.strip().split("\n")[0])

    def transactions(self) -> list[list[str]]:
        """The statements of each transaction that ran any, background work left out."""
        found: list[list[str]] = []
        current: list[str] = []
        for line in self.lines:
            if line.startswith(("COMMIT", "ROLLBACK")):
                if current and not any(name in current[0] for name in BACKGROUND):
                    found.append(current)
                current = []
            elif not line.startswith("BEGIN"):
                current.append(line)
        return found


def start_server(workdir: Path, llm: FakeLLM) -> httpx.Client:
    database = os.environ.get("LETTALITE_DATABASE_URL") or f"sqlite+aiosqlite:///{workdir}/b.db"
    os.environ.update(
        LETTALITE_DATABASE_URL=database,
        LETTALITE_DATA_DIR=str(workdir),
        OPENAI_API_KEY="bench",
        OPENAI_BASE_URL=llm.base_url,
    )
    subprocess.run([sys.executable, "-m", "lettalite", "migrate"], check=True)
    import uvicorn

    from lettalite.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--only", help="count only this request type")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        llm = FakeLLM(Path(tmp) / "llm.log")
        llm.start()
        try:
            http = start_server(Path(tmp), llm)
            create = {"model": "openai/gpt-4o-mini", "memory_blocks": BLOCKS}
            agent_id = http.post("/v1/agents/", json=create).json()["id"]
            messages = f"/v1/agents/{agent_id}/messages"
            http.post(messages, json={"input": "warm up"}).raise_for_status()
            requests = {
                "agent create": lambda: http.post("/v1/agents/", json=create),
                "get agent": lambda: http.get(f"/v1/agents/{agent_id}"),
                "plain turn": lambda: http.post(messages, json={"input": "hello"}),
                "memory edit turn": lambda: http.post(messages, json={"input": EDIT}),
            }
            log = StatementLog()
            engine_log = logging.getLogger("sqlalchemy.engine.Engine")
            engine_log.addHandler(log)
            engine_log.propagate = False
            if args.only:
                requests = {args.only: requests[args.only]}
            for label, send in requests.items():
                log.lines.clear()
                engine_log.setLevel(logging.INFO)
                send().raise_for_status()
                time.sleep(0.3)  # the run's last transaction ends after the answer
                engine_log.setLevel(logging.WARNING)
                transactions = log.transactions()
                count = sum(len(statements) for statements in transactions)
                print(f"{label}: {count} statements in {len(transactions)} transactions")
                for statements in transactions if args.show else []:
                    print("\n".join(f"    {line[:120]}" for line in statements) + "\n    --")
        finally:
            llm.stop()


if __name__ == "__main__":
    main()
