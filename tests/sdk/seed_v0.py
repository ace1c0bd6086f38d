"""The seed quickstart exactly as written for letta-client 0.1.x (`token=`).

Usage: python seed_v0.py <base-url> [<model handle>]. Runs under the separate .venv-sdk0
environment.
"""

import os
import sys

from letta_client import Letta

client = Letta(token=os.getenv("LETTA_API_KEY", "no-key"), base_url=sys.argv[1])

agent = client.agents.create(
    name="hello_world_assistant",
    memory_blocks=[
        {
            "label": "persona",
            "value": "I am a friendly AI assistant here to help you learn about Letta.",
        },
        {"label": "human", "value": "Name: User\nFirst interaction: Learning about Letta"},
    ],
    model=sys.argv[2] if len(sys.argv) > 2 else "openai/gpt-4o-mini",
)
print(f"Created agent: {agent.id}")

response = client.agents.messages.create(
    agent_id=agent.id, messages=[{"role": "user", "content": "Hello! What's your purpose?"}]
)
for msg in response.messages:
    if msg.message_type == "assistant_message":
        print(f"Assistant: {msg.content}")

response = client.agents.messages.create(
    agent_id=agent.id,
    messages=[
        {
            "role": "user",
            "content": "My name is Cameron. Please store this information in your memory.",
        }
    ],
)
for msg in response.messages:
    if msg.message_type == "assistant_message":
        print(f"Assistant: {msg.content}")
    if msg.message_type == "tool_call_message":
        print(f"Tool call: {msg.tool_call.name}({msg.tool_call.arguments})")

blocks = client.agents.blocks.list(agent_id=agent.id)
print("Current Memory:")
for block in blocks:
    print(f"  {block.label}: {len(block.value)}/{block.limit} chars")
    print(f"  {block.value}")
