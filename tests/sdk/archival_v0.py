"""Archival memory under letta-client 0.1.x (`token=`): insert, list, search, delete.

Usage: python archival_v0.py <base-url>. Runs under .venv-sdk0; prints JSON of the results.
"""

import json
import os
import sys

from letta_client import Letta

client = Letta(token=os.getenv("LETTA_API_KEY", "no-key"), base_url=sys.argv[1])
agent = client.agents.create(model="openai/gpt-4o-mini", embedding="openai/text-embedding-3-small")
created = []
for text, tags in [
    ("The spare key is under the blue flowerpot", ["home"]),
    ("Quarterly taxes are due in mid April", ["money"]),
]:
    created += client.agents.passages.create(agent.id, text=text, tags=tags)
search = client.agents.passages.search(agent.id, query="spare key", tags=["home"], top_k=1)
client.agents.passages.delete(agent.id, created[1].id)
remaining = client.agents.passages.list(agent.id)
print(
    json.dumps(
        {
            "created": [{"id": p.id, "text": p.text, "tags": p.tags} for p in created],
            "search": [{"id": r.id, "content": r.content} for r in search.results],
            "count": search.count,
            "remaining": [p.id for p in remaining],
        }
    )
)
