"""A scripted fake of Ollama's own API for lettalite's test suite.

Start it with `python -m tests.fake_ollama --port N`. It speaks Ollama's wire protocol
(`POST /api/chat` as JSON or NDJSON, `POST /api/embed`, `GET /api/tags`) and answers with the
script of tests/fake_llm: `wire.py` turns each request into the chat-completions shape
`reply_for` reads, and renders the reply back as Ollama messages.
"""
