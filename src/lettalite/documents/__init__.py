"""Uploaded documents: which types are accepted, their text, and its chunks (no database)."""
