"""A scripted fake of Anthropic's Messages API for lettalite's test suite.

Start it with `python -m tests.fake_anthropic --port N`. It speaks the real wire protocol
(`POST /v1/messages`, JSON or SSE events) and answers with the script of tests/fake_llm:
`wire.py` turns each request into the chat-completions shape `reply_for` reads, and renders
the reply back as Anthropic content blocks.
"""
