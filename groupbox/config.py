"""Settings: one declarative table drives the TOML file, the env vars, `doctor` and the docs.

Every setting is read from `DATA/groupbox.toml` and can be overridden by `GROUPBOX_<NAME>`.
The data folder itself comes from `--data`, else `GROUPBOX_DATA`, else `./data`.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from groupbox.i18n import LANGUAGES

ENV_PREFIX = "GROUPBOX_"
DATA_ENV = "GROUPBOX_DATA"
CONFIG_FILE = "groupbox.toml"
DB_FILE = "groupbox.sqlite3"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str
    secret: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("url", str, "http://127.0.0.1:8000", "Public URL people open; links, cookies and passkeys derive from it."),
    Setting("name", str, "groupbox", "Server name shown to people and to home servers that connect."),
    Setting("env", str, "production", "'production' or 'development' (banner, mail to the outbox, demo helpers)."),
    Setting("timezone", str, "Europe/Berlin", "Default timezone for new groups."),
    Setting("language", str, "en", "Language for people who chose none on /me and whose browser asks for none: en or de."),
    Setting("host", str, "127.0.0.1", "Address `groupbox serve` binds to."),
    Setting("port", int, 8000, "Port `groupbox serve` binds to."),
    Setting("workers", int, 1, "granian worker processes."),
    Setting("upload_max_mb", int, 20, "Largest file upload, in MB."),
    Setting("import_max_mb", int, 500, "Largest WhatsApp export import, in MB."),
    Setting("claim_rate_limit", str, "20/minute", "Invite claims allowed per IP address."),
    Setting("pairing_rate_limit", str, "10/minute", "Device-pairing attempts allowed per IP address."),
    Setting("recovery_rate_limit", str, "5/minute", "Recovery-mail requests allowed per IP address."),
    Setting("passkey_rate_limit", str, "30/minute", "Passkey requests (options and answers) allowed per IP address."),
    Setting("trusted_proxies", str, "", "Comma-separated addresses or networks of reverse proxies whose"
            " X-Forwarded-For is believed (e.g. 127.0.0.1 or 172.16.0.0/12); `serve --https` adds its own Caddy."),
    Setting("session_days", int, 365, "Days a browser session stays valid without use."),
    Setting("smtp_host", str, "", "SMTP server; empty = write mail to DATA/outbox/ and the console."),
    Setting("smtp_port", int, 587, "SMTP port."),
    Setting("smtp_user", str, "", "SMTP user name."),
    Setting("smtp_password", str, "", "SMTP password.", secret=True),
    Setting("smtp_starttls", bool, True, "Use STARTTLS when the server offers it."),
    Setting("mail_from", str, "groupbox <groupbox@localhost>", "Sender address of outgoing mail."),
    Setting("page_cache", bool, True, "Keep rendered dashboards until something on them changes (off: render every time)."),
    Setting("background_jobs", bool, True, "Send mail, digests and syncs from inside `serve` (off: run them by cron)."),
    Setting("digest_hour", int, 18, "Local hour (server timezone) when the daily digest goes out."),
    Setting("backup_hour", int, 3, "Local hour (server timezone) of the nightly backup into DATA/backups/ while serving; -1 = none."),
    Setting("backup_keep", int, 7, "Nightly backups kept in DATA/backups/ (older nightly ones are deleted)."),
    Setting("sync_interval_minutes", int, 15, "How often remote servers are synced while serving."),
    Setting("remote_timeout_seconds", int, 15, "Seconds to wait at most for one answer from a connected server (opening the connection: 5 at most)."),
    Setting("log_level", str, "info", "Log level: debug, info, warning, error."),
    Setting("database_url", str, "", "PostgreSQL to use instead of SQLite (postgresql://user:password@host:port/db);"
            " empty = SQLite in DATA/groupbox.sqlite3.", secret=True),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_RATE_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the setting and its source."""


def _coerce(setting: Setting, raw: Any, source: str) -> Any:
    try:
        if setting.type is bool:
            if isinstance(raw, bool):
                return raw
            value = str(raw).strip().lower()
            if value in {"1", "true", "yes", "on"}:
                return True
            if value in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if setting.type is int:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{setting.name} from {source} must be {setting.type.__name__}, got {raw!r}"
        ) from None


def parse_rate(text: str) -> tuple[int, int]:
    """'20/minute' -> (20, 60)."""
    match = _RATE_RE.match(text or "")
    if not match:
        raise ConfigError(f"rate limit {text!r} must look like '20/minute'")
    return int(match.group(1)), _RATE_SECONDS[match.group(2)]


@functools.lru_cache(maxsize=8)
def proxy_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """'127.0.0.1, 10.0.0.0/8' -> networks; a ConfigError names the entry that is not one."""
    networks = []
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(f"trusted_proxies: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def resolve_data_dir(data: str | os.PathLike | None = None) -> Path:
    raw = data or os.environ.get(DATA_ENV) or "data"
    return Path(raw).expanduser().resolve()


@dataclass(frozen=True)
class Config:
    data_dir: Path
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    # Paths inside the data folder (SPEC §18).
    @property
    def config_path(self) -> Path:
        return self.data_dir / CONFIG_FILE

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def database(self) -> str | Path:
        """What `DB.connect` takes: the PostgreSQL URL when `database_url` is set, else the SQLite file."""
        return self.values.get("database_url") or self.db_path

    @property
    def postgres(self) -> bool:
        return bool(self.values.get("database_url"))

    @property
    def nightly_backups(self) -> bool:
        """Does this server take its own nightly backups? Not when `backup_hour` is -1, and not on
        PostgreSQL (pg_dump's job there)."""
        return self.backup_hour >= 0 and not self.postgres

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def dev_mode(self) -> bool:
        return self.values["env"] == "development"

    @property
    def https(self) -> bool:
        return self.values["url"].lower().startswith("https://")

    @property
    def base_url(self) -> str:
        return self.values["url"].rstrip("/")

    @property
    def trusted_networks(self) -> tuple:
        return proxy_networks(self.values["trusted_proxies"])

    @property
    def upload_max_bytes(self) -> int:
        return self.values["upload_max_mb"] * 1024 * 1024

    @property
    def import_max_bytes(self) -> int:
        return self.values["import_max_mb"] * 1024 * 1024

    def with_values(self, **overrides: Any) -> Config:
        values = dict(self.values)
        sources = dict(self.sources)
        for name, raw in overrides.items():
            values[name] = _coerce(SETTINGS_BY_NAME[name], raw, "override")
            sources[name] = "override"
        return Config(self.data_dir, values, sources)

    def validate(self) -> None:
        if self.values["env"] not in {"production", "development"}:
            raise ConfigError("env must be 'production' or 'development'")
        if not re.match(r"^https?://[^/\s]+", self.values["url"]):
            raise ConfigError(f"url {self.values['url']!r} must start with http:// or https://")
        try:
            ZoneInfo(self.values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"timezone {self.values['timezone']!r} is not a known zone") from None
        if self.values["language"] not in LANGUAGES:
            raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, not {self.values['language']!r}")
        for name in ("claim_rate_limit", "pairing_rate_limit", "recovery_rate_limit", "passkey_rate_limit"):
            parse_rate(self.values[name])
        proxy_networks(self.values["trusted_proxies"])
        if self.values["log_level"].lower() not in {"debug", "info", "warning", "error"}:
            raise ConfigError(f"log_level must be debug, info, warning or error, not {self.values['log_level']!r}")
        if not -1 <= self.values["backup_hour"] <= 23:
            raise ConfigError("backup_hour must be an hour from 0 to 23, or -1 for no nightly backup")
        url = self.values["database_url"]
        if url and not re.match(r"^postgres(ql)?://", url):
            raise ConfigError("database_url must start with postgresql:// (or be empty for SQLite in the data folder)")
        if self.values["backup_keep"] < 1:
            raise ConfigError("backup_keep must be 1 or more")


def load_config(data: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Config:
    """Defaults, then DATA/groupbox.toml, then GROUPBOX_* environment variables."""
    env = os.environ if env is None else env
    data_dir = resolve_data_dir(data)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    file_values: dict[str, Any] = {}
    path = data_dir / CONFIG_FILE
    if path.is_file():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    for setting in SETTINGS:
        value, source = setting.default, "default"
        if setting.name in file_values:
            value, source = _coerce(setting, file_values[setting.name], str(path)), "file"
        if setting.env in env:
            value, source = _coerce(setting, env[setting.env], setting.env), "env"
        values[setting.name] = value
        sources[setting.name] = source
    config = Config(data_dir, values, sources)
    config.validate()
    return config


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_toml(values: dict[str, Any]) -> str:
    """The config file `init` writes: every setting with its help and env var as a comment."""
    lines = ["# groupbox settings. Every key can be overridden by its GROUPBOX_* environment variable.", ""]
    for setting in SETTINGS:
        lines.append(f"# {setting.help} (env {setting.env})")
        value = values.get(setting.name, setting.default)
        prefix = "# " if value == setting.default and setting.name not in {"url", "name", "timezone"} else ""
        lines.append(f"{prefix}{setting.name} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)
