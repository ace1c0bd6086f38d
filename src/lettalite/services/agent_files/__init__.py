"""Agent Files (`.af`): Letta's portable document of agents, their memory, tools and history."""

from lettalite.services.agent_files.document import parse_agent_file, validate_agent_file
from lettalite.services.agent_files.export import document_text, export_agent_file
from lettalite.services.agent_files.import_ import ImportOptions, import_agent_file
from lettalite.services.agent_files.legacy import agent_file_to_legacy

__all__ = [
    "ImportOptions",
    "agent_file_to_legacy",
    "document_text",
    "export_agent_file",
    "import_agent_file",
    "parse_agent_file",
    "validate_agent_file",
]
