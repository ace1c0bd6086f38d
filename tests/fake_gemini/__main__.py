"""Entry point: `python -m tests.fake_gemini --host 127.0.0.1 --port N`."""

from tests.fake_llm.__main__ import serve

from .server import make_app

if __name__ == "__main__":
    serve(make_app())
