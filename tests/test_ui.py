"""The web app in a real browser (Debian's Chromium driven by Playwright), plus 8 concurrent
users through gradio_client. The server is started by the fixture with `assistant serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
DATA = ROOT / "tests" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ui") / "data"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    cli = [sys.executable, "-m", "assistant.cli"]
    subprocess.run([*cli, "ingest", str(SAMPLES), str(DATA / "injected-library-reopens.txt")], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    port = free_port()
    log = (tmp_path_factory.mktemp("log") / "serve.log").open("wb")
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("assistant serve did not start") from None
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def browser_page(app_url):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        yield page
        foreign = [u for u in page.requests
                   if urlparse(u).netloc != urlparse(app_url).netloc and not u.startswith(("data:", "blob:"))]
        assert not foreign, f"the page requested other hosts: {foreign[:5]}"
        browser.close()


def choose(page, dropdown: str, text: str) -> None:
    """Pick an option of a Gradio multiselect dropdown by typing part of its label."""
    box = page.locator(f"{dropdown} input")
    box.click()
    box.fill(text)
    page.locator(f"{dropdown} [role=option]", has_text=text).first.click()
    page.keyboard.press("Escape")
    page.wait_for_function(f"document.querySelector('{dropdown}').innerText.includes({text!r})")


def ask(page, question: str, turn: int) -> None:
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('#sources').innerText.includes('Q{turn}:')", timeout=120_000)


def test_ask_follow_up_and_sources(browser_page):
    page = browser_page
    # Record every state the reply goes through, to see it stream.
    page.evaluate("""() => { window.__states = [];
        new MutationObserver(() => { const b = document.querySelectorAll('#chat .message');
            if (b.length) window.__states.push(b[b.length - 1].innerText); })
        .observe(document.querySelector('#chat'), {childList: true, subtree: true, characterData: true}); }""")
    ask(page, "What did Wang Yi ask of the Taliban?", 1)
    chat = page.inner_text("#chat")
    assert "East Turkestan Islamic Movement" in chat
    states = set(page.evaluate("window.__states"))
    assert len(states) >= 3, "the reply updates while it is written"
    marks = page.locator("#sources mark").all_inner_texts()
    assert any("East Turkestan Islamic Movement" in m for m in marks)
    # The highlighted passage sits inside its surrounding paragraph.
    assert "breeding ground for separatists" in page.inner_text("#sources")
    # Clicking a citation marker brings its source into view.
    marker = page.locator("#chat a.cite").last
    target = marker.get_attribute("href")[1:]
    marker.click()
    page.wait_for_function(f"document.getElementById('{target}').classList.contains('focus')")
    assert page.locator(f"#{target}").is_visible()

    ask(page, "And what did the Taliban promise in return?", 2)
    replies = page.locator("#chat .message").all_inner_texts()
    assert "don't cover" not in replies[-1]
    snapshot(page, "ask")

    ask(page, "What did Wang Yi tell the Pope?", 3)
    assert "don't cover" in page.locator("#chat .message").all_inner_texts()[-1]
    assert "Closest passages" in page.inner_text("#sources")


def snapshot(page, name: str) -> None:
    """Screenshot once Gradio has finished updating (pending outputs are drawn faded)."""
    page.wait_for_function("!document.querySelector('.pending, .generating')", timeout=60_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_library_upload_delete_and_html_is_text(browser_page):
    page = browser_page
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#upload input[type=file]", [str(DATA / "upload-harbour.md"), str(DATA / "html-in-text.txt"),
                                                      str(DATA / "injected-library-reopens.txt")])
    page.click("#ingest")
    page.wait_for_function("document.querySelector('#upload-results').innerText.includes('upload-harbour.md')",
                           timeout=120_000)
    results = page.inner_text("#upload-results")
    assert "added" in results and "duplicate" in results
    page.wait_for_function("document.querySelector('#library').innerText.includes('Harbour reopens')")
    snapshot(page, "library")

    # Markup inside an article is shown as text, never executed.
    page.get_by_role("tab", name="Ask").click()
    ask(page, "Which line does one Riverbank museum panel show in large red letters?", 1)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned === undefined")
    shown = page.inner_text("#sources") + page.inner_text("#chat")
    assert "<script>" in shown, shown

    page.get_by_role("tab", name="Library").click()
    choose(page, "#delete-docs", "Harbour reopens")
    page.click("#delete")
    page.wait_for_function("!document.querySelector('#library').innerText.includes('Harbour reopens')",
                           timeout=60_000)


def test_brief_and_download(browser_page, tmp_path):
    page = browser_page
    page.get_by_role("tab", name="Brief").click()
    choose(page, "#brief-docs", "Chinese Officials")
    page.click("#brief-go")
    page.wait_for_function("document.querySelector('#brief-out').innerText.includes('Key points')", timeout=120_000)
    text = page.inner_text("#brief-out")
    for fact in ("Tianjin", "Baradar", "East Turkestan Islamic Movement", "pariah"):
        assert fact in text
    snapshot(page, "brief")
    with page.expect_download() as info:
        page.click("#brief-download")
    path = tmp_path / "brief.md"
    info.value.save_as(path)
    assert path.read_text(encoding="utf-8").startswith("# Chinese Officials")


QUESTIONS = {
    "What did Wang Yi ask of the Taliban?": "East Turkestan",
    "Who led the Taliban delegation?": "Baradar",
    "What did Blinken warn about?": "pariah",
    "What did Ashraf Ghani urge the international community to do?": "political solution",
    "How much did the council spend on the Riverside library?": "2.4 million",
    "Who is the head librarian of the Riverside library?": "Okafor",
    "What does Beijing fear about Afghanistan?": "separatists",
    "When will the Riverside library host a reading festival?": "September",
}


def test_eight_concurrent_users(app_url):
    from gradio_client import Client

    def one(question: str) -> tuple[str, str]:
        client = Client(app_url, verbose=False)
        _, chat, _ = client.predict(question, [], "", "", "", None, api_name="/ask")
        content = chat[-1]["content"]
        if isinstance(content, list):  # Gradio 6 messages carry a list of parts
            content = " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
        return question, str(content)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, QUESTIONS))
    for question, reply in results:
        expected = QUESTIONS[question]
        assert expected.lower() in reply.lower(), (question, reply)
        # A reply meant for another user would come from the other article.
        forbidden = "taliban" if "library" in question.lower() else "library"
        assert forbidden not in reply.lower(), (question, reply)
