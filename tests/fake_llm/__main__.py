"""Entry point: `python -m tests.fake_llm --host 127.0.0.1 --port N`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette

from .server import make_app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_llm", description="Scripted OpenAI-compatible fake LLM."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    return parser.parse_args(argv)


def serve(app: Starlette, argv: Sequence[str] | None = None) -> None:
    """Serve a scripted provider on the `--host` and `--port` given."""
    args = parse_args(argv)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        # Don't let a request stuck in [[sleep]] hold up shutdown.
        timeout_graceful_shutdown=1,
    )


def main(argv: Sequence[str] | None = None) -> None:
    serve(make_app(), argv)


if __name__ == "__main__":
    main()
