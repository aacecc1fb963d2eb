"""QR codes: terminal rendering that reads on dark and light terminals, PNG and SVG."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

QUIET = 2


def make(data: str) -> segno.QRCode:
    # segno loads on the first QR code, not at start: most workers never draw one (issue 17).
    import segno

    return segno.make(data, error="m", boost_error=False)


def terminal(data: str, color: bool = True) -> str:
    """Half-block rendering, two modules per character row. With `color`, the code is drawn
    black on an explicit white background so the terminal's theme cannot invert it."""
    code = make(data)
    matrix = [list(row) for row in code.matrix]
    size = len(matrix)
    pad = QUIET
    full = size + 2 * pad

    def dark(y: int, x: int) -> bool:
        y -= pad
        x -= pad
        return 0 <= y < size and 0 <= x < size and bool(matrix[y][x])

    lines = []
    for y in range(0, full, 2):
        chars = []
        for x in range(full):
            top, bottom = dark(y, x), (dark(y + 1, x) if y + 1 < full else False)
            if color:
                chars.append({(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}[(top, bottom)])
            else:
                # Without colour we cannot know the background: draw *light* modules as blocks,
                # which reads correctly on the usual dark terminal.
                chars.append({(False, False): "█", (False, True): "▀", (True, False): "▄", (True, True): " "}[(top, bottom)])
        line = "".join(chars)
        lines.append(f"\x1b[30;107m{line}\x1b[0m" if color else line)
    return "\n".join(lines)


def png(data: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    make(data).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def svg(data: str, scale: int = 8) -> str:
    buffer = io.BytesIO()
    make(data).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
