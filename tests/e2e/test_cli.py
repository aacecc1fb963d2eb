"""The CLI as a script sees it: one JSON object, one-line errors, non-zero exits."""

import json
import socket

import pytest

from tests.conftest import run_cli, start_server, stop_server


def test_init_json_prints_the_contract_keys_and_a_second_init_changes_nothing(tmp_path):
    data = tmp_path / "fresh"
    first = run_cli("init", "--json", "--data", str(data), "--admin", "Mark")
    payload = json.loads(first.stdout)
    assert {"data_dir", "url", "owner_id", "signin_url"} <= payload.keys()
    assert payload["signin_url"].startswith("http://127.0.0.1:8000/signin/")
    assert (data / "keys" / "secret.key").stat().st_mode & 0o777 == 0o600
    before = {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()}
    second = run_cli("init", "--json", "--data", str(data))
    assert second.returncode == 0
    assert json.loads(second.stdout)["created"] is False
    after = {p: p.stat().st_mtime_ns for p in data.rglob("*") if p.is_file()}
    assert before == after
    human = run_cli("init", "--data", str(data))
    assert "nothing changed" in human.stdout


def test_data_option_goes_anywhere_after_the_command(tmp_path):
    data = tmp_path / "d"
    run_cli("init", "--data", str(data), "--json")
    result = run_cli("signin-link", "--json", "--data", str(data))
    assert json.loads(result.stdout)["signin_url"].startswith("http://")


def test_serve_on_an_uninitialised_folder_fails_with_one_line(tmp_path):
    result = run_cli("serve", "--data", str(tmp_path / "empty"), check=False)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "not initialised" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_fails_with_one_line(data_dir):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = run_cli("serve", "--data", str(data_dir), "--port", str(port), check=False)
    assert result.returncode != 0
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_folder_is_a_clear_error(tmp_path):
    import os

    if os.geteuid() == 0:
        target = "/proc/groupbox-cannot-write-here"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "data")
    result = run_cli("init", "--data", target, check=False)
    assert result.returncode != 0
    assert "not writable" in result.stderr or "error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_is_one_line(tmp_path):
    result = run_cli("doctor", "--data", str(tmp_path), env={"GROUPBOX_PORT": "x"}, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_doctor_warns_but_passes_on_a_fresh_instance(data_dir):
    result = run_cli("doctor", "--json", "--data", str(data_dir))
    report = json.loads(result.stdout)
    assert report["ok"] is True
    levels = {c["name"]: c["level"] for c in report["checks"]}
    assert levels["database"] == "ok" and levels["migrations"] == "ok"
    assert levels["mail"] == "warning" and levels["tls"] == "warning" and levels["backup"] == "warning"
    run_cli("backup", "--data", str(data_dir))
    levels = {c["name"]: c["level"] for c in json.loads(run_cli("doctor", "--json", "--data", str(data_dir)).stdout)["checks"]}
    assert levels["backup"] == "ok"


def test_doctor_fails_on_world_readable_keys(data_dir):
    (data_dir / "keys" / "secret.key").chmod(0o644)
    result = run_cli("doctor", "--data", str(data_dir), check=False)
    assert result.returncode == 1
    assert "chmod 600" in result.stdout


@pytest.mark.e2e
def test_serve_starts_answers_and_stops_on_sigterm(data_dir):
    import httpx

    server = start_server(data_dir)
    try:
        assert httpx.get(f"{server.url}/api/health").json()["status"] == "ok"
    finally:
        stop_server(server)
    assert server.process.returncode == 0


def test_usage_errors_are_one_line_with_exit_2(tmp_path):
    for args in (("nope",), ("invite",), ("serve", "--port", "many")):
        result = run_cli(*args, "--data", str(tmp_path), check=False)
        assert result.returncode == 2, args
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
