"""The 0.x Python SDK (`token=`) against a server that requires a key.

Usage: python auth_v0.py <base-url> <token>. Runs under the separate .venv-sdk0 environment;
prints the label of a block it created and read back through authenticated calls.
"""

import sys

from letta_client import Letta

client = Letta(token=sys.argv[2], base_url=sys.argv[1])
block = client.blocks.create(label="sdk0_auth", value="created with token=")
print(f"{client.blocks.retrieve(block.id).label}: {len(client.agents.list())} agents")
