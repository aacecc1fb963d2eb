"""`groupbox group create` and `groupbox invite` as scripts and people use them."""

import json
import re

from PIL import Image

from tests.conftest import run_cli


def _terminal_qr_to_image(text: str, scale: int = 6) -> Image.Image:
    """Rebuild the module grid from the half-block rendering (black on white)."""
    rows = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines() if "\x1b[30;107m" in line]
    width = len(rows[0])
    image = Image.new("L", (width * scale, len(rows) * 2 * scale), 255)
    for y, row in enumerate(rows):
        for x, char in enumerate(row):
            top = char in "█▀"
            bottom = char in "█▄"
            for dy, dark in ((0, top), (1, bottom)):
                if dark:
                    for py in range((2 * y + dy) * scale, (2 * y + dy + 1) * scale):
                        for px in range(x * scale, (x + 1) * scale):
                            image.putpixel((px, py), 0)
    return image


def test_group_create_and_invite_print_json_for_scripts(data_dir):
    created = json.loads(run_cli("group", "create", "U12 Parents", "--purpose", "Football", "--json",
                                 "--data", str(data_dir)).stdout)
    assert created["name"] == "U12 Parents" and created["id"]
    invite = json.loads(run_cli("invite", "U12 Parents", "--uses", "24", "--expires", "14d", "--json",
                                "--data", str(data_dir)).stdout)
    assert invite["url"].startswith("http://127.0.0.1:8000/join/")
    assert invite["max_uses"] == 24 and invite["expires_at"]
    by_id = json.loads(run_cli("invite", created["id"], "--json", "--data", str(data_dir)).stdout)
    assert by_id["max_uses"] is None


def test_invite_prints_a_terminal_qr_that_decodes_to_the_link(data_dir):
    import zxingcpp

    run_cli("group", "create", "Class 4B", "--data", str(data_dir))
    result = run_cli("invite", "Class 4B", "--data", str(data_dir))
    url = re.search(r"http://\S+/join/\S+", result.stdout).group(0)
    decoded = zxingcpp.read_barcodes(_terminal_qr_to_image(result.stdout))
    assert decoded and decoded[0].text == url


def test_ambiguous_and_unknown_group_names_are_clear_errors(data_dir):
    run_cli("group", "create", "Twins", "--data", str(data_dir))
    run_cli("group", "create", "Twins", "--data", str(data_dir))
    ambiguous = run_cli("invite", "Twins", "--data", str(data_dir), check=False)
    assert ambiguous.returncode == 1 and "Several groups" in ambiguous.stderr
    unknown = run_cli("invite", "Nobody", "--data", str(data_dir), check=False)
    assert unknown.returncode == 1 and "No group" in unknown.stderr
    bad = run_cli("invite", "Twins", "--expires", "soon", "--data", str(data_dir), check=False)
    assert bad.returncode == 1 and "duration" in bad.stderr
    empty = run_cli("group", "create", "   ", "--data", str(data_dir), check=False)
    assert empty.returncode == 1 and "name" in empty.stderr
    for result in (ambiguous, unknown, bad, empty):
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
