"""The built-in web inspector: a page served at `/` whose scripts use only the public REST API.

The page and its assets hold no data, so they are open without the API key (see `is_page`);
every call the page makes to `/v1/...` sends the key the person gave it.
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
ASSETS_PREFIX = "/inspector"


def is_page(method: str, path: str) -> bool:
    """Whether a request asks for the page or one of its assets (open without a key)."""
    return method in ("GET", "HEAD") and (path == "/" or path.startswith(ASSETS_PREFIX + "/"))


def _wants_html(request: Request) -> bool:
    # Clients probing the server with `Accept: application/json` keep getting JSON.
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


async def index(request: Request) -> Response:
    if not _wants_html(request):
        return JSONResponse(status_code=404, content={"detail": "Not Found"})
    # no-cache: a new lettalite version's page is fetched again, not taken from the cache.
    return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})


def install_inspector(app: FastAPI) -> None:
    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount(ASSETS_PREFIX, StaticFiles(directory=STATIC_DIR), name="inspector")
