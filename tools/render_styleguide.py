"""Render templates/styleguide.html without the app and screenshot it.

Writes tests/artifacts/styleguide.html (static URLs as file:// so it opens from disk) and
PNGs at 390x844 (full page) and 1280x800, light and dark, plus element shots of the two
design-picture reproductions. Optional: --axe runs axe-core at 390x844 in both schemes.

For screenshots the page is served from a fake origin (http://groupbox.test) through
Playwright request routing: Chromium refuses <use href> sprites across file:// URLs, and
routing needs no open port.

    .venv/bin/python tools/render_styleguide.py [--axe] [--no-shots]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
OUT = ROOT / "tests" / "artifacts"
ORIGIN = "http://groupbox.test"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def translate(text: str, **kwargs: object) -> str:
    """Stand-in for the app's `_`: no catalogue, just formatting."""
    return text.format(**kwargs) if kwargs else text


@dataclass
class Viewer:
    display_name: str = "Anna"
    unread_count: int = 3
    bell_slot: str = ""


@dataclass
class Flash:
    message: str
    kind: str = "success"


@dataclass
class Request:
    path: str = "/styleguide"


def render(static_base: str) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,  # as the app's environment
        lstrip_blocks=True,
    )
    # The app also exposes these as globals, so macros imported without context still work.
    env.globals.update(static_url=lambda p: f"{static_base}/{p}")
    from groupbox.web import filters

    filters.install(env)  # the app's filters and globals: the ui primitives and rows are Python
    env.globals.update(_=translate)
    ctx = {
        "request": Request(),
        "csrf_input": Markup('<input type="hidden" name="_csrf_token" value="styleguide">'),
        "dev_mode": True,
        "viewer": Viewer(),
        "flash": Flash("You're going — Sat 10:00"),
        "nav": "home",
        "page_title": "Styleguide",
        # already "localised" datetimes, as the app passes them
        "samples": {"thu": datetime(2026, 11, 26, 17, 30), "sat": datetime(2026, 11, 28, 10, 0)},
    }
    return env.get_template("styleguide.html").render(**ctx)


def shoot(html: str, run_axe: bool) -> int:
    from playwright.sync_api import sync_playwright

    serious = 0

    def handle(route):
        path = route.request.url[len(ORIGIN):].split("?", 1)[0]
        if path in ("/", "/styleguide"):
            return route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
        target = (ROOT / path.lstrip("/")).resolve()
        if path.startswith("/static/") and target.is_file() and STATIC in target.parents:
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return route.fulfill(status=200, body=target.read_bytes(), content_type=ctype)
        return route.fulfill(status=404, body="not found")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for scheme in ("light", "dark"):
                for name, (w, h), full in (("phone", (390, 844), True), ("desktop", (1280, 800), False)):
                    page = browser.new_page(viewport={"width": w, "height": h}, color_scheme=scheme)
                    page.route(f"{ORIGIN}/**", handle)
                    page.goto(f"{ORIGIN}/styleguide")
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=OUT / f"styleguide-{name}-{scheme}.png", full_page=full)
                    if full:  # what the first screen looks like, bottom bar included
                        page.screenshot(path=OUT / f"styleguide-{name}-{scheme}-top.png")
                    if name == "phone":
                        if run_axe:
                            serious += axe_check(page, scheme)
                        # the full page is tall; also save it in viewer-sized slices
                        height = page.evaluate("document.documentElement.scrollHeight")
                        for i, top in enumerate(range(0, height, 1600)):
                            clip = {"x": 0, "y": top, "width": w, "height": min(1600, height - top)}
                            page.screenshot(path=OUT / f"styleguide-{name}-{scheme}-{i}.png", full_page=True, clip=clip)
                        # the fixed bottom bar would cover part of the element shots
                        page.add_style_tag(content=".appnav { display: none !important; }")
                        for demo in ("demo-home", "demo-group"):
                            el = page.locator(f"#{demo}")
                            if el.count():
                                el.screenshot(path=OUT / f"{demo}-{scheme}.png")
                    page.close()
        finally:
            browser.close()
    return serious


def axe_check(page, scheme: str) -> int:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    report = OUT / f"axe-{scheme}.json"
    report.write_text(json.dumps(violations, indent=2))
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    print(f"axe ({scheme}): {len(violations)} violations, {len(bad)} serious/critical -> {report}")
    for v in violations:
        print(f"  [{v.get('impact')}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
        for node in v["nodes"][:4]:
            print("      ", node.get("target"), (node.get("failureSummary") or "").replace("\n", " ")[:200])
    return len(bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axe", action="store_true", help="run axe-core at 390x844, light and dark")
    parser.add_argument("--no-shots", action="store_true", help="only write the HTML file")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "styleguide.html").write_text(render(f"file://{STATIC}"))
    print(f"wrote {OUT / 'styleguide.html'}")
    if args.no_shots:
        return 0
    serious = shoot(render(f"{ORIGIN}/static"), args.axe)
    print(f"screenshots in {OUT}")
    return 1 if serious else 0


if __name__ == "__main__":
    sys.exit(main())
