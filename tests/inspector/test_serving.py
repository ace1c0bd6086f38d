"""How the server serves the inspector page beside the API."""

from collections.abc import Callable

import httpx

from tests.servers import LettaliteServer


def test_the_page_is_served_at_the_root_from_the_package(http: httpx.Client) -> None:
    page = http.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/inspector/app.js">' in page.text
    for asset in (
        "app.js",
        "api.js",
        "vendor/preact.js",
        "vendor/preact-hooks.js",
        "vendor/htm.js",
    ):
        served = http.get(f"/inspector/{asset}")
        assert served.status_code == 200, asset
        assert served.headers["content-type"].startswith("text/javascript"), asset
    assert http.get("/inspector/style.css").headers["content-type"].startswith("text/css")


def test_nothing_is_loaded_from_elsewhere(http: httpx.Client) -> None:
    texts = [http.get("/").text] + [
        http.get(f"/inspector/{name}").text
        for name in ("app.js", "api.js", "agents.js", "agent.js", "chat.js", "memory.js")
    ]
    for text in texts:
        assert "http://" not in text and "https://" not in text


def test_json_clients_probing_the_root_still_get_json(http: httpx.Client) -> None:
    probe = http.get("/", headers={"accept": "application/json"})
    assert probe.status_code == 404
    assert probe.json() == {"detail": "Not Found"}


def test_the_api_routes_are_unchanged(http: httpx.Client) -> None:
    assert http.get("/v1/health/").json()["status"] == "ok"
    assert isinstance(http.get("/v1/agents/").json(), list)
    schema = http.get("/openapi.json").json()
    assert "/" not in schema["paths"]
    assert not [path for path in schema["paths"] if path.startswith("/inspector")]
    assert http.get("/inspector/missing.js").status_code == 404
    assert http.get("/inspector/../pyproject.toml").status_code == 404


def test_with_an_api_key_the_page_is_open_but_the_api_is_not(
    start_server: Callable[..., LettaliteServer],
) -> None:
    server: LettaliteServer = start_server(LETTALITE_API_KEY="inspector-secret")
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        assert anonymous.get("/").status_code == 200
        assert anonymous.get("/inspector/app.js").status_code == 200
        assert anonymous.get("/v1/agents/").status_code == 401
        # Only reading the page is open: writing to its paths still needs the key.
        assert anonymous.post("/inspector/app.js").status_code == 401
