"""Letta's other base tools that agents attach by name: `send_message`, `run_code`, and the
web tools, which need a search or fetch service this server does not have configured."""

from typing import Literal

from lettalite.tools.blocks import ToolError
from lettalite.tools.registry import plain_tool, sandboxed_tool

NOT_CONFIGURED = (
    "{tool} is not configured on this lettalite server: it has no {service}. Answer from what "
    "you know, or ask the user for the information."
)


@plain_tool(tool_type="letta_core")
def send_message(*, message: str) -> str:
    """Sends a message to the human user.

    Args:
        message: Message contents. All unicode (including emojis) are supported.
    """
    return "Sent message successfully."


@plain_tool(tool_type="letta_builtin")
def web_search(*, query: str, num_results: int = 10) -> str | ToolError:
    """Search the web for information.

    Args:
        query: The search query.
        num_results: How many results to return.
    """
    return ToolError(NOT_CONFIGURED.format(tool="web_search", service="web search provider"))


@plain_tool(tool_type="letta_builtin")
def fetch_webpage(*, url: str) -> str | ToolError:
    """Fetch a webpage and return its text.

    Args:
        url: The address of the page to fetch.
    """
    return ToolError(NOT_CONFIGURED.format(tool="fetch_webpage", service="web fetch service"))


@sandboxed_tool(tool_type="letta_builtin")
def run_code(*, code: str, language: Literal["python"]) -> str:
    """Run code in a sandbox and return what it printed. Variables do not persist between
    calls.

    Args:
        code: The source code to run; print what you want to see.
        language: The language of the code.
    """
    import contextlib
    import io
    import traceback

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            exec(compile(code, "<run_code>", "exec"), {"__name__": "__main__"})
        except Exception:
            traceback.print_exc(file=output)
    return output.getvalue()
