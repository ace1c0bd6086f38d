"""Stored messages as the model's message list: images, tool results, approval answers."""

from lettalite.agent.context import IMAGE_NOT_SHOWN, TOOL_IMAGES, chat_history
from lettalite.db.models import MessageRow

PNG = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}
URL = {"type": "image", "source": {"type": "url", "url": "https://example.test/cat.png"}}


def row(role: str, *parts: dict, **fields: object) -> MessageRow:
    return MessageRow(role=role, content=list(parts), **fields)


def text(value: str) -> dict:
    return {"type": "text", "text": value}


def test_user_images_are_sent_as_urls_to_models_that_see_images() -> None:
    [message] = chat_history([row("user", text("look"), PNG, URL)], images=True)
    assert message.content == "look"
    assert message.images == ("data:image/png;base64,AA==", "https://example.test/cat.png")


def test_models_without_eyes_are_told_an_image_was_there() -> None:
    [message] = chat_history([row("user", text("look"), PNG)], images=False)
    assert message.images == ()
    assert message.content == f"look\n{IMAGE_NOT_SHOWN}"


def test_tool_images_follow_the_steps_results_and_approval_answers_are_left_out() -> None:
    calls = [
        {"id": "a", "name": "shot", "arguments": "{}"},
        {"id": "b", "name": "ls", "arguments": "{}"},
    ]
    history = chat_history(
        [
            row("assistant", tool_calls=calls),
            row("approval", approvals=[]),
            row("tool", text("screenshot taken"), PNG, tool_call_id="a"),
            row("tool", text("file"), tool_call_id="b"),
            row("assistant", text("done")),
        ],
        images=True,
    )
    assert [m.role for m in history] == ["assistant", "tool", "tool", "user", "assistant"]
    assert [c.id for c in history[0].tool_calls] == ["a", "b"]
    assert history[1].content == "screenshot taken" and history[1].images == ()
    assert history[3].content == TOOL_IMAGES
    assert history[3].images == ("data:image/png;base64,AA==",)
