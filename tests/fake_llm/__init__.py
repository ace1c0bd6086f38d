"""A scripted, OpenAI-compatible fake LLM server for lettalite's test suite.

Start it with `python -m tests.fake_llm --port N`; the reply script lives in `script.py`.
"""
