"""Quorum's settings: one pydantic-settings class read from QUORUM_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "dev-only-insecure-secret"


class Settings(BaseSettings):
    """Every knob of a Quorum process, with defaults that run on a laptop."""

    model_config = SettingsConfigDict(env_prefix="QUORUM_", env_file=".env", extra="ignore")

    environment: str = Field("development", pattern="^(development|test|production)$")
    database_url: str = f"sqlite:///{Path.cwd() / 'quorum.db'}"
    # None means the in-process worker: no broker, no separate worker process.
    broker_url: str | None = None
    secret_key: str = _DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 5000

    # Input limits, documented in the README; each refusal is a 400, never a 500.
    max_request_bytes: int = 2 * 1024 * 1024
    max_value_bytes: int = 64 * 1024
    max_value_depth: int = 16
    max_metadata_entries: int = 64
    max_metadata_value_chars: int = 4096
    max_name_chars: int = 256
    max_rationale_chars: int = 16 * 1024
    max_page_size: int = 500

    # Distinct annotators an item needs before it is evaluated, when neither
    # a campaign nor a label schema says otherwise.
    default_overlap: int = Field(3, ge=1)

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key == _DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError("QUORUM_SECRET_KEY must be set to 32+ random characters")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs PostgreSQL, not SQLite")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
