"""Settings, read once from the environment (and a `.env` file in the working directory)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path.home() / ".lettalite"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", validation_alias="LETTALITE_HOST")
    port: int = Field(8283, validation_alias="LETTALITE_PORT")
    data_dir: Path = Field(DEFAULT_DATA_DIR, validation_alias="LETTALITE_DATA_DIR")
    database_url: str | None = Field(None, validation_alias="LETTALITE_DATABASE_URL")
    log_level: str = Field("info", validation_alias="LETTALITE_LOG_LEVEL")

    openai_api_key: str | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str = Field(
        "https://api.openai.com/v1",
        validation_alias=AliasChoices("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    )
    llm_timeout_seconds: float = Field(120.0, validation_alias="LETTALITE_LLM_TIMEOUT_SECONDS")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.expanduser() / 'lettalite.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
