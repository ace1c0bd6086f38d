"""Tests of the built-in agent tools (lettalite.tools)."""
