"""A scripted fake of Google's Gemini API for lettalite's test suite.

Start it with `python -m tests.fake_gemini --port N`. It speaks the real wire protocol
(`POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse` and
`:batchEmbedContents`) and answers with the script of tests/fake_llm: `wire.py` turns each
request into the chat-completions shape `reply_for` reads, and renders the reply back as
Gemini candidates.
"""
