"""Quorum's settings: one pydantic-settings class read from QUORUM_* environment variables."""

from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflow.kernel.values import ValueLimits

_DEV_SECRET = "dev-only-insecure-secret"
# Distinct annotators an item needs when neither its label schema nor the settings say.
DEFAULT_OVERLAP = 3
_LIMITS = ValueLimits()


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
    # FastAPI's own OpenTelemetry spans, metrics and logs per request. Off unless asked for:
    # with no exporter configured they only cost CPU (a tenth of a proposal request, measured).
    telemetry: bool = False

    # Input limits, documented in the README; each refusal is a 4xx, never a 500. The value
    # limits' defaults live in ValueLimits, the one place the domain reads them from.
    max_request_bytes: int = 2 * 1024 * 1024
    max_value_bytes: int = _LIMITS.max_value_bytes
    max_value_depth: int = _LIMITS.max_value_depth
    max_metadata_entries: int = _LIMITS.max_metadata_entries
    max_metadata_value_chars: int = _LIMITS.max_metadata_value_chars
    max_name_chars: int = _LIMITS.max_name_chars
    max_rationale_chars: int = _LIMITS.max_rationale_chars
    max_page_size: int = 500
    # The bulk import takes larger bodies than any other route, and this many entries at most.
    max_import_bytes: int = 64 * 1024 * 1024
    max_import_entries: int = Field(10_000, ge=1)

    # Writes per second each user may sustain, and how many at once; 0 turns the limit off.
    # Counted in Redis (QUORUM_RATE_LIMIT_URL, else a Redis broker) so every API process shares
    # one count; without Redis each process counts its own.
    write_rate: float = Field(50.0, ge=0)
    write_burst: int = Field(200, ge=1)
    rate_limit_url: str | None = None
    # Sign-in attempts per user name and per client address: each costs a scrypt (77 ms of
    # CPU), so guessing must stay slow and a flood of them must not take the CPU.
    login_rate: float = Field(0.2, ge=0)
    login_burst: int = Field(10, ge=1)
    # Page sessions: cookies marked Secure (browsers treat http://localhost as secure too).
    secure_cookies: bool = True

    # Distinct annotators an item needs before it is evaluated, when neither
    # a campaign nor a label schema says otherwise.
    default_overlap: int = Field(DEFAULT_OVERLAP, ge=1)

    # Delivery. A task past its time limit is killed; Redis hands an unacknowledged task to
    # another worker after the visibility timeout, which must therefore exceed the time limit.
    task_time_limit: int = Field(60, ge=1)
    visibility_timeout: int = Field(300, ge=2)
    # The reconciler: how often it runs, when it publishes an unfinished message again, when
    # it re-drives an item idle in a transient state, and after how many deliveries a message
    # is dead-lettered.
    reconcile_interval: float = Field(30.0, gt=0)
    redeliver_after: float = Field(120.0, gt=0)
    stuck_after: float = Field(60.0, gt=0)
    max_attempts: int = Field(5, ge=1)
    # How long the outbox relay waits after a commit wakes it, so that the evaluations of
    # the commits right behind it share one delivery (seconds; 0: publish at once).
    relay_linger: float = Field(0.02, ge=0, le=1)
    # Write requests (the one-hop routes) each API process runs at once; the rest wait their
    # turn. A few threads keep a small machine's cores busy: more only fight over the GIL.
    write_concurrency: int = Field(4, ge=1, le=64)

    # Webhooks. Ranges (CIDR, comma-separated in the environment as JSON: '["127.0.0.0/8"]')
    # a webhook may be sent to although private or loopback: for tests and local use only.
    webhook_allow: list[str] = Field(default_factory=list)
    webhook_timeout: float = Field(10.0, gt=0, le=60)
    # How long the old secret still signs after a rotation, and how long an endpoint may fail
    # every delivery before it is disabled.
    webhook_overlap_hours: float = Field(24.0, ge=0)
    webhook_disable_after_days: float = Field(5.0, gt=0)

    # Email. With no SMTP host, emails are written to `email_dir` (embedded mode) and listed
    # on /admin/emails. Security: starttls (port 587), tls (implicit, port 465) or none.
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: str = Field("starttls", pattern="^(starttls|tls|none)$")
    smtp_username: str | None = None
    smtp_password: str | None = None
    # Per exchange with the server: short enough that a pass (20 s of sends) ends well inside
    # the task time limit even when the server stalls.
    smtp_timeout: float = Field(10.0, gt=0, le=30)
    email_from: str = "Quorum <quorum@localhost>"
    email_dir: Path = Path.cwd() / "quorum-mail"
    # How long a digest's window is (a day: each UTC day's notices in one email at midnight).
    email_digest_hours: float = Field(24.0, gt=0)
    # Where the links in emails point: the address people open Quorum at (default: the host
    # and port it serves on).
    base_url: str | None = None

    def rate_limit_redis(self) -> str | None:
        """Where writes are counted: the configured Redis, else a Redis broker, else memory."""
        if self.rate_limit_url:
            return self.rate_limit_url
        broker = self.broker_url or ""
        return broker if broker.startswith(("redis://", "rediss://")) else None

    def public_url(self) -> str:
        """The address people open Quorum at, for links sent out of it."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    def value_limits(self) -> ValueLimits:
        """The value limits as the domain takes them."""
        return ValueLimits(**{f.name: getattr(self, f.name) for f in fields(ValueLimits)})

    @model_validator(mode="after")
    def _visibility_outlasts_tasks(self) -> "Settings":
        if self.visibility_timeout <= self.task_time_limit:
            raise ValueError("QUORUM_VISIBILITY_TIMEOUT must exceed QUORUM_TASK_TIME_LIMIT")
        return self

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
