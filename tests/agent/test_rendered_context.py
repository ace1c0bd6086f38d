"""Stored messages are rendered for the model once per server process (agent/shown_cache.py):
whatever changed a message, its window or the model, the next request must be exactly what
a fresh rendering would send."""

import json
from typing import Any

from letta_client import Letta
from sqlalchemy import update

from lettalite.agent.context import IMAGE_NOT_SHOWN
from lettalite.db.models import MessageRow
from tests.factories import create_seed_agent, write_directly
from tests.servers import FakeLLM, LettaliteServer

PNG = "iVBORw0KGgo="
IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}


def last_request(fake_llm: FakeLLM) -> dict[str, Any]:
    return fake_llm.chat_requests()[-1]


def sent_texts(fake_llm: FakeLLM) -> list[str]:
    return [json.dumps(m["content"]) for m in last_request(fake_llm)["messages"]]


def stored_user_message_id(client: Letta, agent_id: str, text: str) -> str:
    messages = client.agents.messages.list(agent_id, limit=100)
    return next(m.id for m in messages if m.message_type == "user_message" and m.content == text)


def test_a_message_changed_in_the_database_is_sent_as_it_now_reads(
    client: Letta, fake_llm: FakeLLM, server: LettaliteServer
) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input="The sky is green.")
    client.agents.messages.create(agent_id=agent.id, input="What colour is the sky?")
    assert any("The sky is green." in text for text in sent_texts(fake_llm))

    message_id = stored_user_message_id(client, agent.id, "The sky is green.")
    blue = [{"type": "text", "text": "The sky is blue."}]
    rewritten = update(MessageRow).where(MessageRow.id == message_id)
    # What another worker (or anything else writing the database) may do to a message.
    write_directly(
        server.database_url, rewritten.values(content=blue, search_text="The sky is blue.")
    )
    client.agents.messages.create(agent_id=agent.id, input="And now?")
    texts = sent_texts(fake_llm)  # the scripted model's replies still quote the old text
    assert json.dumps("The sky is blue.") in texts
    assert json.dumps("The sky is green.") not in texts


def test_a_memory_edit_and_a_reset_show_in_the_next_request(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    client.agents.messages.create(agent_id=agent.id, input="Remember the walnut.")
    client.agents.blocks.update("human", agent_id=agent.id, value="Name: Ada")
    client.agents.messages.create(agent_id=agent.id, input="Who am I?")
    system = last_request(fake_llm)["messages"][0]["content"]
    assert "Name: Ada" in system and "First interaction" not in system

    client.agents.messages.reset(agent.id)
    client.agents.messages.create(agent_id=agent.id, input="Start over.")
    texts = sent_texts(fake_llm)
    assert not any("walnut" in text for text in texts)
    assert any("Start over." in text for text in texts)


def test_a_stored_image_follows_the_model_switching_to_one_without_eyes_and_back(
    client: Letta, fake_llm: FakeLLM
) -> None:
    agent = create_seed_agent(client)
    content = [{"type": "text", "text": "Look at this."}, IMAGE]
    client.agents.messages.create(
        agent_id=agent.id, messages=[{"role": "user", "content": content}]
    )

    def shown_image() -> Any:
        client.agents.messages.create(agent_id=agent.id, input="And the picture?")
        [sent] = [
            m
            for m in last_request(fake_llm)["messages"]
            if m["role"] == "user" and "Look at this." in json.dumps(m)
        ]
        return sent["content"]

    assert {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}} in (
        shown_image()
    )
    client.agents.update(agent.id, model="openai/gpt-3.5-turbo")
    assert shown_image() == f"Look at this.\n{IMAGE_NOT_SHOWN}"
    client.agents.update(agent.id, model="openai/gpt-4o-mini")
    assert "image_url" in json.dumps(shown_image())
