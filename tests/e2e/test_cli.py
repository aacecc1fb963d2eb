"""The CLI as a script sees it: one JSON object, one-line errors, non-zero exits."""

import json
import os
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


def test_data_option_also_goes_before_the_command(tmp_path):
    data = tmp_path / "d"
    run_cli("--data", str(data), "init", "--json")
    assert run_cli("--data", str(data), "doctor").returncode == 0
    assert json.loads(run_cli(f"--data={data}", "signin-link", "--json").stdout)["signin_url"]
    created = json.loads(run_cli("--data", str(data), "group", "create", "U12", "--json").stdout)
    assert created["name"] == "U12"  # a sub-command of a command group reads it too


def test_data_after_the_command_wins_over_one_before_it_and_both_over_the_env(tmp_path):
    data, elsewhere = tmp_path / "d", tmp_path / "elsewhere"
    run_cli("init", "--data", str(data))
    assert run_cli("--data", str(elsewhere), "signin-link", "--data", str(data)).returncode == 0
    assert run_cli("--data", str(data), "signin-link", env={"GROUPBOX_DATA": str(elsewhere)}).returncode == 0
    wrong = run_cli("--data", str(elsewhere), "signin-link", env={"GROUPBOX_DATA": str(data)}, check=False)
    assert wrong.returncode == 1 and "elsewhere is not initialised" in wrong.stderr


def test_every_command_reads_data_given_before_it():
    import typer

    from groupbox.cli import commands as cli
    from groupbox.cli import common

    cli._register()

    def commands(group, path=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from commands(command, (*path, name))
            else:
                yield " ".join((*path, name)), command

    found = dict(commands(typer.main.get_command(cli.app)))
    assert {"doctor", "group create", "invite", "groups", "members", "token create"} <= found.keys()
    for name, command in found.items():
        data = [p for p in command.params if p.name == "data"]
        assert data and data[0].callback.__qualname__ == common._data_before_command.__qualname__, name


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


# Runs `groupbox serve ARGS` up to the moment it would become granian, and prints what it would
# run and which top-level packages it had loaded by then.
_UNTIL_EXEC = """
import json, os, sys
def stop(executable, argv):
    print(json.dumps({"argv": argv[3:], "modules": sorted({m.split(".")[0] for m in sys.modules})}))
    sys.exit(0)
os.execv = stop
if sys.argv[1] == "typer":
    from groupbox.cli.commands import run
else:
    from groupbox.cli.main import main as run
run(sys.argv[2:])
"""


def _serve_until_exec(data_dir, via: str, *args: str) -> dict:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _UNTIL_EXEC, via, "serve", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "GROUPBOX_DATA": str(data_dir)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_serve_starts_without_the_cli_packages_and_reads_its_options_as_typer_does(data_dir):
    """Plain `groupbox serve` becomes granian without importing typer, rich or click (issue 17:
    ~70 ms of every start); what it then runs is what the typer command runs."""
    from tests.conftest import free_port

    port = str(free_port())
    for args in (("--port", port), ("--port", port, "--workers", "2"), (f"--port={port}", "--host", "127.0.0.1"),
                 ("--data", str(data_dir), "--workers=3", "--port", port)):
        quick = _serve_until_exec(data_dir, "main", *args)
        assert quick["argv"] == _serve_until_exec(data_dir, "typer", *args)["argv"], args
        assert not {"typer", "rich", "click"} & set(quick["modules"]), quick["modules"]
    assert quick["argv"][1:4] == ["127.0.0.1", port, "3"]
    # What it does not read as plain options goes to typer, which answers as before.
    unknown = run_cli("serve", "--data", str(data_dir), "--port", port, "--unknown", check=False)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: No such option: --unknown"), unknown.stderr
    for zero in (("--workers", "0"), ("--port", "0")):  # refused, not taken for "the default"
        refused = run_cli("serve", "--data", str(data_dir), *zero, check=False)
        assert refused.returncode == 1, zero
        assert refused.stderr == "error: --workers must be ≥ 1 and --port between 1 and 65535\n", zero


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


def test_doctor_outside_a_data_folder_says_there_is_no_instance_and_fails(tmp_path):
    empty = tmp_path / "not-an-instance"
    result = run_cli("doctor", "--data", str(empty), check=False)
    assert result.returncode == 1
    assert f"no groupbox instance in {empty}" in result.stdout and "groupbox init" in result.stdout
    assert "ok      config" not in result.stdout
    report = json.loads(run_cli("doctor", "--json", "--data", str(empty), check=False).stdout)
    assert report["ok"] is False and report["checks"][0]["level"] == "error"


def test_doctor_warns_but_passes_on_a_fresh_instance(data_dir, postgres):
    result = run_cli("doctor", "--json", "--data", str(data_dir))
    report = json.loads(result.stdout)
    assert report["ok"] is True
    levels = {c["name"]: c["level"] for c in report["checks"]}
    assert levels["database"] == "ok" and levels["migrations"] == "ok"
    assert levels["mail"] == "warning" and levels["tls"] == "warning" and levels["backup"] == "warning"
    if postgres is not None:  # the database is pg_dump's to back up: doctor keeps saying so
        assert "pg_dump" in next(c["message"] for c in report["checks"] if c["name"] == "backup")
        return
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


def test_backup_and_restore_on_postgresql_point_to_pg_dump_in_one_line(tmp_path):
    """Backups hold the SQLite file; with a PostgreSQL database they refuse before touching anything."""
    data = tmp_path / "data"
    run_cli("init", "--data", str(data))
    env = {"GROUPBOX_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}  # never reached
    for command in (["backup"], ["restore", str(tmp_path / "any.tar.gz")]):
        result = run_cli(*command, "--data", str(tmp_path / "target" if command[0] == "restore" else data),
                         env=env, check=False)
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().count("\n") == 0 and "PostgreSQL use pg_" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (data / "backups").exists() or not any((data / "backups").iterdir())


def test_init_doctor_and_serve_on_postgresql_need_no_sqlite_file(postgres, tmp_path):
    if postgres is None:
        pytest.skip("runs on PostgreSQL (GROUPBOX_TEST_DB=postgres)")
    data = tmp_path / "data"
    env = {"GROUPBOX_DATABASE_URL": postgres.url(postgres.create_database())}
    created = json.loads(run_cli("init", "--json", "--data", str(data), env=env).stdout)
    assert created["created"] is True and not (data / "groupbox.sqlite3").exists()
    assert json.loads(run_cli("init", "--json", "--data", str(data), env=env).stdout)["created"] is False
    report = json.loads(run_cli("doctor", "--json", "--data", str(data), env=env).stdout)
    levels = {c["name"]: c["level"] for c in report["checks"]}
    assert report["ok"] and levels["database"] == "ok" and levels["migrations"] == "ok"
    server = start_server(data, env=env)  # reads the migration ledger through the engine
    try:
        assert not (data / "groupbox.sqlite3").exists()
    finally:
        stop_server(server)
    # Without the URL the folder is a SQLite instance that was never made.
    assert run_cli("doctor", "--data", str(data), check=False).returncode == 1
