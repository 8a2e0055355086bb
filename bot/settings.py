"""Baton's settings: every environment variable of the runtime contract, typed and checked once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Command", "Settings", "SettingsError", "load_settings"]

DEFAULT_ALLOWED_FILE_TYPES = "pdf,csv,xls,xlsx,doc,docx,txt,png,jpg,jpeg,tif,tiff,heic,eml,msg,xml,zip"


class Command(StrEnum):
    """The CLI commands; each needs a different subset of the settings."""

    SERVE = "serve"
    DEMO = "demo"
    REMIND = "remind"
    ARCHIVE = "archive"
    VERIFY = "verify"
    DB = "db"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """The environment of DESIGN §4. Nothing else in Baton reads `os.environ`."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")

    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    PORT: int = Field(default=3000, ge=1, le=65535)
    DATABASE_URL: str | None = None
    BATON_DATA_DIR: Path = Path("./data")
    BATON_TIMEZONE: str = "UTC"
    BATON_MAX_FILE_MB: float = Field(default=25, gt=0, le=1024)
    BATON_ALLOWED_FILE_TYPES: Annotated[frozenset[str], NoDecode] = frozenset(DEFAULT_ALLOWED_FILE_TYPES.split(","))
    BATON_LOG_FORMAT: str = "auto"
    MS_TENANT_ID: str | None = None
    MS_CLIENT_ID: str | None = None
    MS_CLIENT_SECRET: SecretStr | None = None
    MS_CLIENT_CERT_PATH: Path | None = None
    MS_AUTHORITY_URL: str = "https://login.microsoftonline.com"
    MS_GRAPH_URL: str = "https://graph.microsoft.com/v1.0"
    # Standard TLS variables, read here so Settings stays the only reader of the environment: requests
    # (msal) alone honours REQUESTS_CA_BUNDLE and aiohttp alone SSL_CERT_FILE; see `ca_bundles`.
    SSL_CERT_FILE: Path | None = None
    REQUESTS_CA_BUNDLE: Path | None = None

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return v

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value():
            return None
        if v is not None and not v.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return v

    @field_validator("SLACK_API_URL", "MS_AUTHORITY_URL", "MS_GRAPH_URL")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return v

    @field_validator("SLACK_API_URL")
    @classmethod
    def _trailing_slash(cls, v: str) -> str:
        # slack_sdk joins base_url and the method name by plain concatenation.
        return v if v.endswith("/") else v + "/"

    @field_validator("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, v: object) -> object:
        return None if v == "" else v

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, v: str | None) -> str | None:
        if not v:
            return None
        if not v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v

    @field_validator("BATON_TIMEZONE")
    @classmethod
    def _timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @field_validator("BATON_ALLOWED_FILE_TYPES", mode="before")
    @classmethod
    def _file_types(cls, v: object) -> frozenset[str]:
        items = v.split(",") if isinstance(v, str) else list(v)  # type: ignore[call-overload]
        types = frozenset(str(t).strip().lower().lstrip(".") for t in items if str(t).strip())
        if not types:
            raise ValueError("must list at least one file type")
        return types

    @field_validator("BATON_LOG_FORMAT")
    @classmethod
    def _log_format(cls, v: str) -> str:
        if v not in ("auto", "json", "text"):
            raise ValueError("must be auto, json or text")
        return v

    @model_validator(mode="after")
    def _microsoft_all_or_none(self) -> Settings:
        given = {
            "MS_TENANT_ID": self.MS_TENANT_ID,
            "MS_CLIENT_ID": self.MS_CLIENT_ID,
            "MS_CLIENT_SECRET or MS_CLIENT_CERT_PATH": self.MS_CLIENT_SECRET or self.MS_CLIENT_CERT_PATH,
        }
        present = [k for k, v in given.items() if v]
        if present and len(present) != len(given):
            missing = next(k for k, v in given.items() if not v)
            raise ValueError(f"{missing} is required when {present[0]} is set (Microsoft 365: all or none)")
        return self

    @property
    def database_url(self) -> str:
        """The configured database, or the embedded SQLite file under the data folder."""
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite+aiosqlite:///{(self.BATON_DATA_DIR / 'baton.db').resolve()}"

    @property
    def max_file_bytes(self) -> int:
        return int(self.BATON_MAX_FILE_MB * 1024 * 1024)

    @property
    def socket_mode(self) -> bool:
        return self.SLACK_APP_TOKEN is not None

    @property
    def microsoft_configured(self) -> bool:
        return bool(self.MS_TENANT_ID)

    @property
    def ca_bundles(self) -> tuple[Path, ...]:
        """The CA bundles both Microsoft 365 clients trust (msal's requests and the aiohttp Graph client).

        Every bundle either variable names, REQUESTS_CA_BUNDLE first, each once; empty means the system's
        trust store. Both are trusted, not one preferred: a base image often sets one to the system bundle
        while the operator points the other at a proxy's or a test CA's (see bot/graph/tls.py).
        """
        named = [p for p in (self.REQUESTS_CA_BUNDLE, self.SSL_CERT_FILE) if p is not None]
        return tuple(dict.fromkeys(named))

    def require_for(self, command: Command) -> None:
        """Raise SettingsError naming the first setting `command` needs and lacks."""
        if command is Command.SERVE:
            if self.SLACK_BOT_TOKEN is None:
                raise SettingsError("SLACK_BOT_TOKEN is not set: `baton serve` needs the bot token (xoxb-…)")
            if not self.socket_mode and self.SLACK_SIGNING_SECRET is None:
                raise SettingsError(
                    "SLACK_SIGNING_SECRET is not set: `baton serve` in HTTP mode needs it "
                    "(or set SLACK_APP_TOKEN for Socket Mode)"
                )
        elif command is Command.REMIND and self.SLACK_BOT_TOKEN is None:
            raise SettingsError(f"SLACK_BOT_TOKEN is not set: `baton {command}` posts to Slack")
        if self.MS_CLIENT_CERT_PATH is not None and not self.MS_CLIENT_CERT_PATH.is_file():
            raise SettingsError(f"MS_CLIENT_CERT_PATH: no file at {self.MS_CLIENT_CERT_PATH}")
        if self.microsoft_configured:
            for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
                bundle: Path | None = getattr(self, name)
                if bundle is not None and not bundle.is_file():
                    raise SettingsError(f"{name}: no CA bundle file at {bundle}")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings from `env` (default: the process environment); SettingsError names a bad one."""
    try:
        if env is None:
            return Settings()
        given: dict[str, Any] = {k: v for k, v in env.items() if k in Settings.model_fields}
        return Settings(**given)
    except ValidationError as e:
        err = e.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        name = ".".join(str(p) for p in err["loc"])
        raise SettingsError(f"{name}: {message}" if name else message) from None
