"""Custom tools under letta-client 0.1.x: `upsert_from_function` (plain and with a pydantic
`args_schema`), an agent that calls the tool, and running it without an agent.

Usage: python tools_v0.py <base-url> <suffix>. Runs under .venv-sdk0; prints JSON of the results.
"""

import json
import sys

from letta_client import Letta
from pydantic import BaseModel, Field

client = Letta(token="no-key", base_url=sys.argv[1])
suffix = sys.argv[2]


def roll_dice(sides: int, count: int = 1) -> str:
    """Roll dice and report the total.

    Args:
        sides: How many sides each die has.
        count: How many dice to roll.

    Returns:
        str: The total, as text.
    """
    import random

    random.seed(sides * 1000 + count)
    return str(sum(random.randint(1, sides) for _ in range(count)))


class Order(BaseModel):
    item: str = Field(..., description="What to order.")
    quantity: int = Field(..., description="How many.")


def place_order(item: str, quantity: int) -> str:
    """Place an order."""
    return f"ordered {quantity} x {item}"


dice = client.tools.upsert_from_function(func=roll_dice, tags=["games"])
order = client.tools.upsert_from_function(func=place_order, args_schema=Order)
again = client.tools.upsert_from_function(func=roll_dice, description="Rolls dice.")
agent = client.agents.create(
    name=f"tools_v0_{suffix}",
    model="openai/gpt-4o-mini",
    memory_blocks=[{"label": "human", "value": "Name: User"}],
    tool_ids=[dice.id, order.id],
)
call = json.dumps({"item": "tea", "quantity": 2})
response = client.agents.messages.create(
    agent_id=agent.id, messages=[{"role": "user", "content": f"[[call place_order {call}]]"}]
)
returns = [m.tool_return for m in response.messages if m.message_type == "tool_return_message"]
print(
    json.dumps(
        {
            "dice": {"id": dice.id, "name": dice.name, "schema": dice.json_schema},
            "again": {"id": again.id, "description": again.description},
            "order": {"name": order.name, "schema": order.json_schema},
            "returns": returns,
        }
    )
)
