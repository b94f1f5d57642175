"""The web app in a real browser (Debian's Chromium driven by Playwright), plus 8 concurrent
users through gradio_client. The server is started by the fixture with `assistant serve`.

Each defect of issue 18 has a test here, named after it (`test_d1_...` to `test_d10_...`); then
keyboard-only use and an axe-core audit (tests/vendor/axe.min.js, injected into the page).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ROOT, SAMPLES

# The first test also waits for the server, which a loaded machine can take many minutes to start.
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(1800)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
DATA = ROOT / "tests" / "data"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
WANG_YI = "What did Wang Yi ask of the Taliban?"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run",
               "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    log: Path
    data_dir: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(data_dir: Path, log_path: Path, extra: list[Path] = ()) -> tuple[subprocess.Popen, str]:
    """`assistant serve` on a free port over the sample articles (+ extra files)."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    cli = [sys.executable, "-m", "assistant.cli"]
    subprocess.run([*cli, "ingest", str(SAMPLES), *map(str, extra)], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log_path.open("wb"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 900  # a loaded CI machine can take minutes to import the models
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                return proc, url
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"assistant serve did not start:\n{log_path.read_text()[-3000:]}") from None
                time.sleep(0.5)
    except BaseException:  # also a pytest timeout: never leave the server running
        proc.kill()
        raise


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if os.environ.get("UI_TEST_URL"):  # a server already started by start_server (to iterate on the tests)
        yield Server(os.environ["UI_TEST_URL"], Path(os.environ["UI_TEST_LOG"]), Path(os.environ["UI_TEST_DATA_DIR"]))
        return
    base = tmp_path_factory.mktemp("ui")
    proc, url = start_server(base / "data", base / "serve.log", [DATA / "injected-library-reopens.txt"])
    yield Server(url, base / "serve.log", base / "data")
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def app_url(server):
    return server.url


@pytest.fixture
def browser_page(app_url):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.requests = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(app_url)
        page.wait_for_selector("#question textarea")
        wait_idle(page)
        yield page
        foreign = [u for u in page.requests
                   if urlparse(u).netloc != urlparse(app_url).netloc and not u.startswith(("data:", "blob:"))]
        assert not foreign, f"the page requested other hosts: {foreign[:5]}"
        browser.close()


# ---- helpers ---------------------------------------------------------------------------------------
def wait_idle(page, timeout: int = 120_000) -> None:
    """Until Gradio has finished updating (pending outputs are drawn faded)."""
    page.wait_for_function("!document.querySelector('.pending, .generating')", timeout=timeout)
    page.wait_for_timeout(200)


def choose(page, dropdown: str, text: str) -> None:
    """Pick an option of a Gradio multiselect dropdown by typing part of its label."""
    box = page.locator(f"{dropdown} input")
    box.click()
    box.fill(text)
    page.locator(f"{dropdown} [role=option]", has_text=text).first.click()
    page.keyboard.press("Escape")
    page.wait_for_function(f"document.querySelector('{dropdown}').innerText.includes({text!r})")


def n_turns(page) -> int:
    return page.locator("#sources .turn").count()


def answered(page, turn: int, timeout: int = 180_000) -> None:
    """Until turn ``turn`` is finished: its final sources are shown and the box is unlocked."""
    page.wait_for_function(
        f"""() => {{ const t = [...document.querySelectorAll('#sources .turn')]
                    .find(e => e.innerText.startsWith('Q{turn}:'));
                    return t && !t.innerText.includes('checking the answer')
                      && !document.querySelector('#question textarea').disabled; }}""", timeout=timeout)


def next_turn(page) -> int:
    """The number the next question gets (the app numbers turns by the user's messages)."""
    return page.locator("#chat [data-testid=user]").count() + 1


def ask(page, question: str) -> int:
    turn = next_turn(page)
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    answered(page, turn)
    return turn


def last_reply(page) -> str:
    return page.locator("#chat .message").last.inner_text()


def record_reply_states(page) -> None:
    """Every text the last reply shows, as it changes (to see what is streamed)."""
    page.evaluate("""() => { window.__states = [];
        new MutationObserver(() => { const b = document.querySelectorAll('#chat [data-testid=bot] .message-content');
            if (b.length) window.__states.push(b[b.length - 1].innerText); })
        .observe(document.querySelector('#chat'), {childList: true, subtree: true, characterData: true}); }""")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def snapshot(page, name: str) -> None:
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def table_rows(page, selector: str) -> list[list[str]]:
    """The cells of a Gradio table, row by row (its cells are labelled cell-<row>-<column>)."""
    return page.evaluate("""(sel) => { const rows = {};
        document.querySelectorAll(sel + ' [data-testid^="cell-"]').forEach(c => {
            const m = c.dataset.testid.match(/^cell-(\\d+)-(\\d+)$/);
            if (m) (rows[m[1]] = rows[m[1]] || [])[+m[2]] = c.innerText.trim(); });
        return Object.keys(rows).sort((a, b) => a - b).map(k => rows[k]); }""", selector)


def row_index(page, title: str) -> int:
    return next(i for i, r in enumerate(table_rows(page, "#library")) if title in r[1])


def tick_row(page, title: str) -> None:
    """Tick the select box of the Library row whose title contains ``title``."""
    box = page.locator(f'#library [data-testid="cell-{row_index(page, title)}-0"] input[type=checkbox]')
    box.click()
    page.wait_for_function("(b) => b.checked", arg=box.element_handle())
    page.wait_for_timeout(500)


# ---- 1 and 9: input locked while answering, Stop, examples on an empty chat -------------------------
def test_d1_d9_input_locked_while_answering_and_stop_cancels(browser_page):
    page = browser_page
    # 9: an empty chat welcomes the user and offers questions about the library's own articles.
    chat = page.inner_text("#chat")
    assert "Ask about the news in your library" in chat
    page.wait_for_selector("#chat button.example")
    # 1: while an answer is made the box is locked (typing cannot be lost) and Stop is offered.
    page.fill("#question textarea", WANG_YI)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#question textarea').disabled", timeout=30_000)
    assert page.locator("#stop").is_visible()
    assert WANG_YI in page.locator("#chat .message").first.inner_text()
    page.click("#stop")
    page.wait_for_function("!document.querySelector('#question textarea').disabled", timeout=30_000)
    # The answer's own stream ends on "Stopped" (after any update it had in flight), so the reply
    # settles on it; a CI run once saw an in-flight "Searching the library…" drawn over it for good.
    page.wait_for_function("() => { const m = document.querySelectorAll('#chat .message');"
                           " return m.length && m[m.length - 1].innerText.includes('Stopped'); }", timeout=10_000)
    wait_idle(page)
    assert "Stopped" in last_reply(page)
    assert not page.locator("#stop").is_visible()
    # Nothing from the stopped answer arrives afterwards, and what the user types stays put.
    page.fill("#question textarea", "And who is Wang Yi")
    page.wait_for_timeout(3000)
    assert page.input_value("#question textarea") == "And who is Wang Yi"
    assert "Stopped" in last_reply(page)
    # 9: an example question asks itself.
    page.click("#new-chat")
    wait_idle(page)
    example = page.locator("#chat button.example").first
    text = example.inner_text().strip()
    example.click()
    answered(page, 1)
    assert text in page.locator("#chat .message").first.inner_text()
    page.wait_for_function("document.activeElement === document.querySelector('#question textarea')",
                           timeout=5_000)


# ---- 3 and 6: only verified text, sources as soon as found, grouped by article --------------------
def test_d3_d6_verified_sentences_and_sources_grouped(browser_page):
    page = browser_page
    record_reply_states(page)
    page.evaluate("""() => { window.__sourcesWhileWriting = false;
        new MutationObserver(() => {
            const writing = document.querySelector('#chat .status');
            if (writing && document.querySelector('#sources mark')) window.__sourcesWhileWriting = true; })
        .observe(document.body, {childList: true, subtree: true, characterData: true}); }""")
    turn = ask(page, WANG_YI)
    final = last_reply(page)
    assert "East Turkestan Islamic Movement" in final
    # 6: the passages were on screen while the answer was still being checked.
    assert page.evaluate("window.__sourcesWhileWriting")
    # 3: every state of the reply held only status lines and sentences of the final (verified) answer.
    states = page.evaluate("window.__states")
    assert len(set(states)) >= 2, "the reply shows progress"
    for state in states:
        for line in filter(None, (s.strip() for s in state.split("\n"))):
            if line.endswith("…") or line in final:
                continue
            raise AssertionError(f"shown while answering but not in the verified answer: {line!r}")
    # 6: each article once, its passages under it.
    titles = page.locator("#sources .article h4").all_inner_texts()
    assert titles and len(titles) == len(set(titles)), titles
    marks = page.locator("#sources mark").all_inner_texts()
    assert any("East Turkestan Islamic Movement" in m for m in marks)
    assert "breeding ground for separatists" in page.inner_text("#sources")
    # Clicking a citation marker brings its passage into view and outlines it.
    marker = page.locator("#chat a.cite").last
    target = marker.get_attribute("href")[1:]
    assert target.startswith(f"src-{turn}-")
    marker.click()
    page.wait_for_function(f"document.getElementById('{target}').classList.contains('focus')")
    assert page.locator(f"#{target}").is_visible()

    ask(page, "And what did the Taliban promise in return?")
    assert "don't cover" not in last_reply(page)
    snapshot(page, "ask")
    ask(page, "What did Wang Yi tell the Pope?")
    assert "don't cover" in last_reply(page)
    assert "Closest passages" in page.inner_text("#sources")


# ---- 4: dates that validate; a filter that hides the answer says so -----------------------------
def test_d4_dates_validate_and_filters_that_exclude_say_so(browser_page):
    page = browser_page
    page.click("#filters button")  # open the accordion
    page.fill("#ask-from textarea, #ask-from input", "July 2021")
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('#chips').innerText.includes('2021-07-01')")
    assert "From 2021-07-01" in page.inner_text("#chips")
    page.fill("#ask-from textarea, #ask-from input", "next Tuesday")
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('#chips').innerText.includes('not a date')")
    assert "YYYY-MM-DD" in page.inner_text("#chips")
    page.fill("#question textarea", WANG_YI)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#chat').innerText.includes('Not searched')")
    page.wait_for_function("!document.querySelector('#question textarea').disabled")
    # The cursor returns to the question box a moment after it unlocks; then the user edits dates.
    page.wait_for_function("document.activeElement === document.querySelector('#question textarea')",
                           timeout=5_000)
    assert "invalid literal" not in page.inner_text("body")
    # A range that holds no article of the answer: the reply says the filter left it out.
    page.fill("#ask-from textarea, #ask-from input", "2024-01-01")
    page.fill("#ask-to textarea, #ask-to input", "2024-12-31")
    page.keyboard.press("Tab")
    page.wait_for_function("document.querySelector('#chips').innerText.includes('To 2024-12-31')")
    turn = next_turn(page)
    page.fill("#question textarea", WANG_YI)
    page.keyboard.press("Enter")
    answered(page, turn)
    reply = last_reply(page)
    assert "filters" in reply and "Chinese Officials" in reply, reply
    page.click("#clear-filters")
    page.wait_for_function("!document.querySelector('#chips').innerText.trim()")


# ---- 2 and 5: upload box cleared; per-file report without paths; deleted stays deleted -------------
def test_d2_d5_uploads_reported_per_file_and_deleted_stays_deleted(browser_page, server, tmp_path):
    page = browser_page
    open_tab(page, "Library")
    counts_before = page.inner_text("#library-counts")
    assert "documents" in counts_before and "chunks" in counts_before and "sources" in counts_before
    page.set_input_files("#upload input[type=file]", [str(DATA / "upload-harbour.md"), str(DATA / "html-in-text.txt"),
                                                      str(DATA / "injected-library-reopens.txt")])
    page.click("#ingest")
    page.wait_for_function("document.querySelector('#upload-results').innerText.includes('upload-harbour.md')",
                           timeout=180_000)
    wait_idle(page)
    rows = {r[0]: r for r in table_rows(page, "#upload-results")}
    assert rows["upload-harbour.md"][1] == "added", rows
    assert rows["upload-harbour.md"][3:5] == ["2024-02-14", "Test Gazette"], rows
    assert rows["html-in-text.txt"][1] == "added", rows
    assert rows["injected-library-reopens.txt"][1] == "unchanged", rows
    results = page.inner_text("#upload-results")
    assert str(server.data_dir) not in results and "/tmp" not in results and "uploads/" not in results
    # 2: the upload box is empty again, so the next upload sends only the next file.
    assert page.locator("#upload .file-preview, #upload table").count() == 0
    page.wait_for_function("document.querySelector('#library').innerText.includes('Harbour reopens')")
    snapshot(page, "library")

    # Search by text (the title does not say "sea wall").
    # Typed and cleared as a user does. The search listened to "input" events, which fill() and
    # clearing the box did not always deliver (the table kept the old rows: why this test was an
    # xfail); it now listens to "change".
    search = page.locator("#lib-search textarea")
    search.press_sequentially("sea wall", delay=30)
    page.wait_for_function("() => { const t = document.querySelector('#library [role=grid]').innerText;"
                           " return t.includes('Harbour reopens') && !t.includes('Chinese Officials'); }")
    search.press("Control+a")
    search.press("Backspace")
    page.wait_for_function("document.querySelector('#library [role=grid]').innerText.includes('Chinese Officials')")

    tick_row(page, "Harbour reopens")
    page.click("#delete")
    page.wait_for_function("!document.querySelector('#library').innerText.includes('Harbour reopens')",
                           timeout=60_000)
    # An unrelated empty file next: reported as an error in plain words; the deleted article stays deleted.
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page.set_input_files("#upload input[type=file]", [str(empty)])
    page.click("#ingest")
    page.wait_for_function("document.querySelector('#upload-results').innerText.includes('empty.txt')",
                           timeout=60_000)
    wait_idle(page)
    results = page.inner_text("#upload-results")
    assert "error" in results and "empty" in results and "Traceback" not in results
    assert "upload-harbour.md" not in results
    assert "Harbour reopens" not in page.inner_text("#library")

    # Markup inside an article is shown as text, never executed.
    open_tab(page, "Ask")
    ask(page, "Which line does one Riverbank museum panel show in large red letters?")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned === undefined")
    shown = page.inner_text("#sources") + page.inner_text("#chat")
    assert "<script>" in shown, shown


# ---- 7: chat toolbar -----------------------------------------------------------------------------------
def test_d7_toolbar_trash_clears_sources_no_share_label_apart(browser_page):
    page = browser_page
    ask(page, "Who led the Taliban delegation?")
    assert page.inner_text("#sources").strip()
    assert page.locator("#chat [aria-label*='hare' i], #chat [title*='hare' i]").count() == 0
    # The label is a heading above the chat, not a box floating over the messages.
    assert page.locator("#chat [data-testid=block-label]").count() == 0
    assert page.get_by_role("heading", name="Conversation").is_visible()
    page.locator("#chat button[aria-label='Clear'], #chat button[title='Clear']").first.click()
    page.wait_for_function("!document.querySelector('#sources').innerText.trim()")
    assert page.locator("#chat .message").count() == 0


# ---- 8: settings say what answers; no developer footer ---------------------------------------------
def test_d8_settings_show_what_answers_and_footer_hidden(browser_page, server):
    page = browser_page
    open_tab(page, "Settings")
    text = page.inner_text("#settings-info")
    assert "SmolLM2" in text and "gpt-4o-mini" not in text
    assert "all-MiniLM-L6-v2" in text and "Chroma" in text and str(server.data_dir) in text
    assert "documents" in text and "chunks" in text
    assert page.locator("footer:visible").count() == 0
    assert page.get_by_role("link", name="Settings").count() == 0
    assert page.get_by_text("Use via API").count() == 0


# ---- 10: brief: download at the top, [n] linked, user errors without tracebacks -------------------
def test_d10_brief_download_links_and_plain_errors(browser_page, server, tmp_path):
    page = browser_page
    open_tab(page, "Brief")
    page.click("#brief-go")  # nothing chosen
    page.wait_for_function("document.querySelector('#brief-msg').innerText.includes('Choose articles')")
    page.fill("#brief-topic textarea, #brief-topic input", "zzqx unknown topic wibble")
    page.click("#brief-go")
    page.wait_for_function("document.querySelector('#brief-msg').innerText.trim().length > 0 && "
                           "!document.querySelector('#brief-msg').innerText.includes('Choose articles')",
                           timeout=120_000)
    page.fill("#brief-topic textarea, #brief-topic input", "")
    choose(page, "#brief-docs", "Chinese Officials")
    page.click("#brief-go")
    page.wait_for_function("document.querySelector('#brief-out').innerText.includes('Key points')", timeout=180_000)
    text = page.inner_text("#brief-out")
    # What the brief says is tested in test_brief.py (its 65-word summary no longer names every
    # fact); here: the brief of the chosen article is shown, with its sections.
    for part in ("Taliban", "Key points", "Sources"):
        assert part in text
    # Download sits above the brief, visible without scrolling.
    download = page.locator("#brief-download").bounding_box()
    assert download and download["y"] < page.locator("#brief-out").bounding_box()["y"] and download["y"] < 1000
    link = page.locator("#brief-out a.cite").first
    target = link.get_attribute("href")[1:]
    link.click()
    page.wait_for_function(f"document.getElementById('{target}').classList.contains('focus')")
    snapshot(page, "brief")
    with page.expect_download() as info:
        page.click("#brief-download")
    path = tmp_path / "brief.md"
    info.value.save_as(path)
    assert path.read_text(encoding="utf-8").startswith("# Chinese Officials")
    assert "Traceback" not in server.log_text()


# ---- accessibility ----------------------------------------------------------------------------------
def focus_on(page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` (or something inside it) has the focus."""
    for _ in range(limit):
        if page.evaluate(f"(() => {{ const t = document.querySelector({selector!r}); "
                         "return !!t && (t === document.activeElement || t.contains(document.activeElement)); })()"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def focus_returned(page) -> None:
    """Until the question box has the focus again (the app returns it once the box is unlocked)."""
    page.wait_for_function("document.activeElement === document.querySelector('#question textarea')",
                           timeout=5_000)


def open_tab_by_keyboard(page, name: str) -> None:
    """Tab to the tab button called ``name`` and press Enter."""
    for _ in range(80):
        if page.evaluate(f"(() => {{ const e = document.activeElement; return e.getAttribute('role') === 'tab' "
                         f"&& e.innerText.trim() === {name!r}; }})()"):
            page.keyboard.press("Enter")
            page.wait_for_function(f"[...document.querySelectorAll('[role=tab]')].some(t => "
                                   f"t.innerText.trim() === {name!r} && t.getAttribute('aria-selected') === 'true')",
                                   timeout=15_000)
            wait_idle(page)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached the {name} tab")


def test_keyboard_only_ask_follow_up_brief_and_delete(browser_page):
    page = browser_page
    page.locator("body").click(position={"x": 5, "y": 5})
    focus_on(page, "#question textarea")
    page.keyboard.type(WANG_YI)
    page.keyboard.press("Enter")
    answered(page, 1)
    assert "East Turkestan" in last_reply(page)
    # Focus comes back to the box (a moment after it is unlocked): the follow-up is typed straight away.
    focus_returned(page)
    page.keyboard.type("And what did the Taliban promise in return?")
    page.keyboard.press("Enter")
    answered(page, 2)
    assert len(page.locator("#chat .message").all()) >= 4
    # The focus is back in the box after the follow-up too. (Before the app stopped pulling the
    # focus back from wherever the user had moved it, the tab walk below lost its Enter to the
    # refocus on the CI machine.)
    focus_returned(page)

    # Brief, by keyboard: the tab, then the article picker and the button.
    open_tab_by_keyboard(page, "Brief")
    focus_on(page, "#brief-docs input")
    page.keyboard.type("Chinese Officials")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    focus_on(page, "#brief-go")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#brief-out').innerText.includes('Key points')", timeout=180_000)

    # Delete, by keyboard: tick a row in the table with Space, then the Delete button.
    open_tab_by_keyboard(page, "Library")
    victim = "Tetris"
    assert victim in page.inner_text("#library")
    focus_on(page, "#library [role=grid]")
    index = row_index(page, victim)
    at = page.evaluate("document.activeElement.closest('[data-row]')?.dataset.row")
    at = int(at or 0)
    for _ in range(abs(index - at)):
        page.keyboard.press("ArrowDown" if index > at else "ArrowUp")
    page.keyboard.press("Space")
    page.wait_for_function(f"document.querySelector('#library [data-testid=\"cell-{index}-0\"] input').checked")
    focus_on(page, "#delete")
    page.keyboard.press("Enter")
    page.wait_for_function(f"!document.querySelector('#library').innerText.includes({victim!r})", timeout=60_000)


def test_focus_stays_where_the_user_moved_it_while_answering(browser_page):
    """The box takes the focus back after an answer only if the user left it there: someone who
    moved on to a tab while the answer came keeps their place (the refocus retries for 2 s)."""
    page = browser_page
    turn = next_turn(page)
    page.locator("#question textarea").fill("Who led the Taliban delegation?")
    page.keyboard.press("Enter")
    page.evaluate("[...document.querySelectorAll('[role=tab]')].find(t => t.innerText.trim() === 'Library').focus()")
    answered(page, turn)
    page.wait_for_timeout(2_500)
    assert page.evaluate("document.activeElement.getAttribute('role') === 'tab' "
                         "&& document.activeElement.innerText.trim() === 'Library'")


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))""")
    return result


def test_axe_no_serious_violations_on_any_tab(browser_page):
    page = browser_page
    ask(page, WANG_YI)
    found = {"Ask": axe_violations(page)}
    for tab in ("Brief", "Library", "Settings"):
        open_tab(page, tab)
        found[tab] = axe_violations(page)
    bad = {tab: v for tab, v in found.items() if v}
    assert not bad, bad


# ---- 8 concurrent users ---------------------------------------------------------------------------------
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
        chat, _ = client.predict(question, [], "", "", "", "", api_name="/ask")
        content = chat[-1]["content"]
        if isinstance(content, list):  # Gradio 6 messages carry a list of parts
            content = " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
        # What the user reads: the text without its markup (a <mark> may split "2.4 <mark>million").
        return question, html.unescape(re.sub(r"<[^>]+>", "", str(content)))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, QUESTIONS))
    for question, reply in results:
        expected = QUESTIONS[question]
        assert expected.lower() in reply.lower(), (question, reply)
        # A reply meant for another user would come from the other article.
        forbidden = "taliban" if "library" in question.lower() else "library"
        assert forbidden not in reply.lower(), (question, reply)
