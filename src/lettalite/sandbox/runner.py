"""Runs one custom tool call; executed inside the sandbox by the server's Python (`-I`).

Standard library only: it runs in a process that can see nothing of lettalite. The job comes
as one JSON object on stdin (see `Sandbox._command`); the outcome goes as one JSON object to
the file descriptor whose number is the first argument, apart from the tool's own stdout and
stderr: `{"status": "success", "value": <return value>}` or
`{"status": "error", "error": "ExceptionName: message"}` (the traceback then goes to stderr).

Before any tool code runs it lowers its resource limits, forbids gaining privileges through
exec, and, when told to, gives up root for an unprivileged uid: the tool cannot undo any of it.
"""

import ctypes
import inspect
import json
import linecache
import os
import resource
import sys
import traceback
import types
import typing
from collections.abc import Callable
from typing import Any

PR_SET_NO_NEW_PRIVS = 38
SOURCE_FILENAME = "<tool source>"


class ToolFailure(Exception):
    """A problem with the call itself (not raised by the tool); its message is the error."""


class StateView(types.SimpleNamespace):
    """A JSON object with attribute access (`agent_state.tags`), also readable as a mapping."""

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


class MemoryView(StateView):
    """`agent_state.memory`, with the lookups Letta's `Memory` offers."""

    def get_block(self, label: str) -> Any:
        for block in self.get("blocks") or []:
            if block.get("label") == label:
                return block
        raise KeyError(
            f"Block field {label} does not exist (available sections = "
            f"{', '.join(self.list_block_labels())})"
        )

    def list_block_labels(self) -> list[str]:
        return [block.get("label") for block in self.get("blocks") or []]


def view(value: Any, kind: type[StateView] = StateView) -> Any:
    """JSON decoded into attribute-access objects, all the way down."""
    if isinstance(value, dict):
        return kind(**{key: view(item) for key, item in value.items()})
    if isinstance(value, list):
        return [view(item) for item in value]
    return value


def agent_state_view(state: dict[str, Any]) -> StateView:
    memory = state.get("memory") or {"blocks": state.get("blocks") or []}
    agent_state = view({key: item for key, item in state.items() if key != "memory"})
    agent_state.memory = view(memory, MemoryView)
    return agent_state


def process_limit(job: dict[str, Any]) -> int:
    """RLIMIT_NPROC counts every process and thread of the uid (in its user namespace). When
    the tool runs as the server's own user outside a namespace, the tool's share comes on top
    of what that user already runs (counted in /proc; unlimited where there is none)."""
    if not job["uid_shared_with_server"]:
        return job["max_processes"]
    if not os.path.isdir("/proc/self/task"):
        return resource.RLIM_INFINITY
    uid, running = os.getuid(), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                running += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue  # it ended meanwhile
    return running + job["max_processes"]


def set_limit(limit: int, amount: int) -> None:
    """Soft and hard limit at `amount`, or at the hard limit already in force if lower."""
    hard = resource.getrlimit(limit)[1]
    if hard != resource.RLIM_INFINITY and (amount == resource.RLIM_INFINITY or amount > hard):
        amount = hard
    try:
        resource.setrlimit(limit, (amount, amount))
    except (ValueError, OSError):
        if sys.platform == "linux":
            raise
        # macOS refuses some (RLIMIT_AS): there the timeout still bounds the tool.


def confine(job: dict[str, Any]) -> None:
    """Limits, no new privileges, and the unprivileged uid: all before any tool code runs."""
    set_limit(resource.RLIMIT_AS, job["memory_bytes"])
    set_limit(resource.RLIMIT_FSIZE, job["memory_bytes"])
    set_limit(resource.RLIMIT_CPU, job["cpu_seconds"])
    set_limit(resource.RLIMIT_NPROC, process_limit(job))
    set_limit(resource.RLIMIT_CORE, 0)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    uid = job.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise SystemExit("the sandbox could not give up root")
    os.environ.clear()
    os.environ.update(job["environment"])
    sys.path[:0] = job["sys_path"]


def load_function(source: str, name: str) -> Callable[..., Any]:
    module = types.ModuleType("tool")
    module.__file__ = SOURCE_FILENAME
    sys.modules["tool"] = module  # pydantic and dataclasses look their module up here
    # Tracebacks then quote the tool's own lines.
    linecache.cache[SOURCE_FILENAME] = (len(source), None, source.splitlines(True), SOURCE_FILENAME)
    exec(compile(source, SOURCE_FILENAME, "exec"), module.__dict__)
    function = module.__dict__.get(name)
    if not callable(function):
        raise ToolFailure(f"The source code defines no function named {name!r}")
    return function


def coerce(annotation: Any, value: Any) -> Any:
    """The argument as the annotated type, where that is a simple conversion; else as given."""
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in arguments:
        others = [argument for argument in arguments if argument is not type(None)]
        return value if value is None or len(others) != 1 else coerce(others[0], value)
    if origin is list and arguments and isinstance(value, list):
        return [coerce(arguments[0], item) for item in value]
    if isinstance(annotation, type) and hasattr(annotation, "model_validate"):
        return annotation.model_validate(value) if isinstance(value, dict) else value
    try:
        if annotation is bool and isinstance(value, str | int):
            lowered = str(value).lower()
            return {"true": True, "1": True, "false": False, "0": False}.get(lowered, value)
        if annotation is int and isinstance(value, str | float) and not isinstance(value, bool):
            return int(value) if isinstance(value, str) or value.is_integer() else value
        if annotation is float and isinstance(value, str | int) and not isinstance(value, bool):
            return float(value)
        if annotation is str and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    except ValueError:
        pass
    return value


def call_arguments(function: Callable[..., Any], job: dict[str, Any]) -> dict[str, Any]:
    parameters = inspect.signature(function).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    arguments = dict(job["arguments"])
    unknown = sorted(set(arguments) - set(parameters)) if not takes_any else []
    if unknown:
        raise ToolFailure(f"{function.__name__}() got unexpected arguments: {', '.join(unknown)}")
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable string annotations: pass the values as they came
        hints = {}
    called = {name: coerce(hints.get(name), value) for name, value in arguments.items()}
    state = job["agent_state"]
    if "agent_state" in parameters:
        called["agent_state"] = agent_state_view(state) if state is not None else None
    if "agent_id" in parameters and "agent_id" not in called and state and state.get("id"):
        called["agent_id"] = state["id"]
    return called


def print_tool_traceback(error: BaseException) -> None:
    """The traceback from the tool's side: without this runner's own frame."""
    frames = error.__traceback__
    traceback.print_exception(type(error), error, frames.tb_next if frames else None)


def run_tool(job: dict[str, Any]) -> dict[str, Any]:
    try:
        function = load_function(job["source_code"], job["function_name"])
        value = function(**call_arguments(function, job))
        if inspect.iscoroutine(value):
            import asyncio  # here: importing it takes longer than most tools run

            value = asyncio.run(value)
        return {"status": "success", "value": value}
    except ToolFailure as failure:
        return {"status": "error", "error": str(failure)}
    except MemoryError as error:
        print_tool_traceback(error)
        megabytes = job["memory_bytes"] // (1024 * 1024)
        return {"status": "error", "error": f"MemoryError: the tool used over {megabytes} MiB"}
    except Exception as error:
        print_tool_traceback(error)
        return {"status": "error", "error": f"{type(error).__name__}: {error}"}


def encode(outcome: dict[str, Any]) -> str:
    try:
        return json.dumps(outcome, default=str)
    except (TypeError, ValueError, RecursionError) as error:  # a tuple key, a value in itself
        return json.dumps({"status": "error", "error": f"The return value is not JSON: {error}"})


def main() -> None:
    job = json.load(sys.stdin)
    confine(job)
    runner_pid = os.getpid()
    outcome = encode(run_tool(job))
    if os.getpid() != runner_pid:  # a process the tool forked came back here: it has no say
        os._exit(0)
    sys.stdout.flush()
    sys.stderr.flush()
    with os.fdopen(int(sys.argv[1]), "w", encoding="utf-8") as channel:
        channel.write(outcome)


if __name__ == "__main__":
    main()
