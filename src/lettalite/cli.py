"""`lettalite serve`: migrate the database, then serve the API."""

import argparse
import asyncio
import logging
from pathlib import Path

from lettalite.config import Settings, get_settings, is_loopback

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


def serve(host: str, port: int) -> None:
    import uvicorn

    from lettalite.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level=settings.log_level, access_log=False
    )


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="lettalite")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="migrate the database and serve the API")
    serve_parser.add_argument("--host", default=settings.host)
    serve_parser.add_argument("--port", type=int, default=settings.port)
    commands.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "migrate":
        migrate()
    else:
        refuse_unauthenticated_exposure(settings, args.host)
        ensure_schema(settings.resolved_database_url)
        serve(args.host, args.port)


if __name__ == "__main__":
    main()
