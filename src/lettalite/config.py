"""Settings, read once from the environment (and a `.env` file in the working directory)."""

import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATA_DIR = Path.home() / ".lettalite"
DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
HOST_OR_ADDRESS = re.compile(r"[A-Za-z0-9._:-]+")


def is_loopback(host: str) -> bool:
    """`localhost`, or an address in 127.0.0.0/8 or ::1 (bracketed or not)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class OpenAICompatibleServer(BaseModel):
    """A named OpenAI-compatible server (vLLM, LM Studio, OpenRouter, Groq, a LiteLLM proxy...)."""

    base_url: str
    api_key: str | None = None


# Provider names that a named OpenAI-compatible server may not take.
BUILT_IN_PROVIDERS = frozenset({"openai", "anthropic", "google_ai", "ollama", "letta"})
PROVIDER_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", validation_alias="LETTALITE_HOST")
    port: int = Field(8283, validation_alias="LETTALITE_PORT")
    data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias="LETTALITE_DATA_DIR")
    database_url: str | None = Field(None, validation_alias="LETTALITE_DATABASE_URL")
    log_level: str = Field("info", validation_alias="LETTALITE_LOG_LEVEL")
    # Server processes sharing the port; unset: one per core (see the README on what is per
    # process).
    workers: int | None = Field(None, ge=1, validation_alias="LETTALITE_WORKERS")
    # Either one turns on Bearer auth (the second is Letta's name); the first wins.
    lettalite_api_key: SecretStr | None = Field(None, validation_alias="LETTALITE_API_KEY")
    letta_server_password: SecretStr | None = Field(None, validation_alias="LETTA_SERVER_PASSWORD")
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1, validation_alias="LETTALITE_MAX_BODY_BYTES")
    # Host names (comma-separated) that requests may be addressed to besides loopback ones;
    # `*` allows any. Unset: loopback names only without an API key, any host with one.
    allowed_hosts: str | None = Field(None, validation_alias="LETTALITE_ALLOWED_HOSTS")

    openai_api_key: str | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str = Field(
        DEFAULT_OPENAI_BASE_URL,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    )
    # Serves `anthropic/<model>` handles when set.
    anthropic_api_key: str | None = Field(None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str = Field(
        "https://api.anthropic.com", validation_alias="ANTHROPIC_BASE_URL"
    )
    # Serves `google_ai/<model>` handles (Gemini) when set.
    gemini_api_key: str | None = Field(None, validation_alias="GEMINI_API_KEY")
    gemini_base_url: str = Field(
        "https://generativelanguage.googleapis.com", validation_alias="GEMINI_BASE_URL"
    )
    # Serves `ollama/<model>` handles through Ollama's own API (no key) when set.
    ollama_base_url: str | None = Field(None, validation_alias="OLLAMA_BASE_URL")
    # Named OpenAI-compatible servers, as JSON: {"<name>": {"base_url": ..., "api_key": ...}};
    # each serves `<name>/<model>` handles.
    openai_compatible: Annotated[dict[str, OpenAICompatibleServer], NoDecode] = Field(
        default_factory=dict, validation_alias="LETTALITE_OPENAI_COMPATIBLE"
    )
    llm_timeout_seconds: float = Field(120.0, validation_alias="LETTALITE_LLM_TIMEOUT_SECONDS")
    # A provider call that failed transiently is tried again at most this many times, and
    # never when the next try would start more than the budget after the first.
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias="LETTALITE_LLM_MAX_RETRIES")
    llm_retry_budget_seconds: float = Field(
        20.0, ge=0, validation_alias="LETTALITE_LLM_RETRY_BUDGET_SECONDS"
    )
    # A turn for a busy agent waits this long for the running one before answering 409.
    turn_wait_seconds: float = Field(60.0, gt=0, validation_alias="LETTALITE_TURN_WAIT_SECONDS")
    # A running turn's claim on its agent lapses this long after its process stops renewing
    # it (a crash); another process may then run the agent's next turn.
    turn_lease_seconds: float = Field(30.0, ge=1, validation_alias="LETTALITE_TURN_LEASE_SECONDS")
    # While the model is silent, a stream sends a ping this often (0 < value).
    stream_keepalive_seconds: float = Field(
        20.0, gt=0, validation_alias="LETTALITE_STREAM_KEEPALIVE_SECONDS"
    )
    # `GET /v1/models` (the OpenAI client's path, without the trailing slash) answers in
    # OpenAI's shape with the agents as models, for chat UIs that pick a model from that list.
    list_agents_as_models: bool = Field(False, validation_alias="LETTALITE_LIST_AGENTS_AS_MODELS")
    # FastAPI's own OpenTelemetry spans, metrics and logs for each request, sent to the global
    # providers (or to OTLP exporters configured from OTEL_* variables when
    # FASTAPI_OTEL_AUTO_CONFIGURE=true). Off by default: with no exporter it is work for nothing.
    opentelemetry: bool = Field(False, validation_alias="LETTALITE_OPENTELEMETRY")
    # Database connections of the whole server (shared out among its workers): kept open, and
    # extra ones opened under load.
    db_pool_size: int = Field(10, ge=1, validation_alias="LETTALITE_DB_POOL_SIZE")
    db_max_overflow: int = Field(20, ge=0, validation_alias="LETTALITE_DB_MAX_OVERFLOW")
    # Callbacks go only to public addresses, and to these host names and IP ranges
    # (comma-separated, e.g. "receiver.internal,10.0.0.0/8") for private deployments.
    callback_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="LETTALITE_CALLBACK_ALLOWED_HOSTS"
    )

    # Custom tools run in a sandbox (see lettalite/sandbox): `auto` uses bubblewrap when it
    # works on this machine, else a plain subprocess; `bubblewrap` refuses to start without it.
    tool_sandbox: Literal["auto", "bubblewrap", "process"] = Field(
        "auto", validation_alias="LETTALITE_TOOL_SANDBOX"
    )
    tool_timeout_seconds: float = Field(
        180.0, gt=0, validation_alias="LETTALITE_TOOL_TIMEOUT_SECONDS"
    )
    tool_memory_mb: int = Field(512, ge=64, validation_alias="LETTALITE_TOOL_MEMORY_MB")
    # Each of stdout, stderr and the return value; a tool that writes more is stopped.
    tool_max_output_bytes: int = Field(
        1024 * 1024, ge=1024, validation_alias="LETTALITE_TOOL_MAX_OUTPUT_BYTES"
    )
    tool_max_processes: int = Field(64, ge=1, validation_alias="LETTALITE_TOOL_MAX_PROCESSES")
    tool_network: bool = Field(False, validation_alias="LETTALITE_TOOL_NETWORK")
    tool_max_concurrent: int = Field(8, ge=1, validation_alias="LETTALITE_TOOL_MAX_CONCURRENT")
    tool_pip_install: bool = Field(True, validation_alias="LETTALITE_TOOL_PIP_INSTALL")
    # Extra `pip install` arguments, split like a shell would, e.g. "--index-url URL".
    tool_pip_args: str = Field("", validation_alias="LETTALITE_TOOL_PIP_ARGS")
    tool_install_timeout_seconds: float = Field(
        600.0, gt=0, validation_alias="LETTALITE_TOOL_INSTALL_TIMEOUT_SECONDS"
    )
    # Where tools' pip requirements are installed; default `<data dir>/tool-packages`.
    tool_packages_dir: Path | None = Field(None, validation_alias="LETTALITE_TOOL_PACKAGES_DIR")

    # MCP servers. Stdio ones run a program on this machine, so they are off unless allowed.
    mcp_allow_stdio: bool = Field(False, validation_alias="LETTALITE_MCP_ALLOW_STDIO")
    mcp_timeout_seconds: float = Field(60.0, gt=0, validation_alias="LETTALITE_MCP_TIMEOUT_SECONDS")
    mcp_connect_timeout_seconds: float = Field(
        30.0, gt=0, validation_alias="LETTALITE_MCP_CONNECT_TIMEOUT_SECONDS"
    )
    # Encrypts secrets at rest (MCP tokens, headers, env): a Fernet key; unset, one is generated
    # once in `<data dir>/encryption.key`.
    encryption_key: SecretStr | None = Field(None, validation_alias="LETTALITE_ENCRYPTION_KEY")
    # How often each process reloads the providers added at run time (another replica may
    # have changed them).
    provider_reload_seconds: float = Field(
        10.0, gt=0, validation_alias="LETTALITE_PROVIDER_RELOAD_SECONDS"
    )
    # A process processing an uploaded file renews its claim on it this often; when it stops
    # (a crash, a restart), another process takes the file over this long after.
    file_lease_seconds: float = Field(60.0, ge=1, validation_alias="LETTALITE_FILE_LEASE_SECONDS")

    @field_validator("callback_allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(entry.strip() for entry in value.split(",") if entry.strip())
        return value

    @field_validator("callback_allowed_hosts")
    @classmethod
    def _hosts_or_ranges(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            if "/" in entry:
                ipaddress.ip_network(entry, strict=False)  # its ValueError says what is wrong
            elif not HOST_OR_ADDRESS.fullmatch(entry):
                raise ValueError(f"{entry!r} is neither a host name nor an IP address or range")
        return entries

    @field_validator("openai_compatible", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):  # empty, as a blank line of .env.example leaves it: none
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("openai_compatible")
    @classmethod
    def _provider_names(
        cls, servers: dict[str, OpenAICompatibleServer]
    ) -> dict[str, OpenAICompatibleServer]:
        for name in servers:
            if name in BUILT_IN_PROVIDERS or not PROVIDER_NAME.fullmatch(name):
                raise ValueError(
                    f"{name!r} cannot name an OpenAI-compatible server: use letters, digits, "
                    f"'_', '.' or '-', and none of {sorted(BUILT_IN_PROVIDERS)}"
                )
        return servers

    @property
    def api_key(self) -> str | None:
        """The key clients must send as `Authorization: Bearer <key>`; None when auth is off."""
        for secret in (self.lettalite_api_key, self.letta_server_password):
            if secret is not None and secret.get_secret_value():
                return secret.get_secret_value()
        return None

    @property
    def host_allowlist(self) -> frozenset[str] | None:
        """Host names served besides loopback ones, lowercase; None when any host is served.

        Without a key, a web page could reach a loopback server through DNS rebinding (its
        requests then carry the page's own host name); with a key it could not send the key.
        """
        names = {name.strip().lower() for name in (self.allowed_hosts or "").split(",")}
        names.discard("")
        if not names:
            return None if self.api_key else frozenset()
        return None if "*" in names else frozenset(names)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.expanduser() / 'lettalite.db'}"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None on PostgreSQL or an in-memory database."""
        url = make_url(self.resolved_database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database).expanduser()


@lru_cache
def get_settings() -> Settings:
    return Settings()
