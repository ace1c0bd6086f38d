"""lettalite: a small self-hosted server that speaks the Letta agents API."""

__version__ = "0.1.0"
