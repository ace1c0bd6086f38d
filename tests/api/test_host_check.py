"""Host checking: without a key, only requests addressed to loopback names are served, so a web
page cannot reach the server through DNS rebinding (its requests carry the page's host)."""

import httpx
import pytest

from lettalite.api.guards import host_name
from tests.servers import LettaliteServer

EVIL = "evil.example"


def get_as(server: LettaliteServer, host: str, path: str = "/v1/agents/") -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers={"Host": host}, timeout=30)


def assert_misdirected(response: httpx.Response, host: str) -> None:
    assert response.status_code == 421, response.text
    detail = response.json()["detail"]
    assert repr(host) in detail and "LETTALITE_ALLOWED_HOSTS" in detail, detail


def test_without_a_key_a_foreign_host_is_refused(server: LettaliteServer) -> None:
    assert_misdirected(get_as(server, EVIL), EVIL)
    assert_misdirected(get_as(server, f"{EVIL}:{server.port}"), f"{EVIL}:{server.port}")
    assert_misdirected(get_as(server, EVIL, "/v1/health/"), EVIL)
    refused = httpx.post(
        f"{server.url}/v1/blocks/", json={"label": "x", "value": "y"}, headers={"Host": EVIL}
    )
    assert refused.status_code == 421
    # Names that merely start like a loopback one are foreign too.
    for host in ("localhost.evil.example", "127.0.0.1.evil.example", "0.0.0.0"):
        assert_misdirected(get_as(server, host), host)


def test_without_a_key_loopback_hosts_are_served(server: LettaliteServer) -> None:
    for host in (
        f"localhost:{server.port}",
        f"LocalHost:{server.port}",
        f"127.0.0.1:{server.port}",
        "127.8.9.10",
        f"[::1]:{server.port}",
        "localhost",
    ):
        assert get_as(server, host).status_code == 200, host


def test_allowed_hosts_setting_serves_listed_names(start_server) -> None:
    server = start_server(LETTALITE_ALLOWED_HOSTS="lettalite.internal, Box.LAN")
    assert get_as(server, "lettalite.internal:8283").status_code == 200
    assert get_as(server, "box.lan").status_code == 200
    assert get_as(server, f"localhost:{server.port}").status_code == 200
    refused = get_as(server, EVIL)
    assert_misdirected(refused, EVIL)
    assert "box.lan, lettalite.internal" in refused.json()["detail"]


def test_allowed_hosts_star_serves_any_host(start_server) -> None:
    server = start_server(LETTALITE_ALLOWED_HOSTS="*")
    assert get_as(server, EVIL).status_code == 200


def test_with_a_key_any_host_is_served_but_still_needs_the_key(start_server) -> None:
    # A rebinding page cannot send the key, so the key alone is the guard.
    server = start_server(LETTALITE_API_KEY="host-check-key")
    assert get_as(server, EVIL).status_code == 401
    served = httpx.get(
        f"{server.url}/v1/agents/",
        headers={"Host": EVIL, "Authorization": "Bearer host-check-key"},
    )
    assert served.status_code == 200


def test_with_a_key_the_setting_still_applies(start_server) -> None:
    server = start_server(LETTALITE_API_KEY="host-check-key", LETTALITE_ALLOWED_HOSTS="api.example")
    key = {"Authorization": "Bearer host-check-key"}
    refused = httpx.get(f"{server.url}/v1/agents/", headers={"Host": EVIL, **key})
    assert_misdirected(refused, EVIL)
    served = httpx.get(f"{server.url}/v1/agents/", headers={"Host": "api.example", **key})
    assert served.status_code == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("localhost:8283", "localhost"),
        ("[::1]:8283", "::1"),
        ("[::1]", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        (" Example.COM:80 ", "example.com"),
    ],
)
def test_host_name_drops_port_and_brackets(header: str, name: str) -> None:
    assert host_name(header) == name
