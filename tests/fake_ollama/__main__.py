"""Entry point: `python -m tests.fake_ollama --host 127.0.0.1 --port N`."""

from __future__ import annotations

import uvicorn

from tests.fake_llm.__main__ import parse_args

from .server import make_app


def main() -> None:
    args = parse_args()
    uvicorn.run(
        make_app(),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,  # don't let a request stuck in [[sleep]] hold it up
    )


if __name__ == "__main__":
    main()
