"""The data folder: creating it (`init`), its secrets, and opening its database.

Layout (SPEC §18): groupbox.toml, groupbox.sqlite3, files/, keys/, outbox/, backups/.
"""

from __future__ import annotations

import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from groupbox.config import SETTINGS, Config, load_config, render_toml
from groupbox.db import migrate
from groupbox.db.engine import DB
from groupbox.util import create_private

SECRET_KEY = "secret.key"
DATA_KEY = "data.key"
SIGNING_KEY = "backup-signing.key"  # Ed25519; signs backups' manifests and never goes into one


class InstanceError(RuntimeError):
    """Something about the data folder stops us; the message says what to do."""


@dataclass(frozen=True)
class InitResult:
    created: bool
    data_dir: Path
    url: str
    owner_id: str
    signin_url: str | None


def is_initialised(config: Config) -> bool:
    """The data folder has its config and, on SQLite, its database file (a PostgreSQL database is
    the database admin's: whether it is reachable and migrated is `doctor`'s question)."""
    return config.config_path.is_file() and (config.postgres or config.db_path.is_file())


def _write_secret(path: Path, content: bytes) -> None:
    """Write a key whole under a temporary name, then link it into place: a process that reads
    it meanwhile never sees half a key, and of two made at once the first one stays."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    try:
        with create_private(partial) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(partial, path)
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)


def _signing_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def ensure_keys(keys_dir: Path) -> None:
    """Create whichever key is missing: at `init`, and for an instance made before a key
    existed (the backup signing key comes with the first backup of such an instance)."""
    from cryptography.fernet import Fernet

    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, make in ((SECRET_KEY, lambda: secrets.token_hex(32).encode()), (DATA_KEY, Fernet.generate_key),
                       (SIGNING_KEY, _signing_key)):
        if not (keys_dir / name).exists():
            _write_secret(keys_dir / name, make())


def read_secret(config: Config) -> str:
    try:
        return (config.keys_dir / SECRET_KEY).read_text().strip()
    except OSError as exc:
        raise InstanceError(f"cannot read {config.keys_dir / SECRET_KEY}: {exc.strerror}; run `groupbox init`") from None


def read_data_key(config: Config) -> bytes:
    try:
        return (config.keys_dir / DATA_KEY).read_bytes().strip()
    except OSError as exc:
        raise InstanceError(f"cannot read {config.keys_dir / DATA_KEY}: {exc.strerror}; run `groupbox init`") from None


def check_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InstanceError(f"data folder {data_dir} is not writable: {exc.strerror}") from None


@asynccontextmanager
async def opened(config: Config):
    """Connect to the instance's database for the duration of a block (CLI, tests)."""
    if not is_initialised(config):
        raise InstanceError(f"{config.data_dir} is not initialised; run `groupbox init --data {config.data_dir}`")
    async with DB.session(config.database):
        yield DB


async def pending_migrations(config: Config) -> list[str]:
    async with opened(config):
        return await migrate.pending(DB)


async def init_instance(data: str | os.PathLike | None, *, url: str | None = None, name: str | None = None,
                        admin: str = "Owner", email: str | None = None) -> InitResult:
    """Create the data folder, config, keys, database and the owner's profile. Idempotent:
    on an initialised folder it changes nothing and returns `created=False`, no link."""
    from groupbox.domain.identity import service as identity

    config = load_config(data)
    data_dir = config.data_dir
    if is_initialised(config):
        async with opened(config):
            owner = await identity.owner_profile()
        return InitResult(False, data_dir, config.base_url, owner["id"] if owner else "", None)
    check_writable(data_dir)
    # The file records defaults and the flags given; GROUPBOX_* variables stay overrides.
    values = {s.name: s.default for s in SETTINGS}
    if url:
        values["url"] = url.rstrip("/")
    if name:
        values["name"] = name
    config.with_values(url=values["url"], name=values["name"]).validate()
    for sub in ("files", "outbox", "backups"):  # stored files, mail with live links, copies of the keys
        (data_dir / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    ensure_keys(data_dir / "keys")
    config.config_path.write_text(render_toml(values), encoding="utf-8")
    config = load_config(data_dir)
    if not config.postgres:  # SQLite makes the file readable by all; ours is private from the start
        config.db_path.touch(mode=0o600, exist_ok=True)
    async with opened(config):
        await migrate.migrate(DB)
        owner = await identity.owner_profile()
        owner_id = owner["id"] if owner else await identity.create_owner(admin, email)
        token = await identity.issue_signin_link(profile_id=owner_id)
    return InitResult(True, data_dir, config.base_url, owner_id, f"{config.base_url}/signin/{token}")
