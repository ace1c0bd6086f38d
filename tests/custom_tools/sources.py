"""Tool sources for the custom-tool tests. Every server in a test session is shared, and tool
names are unique on a server, so each test names its functions itself (`unique()`)."""

import textwrap
import uuid


def unique(stem: str) -> str:
    return f"{stem}_{uuid.uuid4().hex[:8]}"


def source(name: str, body: str, params: str = "", doc_args: str = "") -> str:
    """A documented function `name(params)` whose body is `body`."""
    indented = textwrap.indent(doc_args.strip(), " " * 8)
    args_section = f"\n\n    Args:\n{indented}" if doc_args else ""
    return (
        f"def {name}({params}):\n"
        f'    """Tool {name}.{args_section}\n    """\n'
        f"{textwrap.indent(textwrap.dedent(body).strip(), '    ')}\n"
    )


def adder(name: str) -> str:
    return source(
        name,
        "return a + b",
        params="a: int, b: int = 2",
        doc_args="a: The first number.\nb: The second number.",
    )
