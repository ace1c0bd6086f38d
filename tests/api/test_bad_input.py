"""Malformed requests get a 4xx whose detail names the field and the problem, never a 500.

Raw HTTP against the shared server; after each refusal the server must still serve, and its
log must show no unhandled error.
"""

import socket
import threading
import time
from collections.abc import Iterator
from http.client import HTTPResponse
from typing import Any

import httpx
import pytest

from tests.factories import SEED_MODEL, agent_body, missing_id
from tests.servers import LettaliteServer

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
NUL_PROBLEM = "contains a NUL character (\\u0000), which cannot be stored"


@pytest.fixture
def server_log_checked(server: LettaliteServer) -> Iterator[None]:
    """Fails the test if the server logged an unhandled error while it ran."""
    start = server.log.stat().st_size
    yield
    with server.log.open("rb") as log:
        log.seek(start)
        written = log.read().decode(errors="replace")
    assert "Unhandled error" not in written, written


@pytest.fixture
def http(http: httpx.Client, server_log_checked: None) -> httpx.Client:
    return http


def assert_still_serving(http: httpx.Client) -> None:
    assert http.get("/v1/health/").status_code == 200
    assert http.get("/v1/agents/", params={"limit": 1}).status_code == 200


def assert_refused(response: httpx.Response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    for fragment in fragments:
        assert fragment in detail, detail
    return detail


@pytest.fixture(scope="module")
def agent_id(server: LettaliteServer) -> str:
    response = httpx.post(f"{server.url}/v1/agents/", json=agent_body(), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["id"]


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (agent_body(name=5), ("name: Input should be a valid string",)),
        (agent_body(tags="blue"), ("tags: Input should be a valid list",)),
        (agent_body(memory_blocks=[{"label": "human"}]), ("memory_blocks.0.value", "required")),
        (agent_body(memory_blocks=[{"label": "x", "value": "v", "limit": "lots"}]), ("limit",)),
        (agent_body(context_window_limit=10**12), ("context_window_limit", "less than")),
        (agent_body(max_tokens=2**40), ("max_tokens", "less than")),
        (agent_body(tags=["t" * 256]), ("tags.0", "at most 255 characters")),
        (agent_body(timezone="x" * 65), ("timezone", "at most 64 characters")),
        (agent_body(agent_type="memgpt_agent"), ("agent_type 'memgpt_agent' is not supported",)),
    ],
)
def test_wrong_types_and_values_name_the_field(
    http: httpx.Client, body: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    assert_refused(http.post("/v1/agents/", json=body), 422, *fragments)
    assert_still_serving(http)


def test_missing_fields_are_named(http: httpx.Client) -> None:
    assert_refused(http.post("/v1/blocks/", json={"value": "v"}), 422, "label: Field required")
    assert_refused(http.post("/v1/agents/"), 422, "body: Field required")
    assert_still_serving(http)


def test_unknown_ids_are_404_and_malformed_ids_are_422(http: httpx.Client, agent_id: str) -> None:
    unknown = missing_id("agent")
    assert_refused(http.get(f"/v1/agents/{unknown}"), 404, unknown)
    unknown_block = missing_id("block")
    response = http.patch(f"/v1/agents/{agent_id}", json={"block_ids": [unknown_block]})
    assert_refused(response, 404, unknown_block)
    assert_refused(http.get("/v1/agents/agent-nope"), 422, "path.agent_id", "should match")
    assert_refused(http.get("/v1/blocks/agent-" + unknown[6:]), 422, "path.block_id")
    assert_still_serving(http)


def test_value_over_the_block_limit_is_422(http: httpx.Client) -> None:
    body = {"label": "small", "value": "x" * 11, "limit": 10}
    created = http.post("/v1/blocks/", json={"label": "small", "value": "ok", "limit": 10})
    assert created.status_code == 200
    response = http.patch(f"/v1/blocks/{created.json()['id']}", json=body)
    assert_refused(response, 422, "over its limit of 10")
    assert_still_serving(http)


def test_label_collision_is_409(http: httpx.Client, agent_id: str) -> None:
    block = http.post("/v1/blocks/", json={"label": "human", "value": "another human"}).json()
    response = http.patch(f"/v1/agents/{agent_id}/core-memory/blocks/attach/{block['id']}")
    assert_refused(response, 409, "human")
    assert_still_serving(http)


@pytest.mark.parametrize("limit", [1001, 10**6, 10**30, -1, 0, "many"])
def test_out_of_range_limits_are_422(http: httpx.Client, limit: object) -> None:
    assert_refused(http.get("/v1/agents/", params={"limit": limit}), 422, "query.limit")
    assert_still_serving(http)


def test_body_that_is_not_json_is_422(http: httpx.Client) -> None:
    response = http.post(
        "/v1/agents/", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_refused(response, 422, "body: invalid JSON at character 9")
    response = http.post("/v1/agents/", content=b"name=x", headers={"content-type": "text/plain"})
    assert_refused(response, 422, "body: must be a JSON object")
    assert_still_serving(http)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"agent"', b"42", b"null"])
def test_json_that_is_not_an_object_is_422(http: httpx.Client, body: bytes) -> None:
    response = http.post("/v1/agents/", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 422, "body")
    assert_still_serving(http)


def test_invalid_utf8_in_a_json_body_is_422(http: httpx.Client) -> None:
    body = b'{"name": "caf\xe9", "model": "' + SEED_MODEL.encode() + b'"}'
    response = http.post("/v1/agents/", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 422, "body: not valid UTF-8", "0xe9 at offset 13")
    assert_still_serving(http)


def test_nan_and_infinity_are_422(http: httpx.Client) -> None:
    body = b'{"label": "x", "value": "v", "metadata": {"score": NaN}}'
    response = http.post("/v1/blocks/", content=body, headers={"content-type": "application/json"})
    assert_refused(response, 422, "metadata: must be a finite number")
    assert_still_serving(http)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/agents/", agent_body(name="a\u0000b"), "name"),
        ("/v1/agents/", agent_body(description="d\u0000"), "description"),
        ("/v1/agents/", agent_body(system="s\u0000"), "system"),
        ("/v1/agents/", agent_body(metadata={"k\u0000": 1}), "metadata"),
        ("/v1/agents/", agent_body(tags=["t\u0000"]), "tags"),
        ("/v1/blocks/", {"label": "x", "value": "v", "description": "\u0000"}, "description"),
        ("/v1/blocks/", {"label": "x", "value": "v", "tags": ["\u0000"]}, "tags"),
    ],
)
def test_nul_characters_are_refused_by_field(
    http: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    assert_refused(http.post(path, json=body), 422, f"{field}: {NUL_PROBLEM}")
    assert_still_serving(http)


def test_nul_in_message_content_is_refused_before_any_model_call(
    http: httpx.Client, agent_id: str
) -> None:
    url = f"/v1/agents/{agent_id}/messages"
    assert_refused(http.post(url, json={"input": "hi\u0000"}), 422, f"input: {NUL_PROBLEM}")
    body = {"messages": [{"role": "user", "content": "hi\u0000"}]}
    assert_refused(http.post(url, json=body), 422, f"messages.0.content: {NUL_PROBLEM}")
    assert_still_serving(http)


def test_nul_in_query_and_path_is_refused(http: httpx.Client, agent_id: str) -> None:
    response = http.get("/v1/agents/", params={"name": "a\u0000b"})
    assert_refused(response, 422, f"query.name: {NUL_PROBLEM}")
    response = http.get(f"/v1/agents/{agent_id}/core-memory/blocks/hu%00man")
    assert_refused(response, 422, f"path: {NUL_PROBLEM}")
    assert_still_serving(http)


@pytest.mark.parametrize("path", ["/v1/tools/%0A", "/v1/agents/%0A", "/v1/blocks/%09"])
def test_control_characters_in_the_path_are_refused(http: httpx.Client, path: str) -> None:
    # Not mistaken for the collection route, whose pattern would match before a newline.
    assert_refused(http.get(path), 404, "Not found: the path contains a control character")
    assert_still_serving(http)


def test_nul_in_a_block_value_is_removed(http: httpx.Client) -> None:
    response = http.post("/v1/blocks/", json={"label": "notes", "value": "a\u0000b"})
    assert response.status_code == 200, response.text
    assert response.json()["value"] == "ab"


def raw_exchange(server: LettaliteServer, head: str, body_parts: list[bytes]) -> tuple[int, str]:
    """Send a hand-built request over a socket; returns the response's status and detail."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        for part in body_parts:
            sock.sendall(part)
        response = HTTPResponse(sock)
        response.begin()
        payload = httpx.Response(response.status, content=response.read()).json()
        return response.status, payload["detail"]


def test_declared_body_over_the_cap_is_413_before_it_is_sent(
    server: LettaliteServer, http: httpx.Client
) -> None:
    head = (
        "POST /v1/agents/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {DEFAULT_MAX_BODY_BYTES + 1}\r\n\r\n"
    )
    status, detail = raw_exchange(server, head, [])
    assert status == 413
    assert f"limit of {DEFAULT_MAX_BODY_BYTES} bytes (LETTALITE_MAX_BODY_BYTES)" in detail
    assert_still_serving(http)


def test_chunked_body_growing_over_the_cap_is_413(
    server: LettaliteServer, http: httpx.Client
) -> None:
    head = (
        "POST /v1/blocks/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    megabyte = b"x" * (1024 * 1024)
    chunks = [b"100000\r\n" + megabyte + b"\r\n"] * (DEFAULT_MAX_BODY_BYTES // len(megabyte))
    # One byte past the cap, and no final chunk: the server must stop reading and answer.
    status, detail = raw_exchange(server, head, [*chunks, b"1\r\nx\r\n"])
    assert status == 413
    assert "LETTALITE_MAX_BODY_BYTES" in detail
    assert_still_serving(http)


def test_body_under_the_cap_is_accepted(http: httpx.Client) -> None:
    value = "v" * (2 * 1024 * 1024)
    response = http.post("/v1/blocks/", json={"label": "big", "value": value, "limit": len(value)})
    assert response.status_code == 200, response.text[:200]
    assert len(response.json()["value"]) == len(value)


@pytest.mark.serial  # measures the server's latency: alone, not beside other tests' load
@pytest.mark.parametrize(
    ("path", "body", "limit"),
    [
        ("/v1/agents/", {**agent_body(), "tags": [f"t{i}" for i in range(690_000)]}, "tags"),
        ("/v1/blocks/", {"label": "l", "value": "v", "tags": ["t"] * 101}, "tags"),
        ("/v1/agents/", {**agent_body(), "tool_ids": ["x"] * 501}, "tool_ids"),
        (
            "/v1/agents/",
            {**agent_body(), "memory_blocks": [{"label": "l", "value": ""}] * 101},
            "memory_blocks",
        ),
    ],
)
def test_lists_over_their_limit_are_refused_before_any_work(
    server: LettaliteServer, http: httpx.Client, path: str, body: dict, limit: str
) -> None:
    """690,000 tags (a 7.5 MB body, under the body limit) once took 95 s and stalled the
    health check for 54 s: now refused at once, naming the limit, while the server answers."""
    latencies: list[float] = []
    stop = threading.Event()

    def poll_health() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as probe:
            while not stop.is_set():
                started = time.monotonic()
                probe.get("/v1/health/").raise_for_status()
                latencies.append(time.monotonic() - started)

    poller = threading.Thread(target=poll_health)
    poller.start()
    while not latencies:
        time.sleep(0.01)
    try:
        response = http.post(path, json=body)
    finally:
        stop.set()
        poller.join()
    assert response.status_code == 422
    assert f"{limit}: at most" in response.json()["detail"]
    assert max(latencies) < 0.5, max(latencies)
    print(f"\n{limit}: health answered within {max(latencies) * 1000:.0f} ms meanwhile")
    assert_still_serving(http)
