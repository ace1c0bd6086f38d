"""`lettalite serve`: migrate the database, then serve the API (in `--workers N` processes).
`lettalite export` and `lettalite import`: Agent Files, through a running server's API.

The Agent File commands are HTTP clients (of `LETTA_BASE_URL`, with `LETTALITE_API_KEY` or
`LETTA_API_KEY`), not database tools: an import needs what only the server has (its model
providers to check handles and embed archival memory, its MCP secret box), and so they work
the same against a remote lettalite, or a Letta server.
"""

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from lettalite.config import Settings, get_settings, is_loopback
from lettalite.workers import configure_logging, serve, usable_cores

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def refuse_unauthenticated_exposure(settings: Settings, host: str) -> None:
    """Exit before serving when anyone on the network could reach an API without a key."""
    if settings.api_key is None and not is_loopback(host):
        raise SystemExit(
            f"lettalite: refusing to serve on {host} without authentication: set "
            "LETTALITE_API_KEY (clients then send 'Authorization: Bearer <key>'), "
            "or bind to 127.0.0.1"
        )


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")


def ensure_schema(database_url: str) -> None:
    """`alembic upgrade head`, skipped when the database is already there.

    Importing and running Alembic is about a third of a second; most starts need neither.
    """
    from lettalite.db.schema import HEAD_REVISION, current_revision

    if asyncio.run(current_revision(database_url)) != HEAD_REVISION:
        migrate()


def worker_count(value: str) -> int:
    count = int(value)
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {count}")
    return count


def _api(base_url: str) -> Any:
    import httpx

    key = os.environ.get("LETTALITE_API_KEY") or os.environ.get("LETTA_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=300)


def _checked(response: Any) -> Any:
    if response.is_success:
        return response
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    raise SystemExit(f"lettalite: {response.status_code}: {detail}")


def export_agent(args: argparse.Namespace) -> None:
    params = {"scrub_messages": args.scrub_messages, "use_legacy_format": args.legacy}
    if args.conversation_id:
        params["conversation_id"] = args.conversation_id
    with _api(args.base_url) as api:
        response = _checked(api.get(f"/v1/agents/{args.agent_id}/export", params=params))
    sys.stdout.write(response.text + "\n")


def import_agents(args: argparse.Namespace) -> None:
    content = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    form = {
        "append_copy_suffix": str(args.copy_suffix).lower(),
        "override_existing_tools": str(not args.keep_existing_tools).lower(),
        "strip_messages": str(args.strip_messages).lower(),
    }
    for name in ("name", "model", "embedding", "secrets"):
        if getattr(args, name) is not None:
            form[name] = getattr(args, name)
    with _api(args.base_url) as api:
        files = {"file": (Path(args.file).name, content, "application/json")}
        response = _checked(api.post("/v1/agents/import", data=form, files=files))
    for agent_id in response.json()["agent_ids"]:
        print(agent_id)


def _agent_file_commands(commands: Any, settings: Settings) -> None:
    base_url = os.environ.get("LETTA_BASE_URL") or f"http://127.0.0.1:{settings.port}"
    export = commands.add_parser("export", help="print an agent's Agent File (.af)")
    export.add_argument("agent_id")
    export.add_argument("--scrub-messages", action="store_true", help="leave the history out")
    export.add_argument("--conversation-id", help="export this conversation's messages")
    export.add_argument("--legacy", action="store_true", help="Letta's legacy single-agent format")
    imports = commands.add_parser("import", help="create the agents of an Agent File")
    imports.add_argument("file", help="the .af file, or - for standard input")
    imports.add_argument("--name", help="the imported agent's name")
    imports.add_argument("--no-copy-suffix", dest="copy_suffix", action="store_false")
    imports.add_argument("--model", help="a model handle for agents whose model is not served")
    imports.add_argument("--embedding", help="an embedding handle to use instead of the file's")
    imports.add_argument("--secrets", help='values of blanked secrets, as JSON: {"KEY": "..."}')
    imports.add_argument("--keep-existing-tools", action="store_true")
    imports.add_argument("--strip-messages", action="store_true")
    for command in (export, imports):
        command.add_argument("--base-url", default=base_url, help="default: LETTA_BASE_URL")


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="lettalite")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="migrate the database and serve the API")
    serve_parser.add_argument("--host", default=settings.host)
    serve_parser.add_argument("--port", type=int, default=settings.port)
    serve_parser.add_argument(
        "--workers",
        type=worker_count,
        default=settings.workers or usable_cores(),
        help="server processes sharing the port (default: LETTALITE_WORKERS, else one per "
        f"core: {usable_cores()} here)",
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    _agent_file_commands(commands, settings)
    args = parser.parse_args(argv)
    if args.command == "export":
        export_agent(args)
        return
    if args.command == "import":
        import_agents(args)
        return

    configure_logging(settings.log_level)
    if args.command == "migrate":
        migrate()
    else:
        refuse_unauthenticated_exposure(settings, args.host)
        ensure_schema(settings.resolved_database_url)  # once, before any worker starts
        serve(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
