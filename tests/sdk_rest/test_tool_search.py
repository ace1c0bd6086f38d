"""`POST /v1/tools/search` through the official Python SDK: full-text ranking over tools'
names, descriptions and tags, with the type and tag filters; bad bodies over plain HTTP."""

import uuid

import httpx
from letta_client import Letta
from letta_client.types import Tool

from tests.custom_tools.sources import source


def custom_tool(client: Letta, name: str, doc: str, tags: list[str]) -> Tool:
    code = source(name, "return 'ok'").replace(f"Tool {name}.", doc)
    return client.tools.create(source_code=code, tags=tags)


def test_search_ranks_the_best_match_first(client: Letta) -> None:
    word = f"zq{uuid.uuid4().hex[:8]}"  # words no other test's tool holds: a common word
    other = f"zq{uuid.uuid4().hex[:8]}"  # ("weather") would rank other tests' tools here
    weather = custom_tool(client, f"weather_{word}", f"Forecast the weather {word} {other}.", [])
    stocks = custom_tool(client, f"stocks_{word}", "Quote a stock price.", [word])
    found = client.tools.search(query=f"{word} {other}")
    assert [r.tool.id for r in found][:2] == [weather.id, stocks.id]
    assert [r.fts_rank for r in found][:2] == [1, 2]
    assert found[0].combined_score > found[1].combined_score
    assert found[0].tool.name == f"weather_{word}" and word in (found[0].embedded_text or "")
    # Only the weather tool holds both words: the best match, whatever the database's ranking
    # makes of a single word that both tools hold.
    best = client.tools.search(query=f"{word} {other}", limit=1)
    assert [r.tool.id for r in best] == [weather.id]
    assert [r.tool.id for r in client.tools.search(query=word, tags=[word])] == [stocks.id]
    assert client.tools.search(query=f"nothing{word}") == []


def test_search_filters_by_type_and_every_mode_answers(client: Letta) -> None:
    word = f"zq{uuid.uuid4().hex[:8]}"
    mine = custom_tool(client, f"notes_{word}", f"Take notes {word}.", [])
    for mode in ("fts", "vector", "hybrid"):
        found = client.tools.search(query=word, search_mode=mode)
        assert [r.tool.id for r in found] == [mine.id]
    assert client.tools.search(query=word, tool_types=["letta_core"]) == []
    core = client.tools.search(query="send message", tool_types=["letta_core"])
    assert core and all(r.tool.tool_type == "letta_core" for r in core)
    everything = client.tools.search(limit=100)
    assert everything and all(r.fts_rank is None for r in everything)


def test_bad_search_bodies_are_refused(http: httpx.Client) -> None:
    for body, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"search_mode": "psychic"}, "search_mode"),
        ({"query": "x", "surprise": True}, "surprise"),
    ):
        refused = http.post("/v1/tools/search", json=body)
        assert refused.status_code == 422 and field in str(refused.json()["detail"]), body
