"""Refresh the README screenshots (docs/ask.png, docs/brief.png, docs/library.png) from the real app.

    python docs/make_screenshots.py            # needs Debian's Chromium (/usr/bin/chromium) and Playwright

Starts `assistant serve` over the bundled sample articles in a throw-away data folder, drives
it in headless Chromium at 1400x1000 the way a user would (a question and its follow-up, the
library, a brief of one article) and saves each tab. Nothing is downloaded; the answers are the bundled model's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_ui import start_server  # noqa: E402  (the browser tests' server: the same start, one copy)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUESTION = "What did Wang Yi ask of the Taliban?"
FOLLOW_UP = "And what did the Taliban promise in return?"
BRIEF_OF = "Chinese Officials"


def settle(page) -> None:
    page.wait_for_function("!document.querySelector('.pending, .generating')", timeout=180_000)
    page.wait_for_timeout(500)


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(180_000)
        page.goto(url)
        page.wait_for_selector("#chat button.example")
        for n, question in enumerate((QUESTION, FOLLOW_UP), start=1):  # a question, then its follow-up
            page.fill("#question textarea", question)
            page.keyboard.press("Enter")
            page.wait_for_function("""(n) => { const t = document.querySelectorAll('#sources .turn');
                return t.length >= n && !t[t.length - 1].innerText.includes('checking the answer')
                  && !document.querySelector('#question textarea').disabled; }""", arg=n)
            settle(page)
        page.screenshot(path=str(out / "ask.png"))

        page.get_by_role("tab", name="Library").click()
        settle(page)
        page.screenshot(path=str(out / "library.png"))

        page.get_by_role("tab", name="Brief").click()
        box = page.locator("#brief-docs input")
        box.click()
        box.fill(BRIEF_OF)
        page.locator("#brief-docs [role=option]", has_text=BRIEF_OF).first.click()
        page.keyboard.press("Escape")
        page.click("#brief-go")
        page.wait_for_function("document.querySelector('#brief-out').innerText.includes('Key points')")
        settle(page)
        page.screenshot(path=str(out / "brief.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        proc, url = start_server(Path(tmp) / "data", Path(tmp) / "serve.log")
        try:
            shoot(url, args.out)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for name in ("ask", "library", "brief"):
        print(args.out / f"{name}.png")


if __name__ == "__main__":
    main()
