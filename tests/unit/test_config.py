"""The declarative settings table: file, env overrides, validation."""

import pytest

from groupbox.config import SETTINGS, ConfigError, load_config, parse_rate, render_toml


def test_every_setting_has_an_env_var_and_help():
    for setting in SETTINGS:
        assert setting.env == "GROUPBOX_" + setting.name.upper()
        assert setting.help


def test_env_overrides_file_which_overrides_default(tmp_path):
    (tmp_path / "groupbox.toml").write_text('name = "From file"\nport = 9000\n')
    config = load_config(tmp_path, env={"GROUPBOX_PORT": "9100"})
    assert config.name == "From file"
    assert config.port == 9100
    assert config.sources["port"] == "env"
    assert config.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"GROUPBOX_PORT": "eighty"}, "port"),
        ({"GROUPBOX_TIMEZONE": "Mars/Olympus"}, "timezone"),
        ({"GROUPBOX_URL": "ftp://x"}, "url"),
        ({"GROUPBOX_CLAIM_RATE_LIMIT": "lots"}, "rate limit"),
        ({"GROUPBOX_LOG_LEVEL": "loud"}, "log_level"),
        ({"GROUPBOX_TRUSTED_PROXIES": "caddy"}, "trusted_proxies"),
    ],
)
def test_bad_settings_say_which_and_why(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path, env=env)


def test_rendered_toml_round_trips(tmp_path):
    (tmp_path / "groupbox.toml").write_text(render_toml({"url": "https://g.example.org", "name": "G"}))
    config = load_config(tmp_path, env={})
    assert config.url == "https://g.example.org"
    assert config.https


def test_rate_parsing():
    assert parse_rate("20/minute") == (20, 60)
    assert parse_rate("5 / hour") == (5, 3600)


def test_the_served_app_logs_at_the_configured_level(tmp_path, monkeypatch):
    import logging

    from groupbox.instance import init_instance
    from groupbox.web.app import app_from_env
    from tests.conftest import run_async

    run_async(init_instance, tmp_path / "data", admin="Olivia Owner", name="Test Server")
    (tmp_path / "data" / "groupbox.toml").write_text('log_level = "warning"\n', encoding="utf-8")
    monkeypatch.setenv("GROUPBOX_DATA", str(tmp_path / "data"))
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, root.handlers[:]
    root.handlers = []
    try:
        app_from_env()
        assert root.level == logging.WARNING
    finally:
        root.handlers, root.level = saved_handlers, saved_level


def test_a_served_worker_puts_its_startup_heap_out_of_the_collectors_reach(tmp_path, monkeypatch):
    """After start (`app_from_env` only: the test apps never freeze), a full collection walks
    only what requests leave behind: it ran every few seconds under load and took up to 38 ms
    over the startup heap (issue 17's p95)."""
    import gc
    import logging

    from groupbox.config import load_config
    from groupbox.instance import init_instance
    from groupbox.web.app import _freeze_startup_heap, app_from_env, create_app
    from tests.conftest import run_async

    run_async(init_instance, tmp_path / "data", admin="Olivia Owner", name="Test Server")
    monkeypatch.setenv("GROUPBOX_DATA", str(tmp_path / "data"))
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, root.handlers[:]
    try:
        served = app_from_env()
    finally:
        root.handlers, root.level = saved_handlers, saved_level
    assert _freeze_startup_heap in served.on_startup
    assert _freeze_startup_heap not in create_app(load_config(tmp_path / "data")).on_startup
    assert gc.get_freeze_count() == 0
    try:
        _freeze_startup_heap(served)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
