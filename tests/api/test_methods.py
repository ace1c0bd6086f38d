"""HEAD of GET routes, OPTIONS answered with `Allow`, and the whole `Allow` list on a 405."""

import httpx

from tests.factories import missing_id


def allow(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def test_options_lists_every_method_of_the_path(http: httpx.Client) -> None:
    for path in ("/v1/agents/", "/v1/agents"):
        answered = http.options(path)
        assert answered.status_code == 200
        assert answered.content == b""
        assert allow(answered) == {"GET", "HEAD", "OPTIONS", "POST"}
    one_agent = http.options(f"/v1/agents/{missing_id('agent')}")
    assert allow(one_agent) == {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH"}
    assert allow(http.options("/v1/health/")) == {"GET", "HEAD", "OPTIONS"}


def test_options_on_an_unknown_path_is_404(http: httpx.Client) -> None:
    assert http.options("/v1/no-such-route").status_code == 404


def test_a_405_carries_the_whole_allow_list(http: httpx.Client) -> None:
    refused = http.put("/v1/agents/")
    assert refused.status_code == 405
    assert allow(refused) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert refused.json()["detail"] == (
        "Method PUT is not allowed on /v1/agents/; allowed: GET, HEAD, OPTIONS, POST"
    )
    assert allow(http.delete("/v1/tools/")) == {"GET", "HEAD", "OPTIONS", "POST", "PUT"}


def test_head_answers_as_get_without_a_body(http: httpx.Client) -> None:
    for path in ("/v1/health/", "/v1/agents/"):
        head, get = http.head(path), http.get(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == str(len(get.content))
    assert http.head("/v1/agents/messages-is-not-an-id").status_code == 422
