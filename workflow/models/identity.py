"""Who may use Quorum: users, campaign memberships, API tokens and page sessions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from workflow.models.base import empty_list, json_column, time_column, utcnow


class User(SQLModel, table=True):
    """A person or script; `username` is the identity proposals carry as their source id."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=256, unique=True)
    role: str = Field(max_length=16)  # admin, lead, reviewer or annotator
    # May log expectations on behalf of others (the guide's batch-annotation loop) and import.
    can_import: bool = False
    # scrypt, salted (workflow.secrets); None for a user who signs in with tokens only.
    password_hash: str | None = Field(default=None, max_length=256)
    disabled: bool = False
    # Where notifications are emailed; None: the person gets none.
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Membership(SQLModel, table=True):
    """A user's role in one campaign."""

    __tablename__ = "memberships"

    campaign_id: int = Field(foreign_key="campaigns.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class ApiToken(SQLModel, table=True):
    """A bearer credential: only its SHA-256 is stored, its scopes cap the owner's permissions."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=128)
    token_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    expires_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class WebSession(SQLModel, table=True):
    """A signed-in browser: keyed by the SHA-256 of its cookie, never the cookie itself."""

    __tablename__ = "web_sessions"

    id_hash: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    expires_at: datetime = Field(sa_column=time_column())
    revoked_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
