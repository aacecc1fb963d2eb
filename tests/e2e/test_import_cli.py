"""`groupbox import-whatsapp GROUP FILE` as an admin and a script use it (SPEC §5, §13, §15.1)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from groupbox.config import load_config
from groupbox.db.engine import Database
from tests.conftest import ROOT, run_async, run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"


def _first_row(data_dir: Path, sql: str) -> dict:
    """What the CLI left in the database, read as the server reads it (SQLite or PostgreSQL)."""
    async def read() -> dict:
        db = Database()
        await db.connect(load_config(data_dir).database)
        try:
            return await db.fetchone(sql)
        finally:
            await db.close()

    return run_async(read)


def _group(data_dir: Path, name: str = "FC Kreuzberg U12") -> str:
    return json.loads(run_cli("group", "create", name, "--json", "--data", str(data_dir)).stdout)["id"]


def test_import_prints_spec_counts_as_json_and_a_repeat_changes_nothing(data_dir, tmp_path):
    group_id = _group(data_dir)
    export = tmp_path / "WhatsApp Chat - Lions U10.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.write(FIXTURES / "ios_en.txt", "_chat.txt")
        zf.writestr("00000012-PHOTO-2024-01-05-21-07-30.jpg", b"\xff\xd8\xff\xe0 photo \xff\xd9")
    result = run_cli("import-whatsapp", "FC Kreuzberg U12", str(export), "--json", "--data", str(data_dir))
    payload = json.loads(result.stdout)  # stdout carries exactly one JSON object
    assert {k: payload[k] for k in ("messages", "system_messages", "media", "participants")} == {
        "messages": 6, "system_messages": 4, "media": 3, "participants": 2}
    assert payload["media_files"] == 1 and payload["group_id"] == group_id and not payload["already_imported"]
    assert result.stdout.count("\n") == 1

    again = run_cli("import-whatsapp", group_id, str(export), "--json", "--data", str(data_dir))
    assert json.loads(again.stdout)["already_imported"] is True
    human = run_cli("import-whatsapp", group_id, str(export), "--data", str(data_dir))
    assert "Already imported" in human.stdout and "nothing changed" in human.stdout
    assert _first_row(data_dir, "SELECT COUNT(*) AS n FROM archive_message") == {"n": 10}


def test_refusals_are_one_line_on_stderr_and_exit_non_zero(data_dir, tmp_path):
    _group(data_dir)
    cases = {
        str(FIXTURES / "not_an_export.txt"): "error: This file is not a WhatsApp chat export.",
        str(FIXTURES / "empty.txt"): "error: The file is empty.",
        str(FIXTURES / "unknown_format.txt"):
            'error: line 1: "30/06/2022 14h05 - Anna: Bonjour" — groupbox cannot read this date and time format',
        str(tmp_path / "missing.zip"): "is not a file",
    }
    for path, message in cases.items():
        result = run_cli("import-whatsapp", "FC Kreuzberg U12", path, "--json", "--data", str(data_dir), check=False)
        assert result.returncode == 1, path
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
    bad_order = run_cli("import-whatsapp", "FC Kreuzberg U12", str(FIXTURES / "android_de.txt"), "--date-order",
                        "ydm", "--data", str(data_dir), check=False)
    assert bad_order.returncode == 1 and "dmy" in bad_order.stderr
    unknown = run_cli("import-whatsapp", "Chess Club", str(FIXTURES / "android_de.txt"), "--data", str(data_dir),
                      check=False)
    assert unknown.returncode == 1 and "No group" in unknown.stderr


def test_date_order_override_and_human_summary(data_dir):
    _group(data_dir)
    result = run_cli("import-whatsapp", "FC Kreuzberg U12", str(FIXTURES / "android_us_ambiguous.txt"),
                     "--date-order", "dmy", "--data", str(data_dir))
    assert "Imported into FC Kreuzberg U12's archive: 2 messages" in result.stdout
    assert "/archive" in result.stdout
    assert _first_row(data_dir, "SELECT date_order FROM archive_import") == {"date_order": "dmy"}


def test_year_first_order_for_two_digit_years(data_dir, tmp_path):
    _group(data_dir)
    export = tmp_path / "chat.txt"
    export.write_text("24/01/02, 09:05 - Minji: happy new year\n24/01/03, 10:00 - Jisoo: <Media omitted>\n",
                      encoding="utf-8")
    result = run_cli("import-whatsapp", "FC Kreuzberg U12", str(export), "--date-order", "ymd", "--json",
                     "--data", str(data_dir))
    assert {k: json.loads(result.stdout)[k] for k in ("messages", "media")} == {"messages": 2, "media": 1}
    assert _first_row(data_dir, "SELECT date_order, first_at FROM archive_import") == {
        "date_order": "ymd", "first_at": datetime(2024, 1, 2, 8, 5, tzinfo=UTC)}


def test_progress_bar_goes_to_stderr_on_a_terminal(data_dir, tmp_path):
    """On a terminal the bar is drawn on stderr; stdout still carries only the JSON."""
    _group(data_dir)
    export = tmp_path / "chat.txt"
    lines = [f"13/01/24, {10 + n // 3600 % 12:02d}:{n // 60 % 60:02d} - Anna: message {n}\n" for n in range(20_000)]
    export.write_text("".join(lines), encoding="utf-8")
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPBOX_")}
    env.update({"COLUMNS": "100", "TERM": "xterm"})
    process = subprocess.run(
        [sys.executable, "-m", "groupbox.cli.main", "import-whatsapp", "FC Kreuzberg U12", str(export), "--json",
         "--data", str(data_dir)],
        stdout=subprocess.PIPE, stderr=terminal, env=env, cwd=ROOT, timeout=120,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert process.returncode == 0
    assert json.loads(process.stdout)["messages"] == 20_000
    assert b"Importing" in drawn and b"lines" in drawn
