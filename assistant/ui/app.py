"""The Gradio app: Ask (chat with sources), Brief, Library, Settings. Talks only to Assistant.

Offline and safe by construction: system fonts only (no Google Fonts), analytics off, no
external scripts or images, no developer footer; every piece of article text is HTML-escaped
(assistant/ui/render.py) before it reaches the page, so markup inside an article is shown as
text and never executed. No Python error text reaches the page: failures are logged on the
server and the user gets a sentence that says what to do.

Ask: while an answer is made the question box is locked and a Stop button shows; passages
appear under Sources as soon as they are found, grouped by article; only verified sentences
are shown (the stream carries nothing else); the short answer, when there is one, comes first.
"""

from __future__ import annotations

import logging
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import gradio as gr

from assistant.api import Assistant
from assistant.settings import BriefMode, is_loopback
from assistant.ui import render
from assistant.ui.filters import read_filters
from assistant.ui.library import LIBRARY_HEADERS, RESULT_HEADERS, Library

log = logging.getLogger(__name__)
ANSWER_FAILED = "Something went wrong while answering; the details are in the server log. Please try again."

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial",
                "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

# Highlight colours meet WCAG AA (4.5:1) for normal text: #1f2937 on #fde68a is 12.0:1, the
# links #1d4ed8 on white 6.7:1 and on #fde68a 5.6:1; grey meta text #4b5563 on white 7.6:1.
CSS = """
footer { display: none !important; }
.sources { max-height: 640px; overflow-y: auto; }
.sources .turn { font-weight: 600; margin-top: 14px; }
.sources .article { border-left: 3px solid #6b7280; padding: 6px 10px; margin: 8px 0;
  background: var(--block-background-fill); }
.sources .article h4 { margin: 0 0 2px 0; font-size: 0.95em; }
.sources .meta, .library-counts { color: #4b5563; font-size: 0.85em; }
.sources ul.passages { list-style: none; margin: 4px 0 0 0; padding: 0; }
.sources li.source { margin: 6px 0 0 0; font-size: 0.92em; line-height: 1.45; padding: 2px 4px; }
.sources li.source .n { font-weight: 600; }
.sources li.source.focus { outline: 2px solid #b45309; }
mark { background: #fde68a; color: #1f2937; padding: 0 2px; }
a.cite { text-decoration: underline; font-weight: 600; color: #1d4ed8; }
#chat .short-answer { margin: 0 0 4px 0; }
#chat blockquote.support { margin: 4px 0 8px 0; padding-left: 10px; border-left: 3px solid #6b7280; }
#chat .status { color: #4b5563; }
.abstained { color: #7c2d12; }
.notice.warning { color: #7c2d12; font-weight: 600; margin: 4px 0; }
ul.chips { list-style: none; display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0; padding: 0; }
li.chip { border: 1px solid #6b7280; border-radius: 999px; padding: 1px 10px; font-size: 0.85em;
  color: #1f2937; background: #f3f4f6; }
#upload .or { color: #4b5563; }
#brief-out ol { padding-left: 2.6em; }  /* room for two-digit source numbers */
#brief-out li:target { outline: 2px solid #b45309; }
"""

# Clicking a citation marker brings its source into view and outlines it (inline, no network).
HEAD = """
<script>
document.addEventListener('click', function (event) {
  const link = event.target.closest('a.cite, a[href^="#src-"], a[href^="#brief-src-"]');
  if (!link) return;
  const id = (link.getAttribute('href') || '').slice(1);
  const target = document.getElementById(id);
  if (!target) return;
  event.preventDefault();
  event.stopPropagation();
  document.querySelectorAll('.source.focus, #brief-out li.focus').forEach(function (el) {
    el.classList.remove('focus'); });
  target.classList.add('focus');
  target.setAttribute('tabindex', '-1');
  target.scrollIntoView({behavior: 'smooth', block: 'center'});
  target.focus({preventScroll: true});
}, true);

// Gradio 6.31 renders a few controls that axe-core flags (no accessible name, a checkbox inside
// a role=button, a role=list holding buttons, an upload button whose label hides its text).
// They are repaired in place as they appear; tests/test_ui.py runs axe-core over every tab.
function repairA11y() {
  document.querySelectorAll('.examples[role=list]').forEach(function (e) { e.removeAttribute('role'); });
  document.querySelectorAll('.bool-cell[role=button], .select-all-checkbox[role=button]').forEach(function (e) {
    e.removeAttribute('role'); e.removeAttribute('tabindex'); });
  document.querySelectorAll('.select-all-checkbox input[type=checkbox]:not([aria-label])').forEach(function (e) {
    e.setAttribute('aria-label', 'Select all rows'); });
  document.querySelectorAll('.bool-cell input[type=checkbox]').forEach(function (e) {
    const cell = e.closest('[data-row]');
    const grid = e.closest('[role=grid]');
    const title = cell && grid && grid.querySelector('[data-testid="cell-' + cell.getAttribute('data-row') + '-1"]');
    const label = 'Select ' + (title ? title.innerText.trim() : 'row');
    if (e.getAttribute('aria-label') !== label) e.setAttribute('aria-label', label);
  });
  document.querySelectorAll('[aria-label="Static column"]:not([role])').forEach(function (e) {
    e.setAttribute('role', 'img'); });
  document.querySelectorAll('button.upload-container[aria-label]').forEach(function (e) {
    e.removeAttribute('aria-label'); });
}
let repairQueued = false;
new MutationObserver(function () {
  if (repairQueued) return;
  repairQueued = true;
  requestAnimationFrame(function () { repairQueued = false; repairA11y(); });
}).observe(document.documentElement, {childList: true, subtree: true});
</script>
"""

WELCOME = ("**Ask about the news in your library.** Every answer quotes the passage it comes from. "
           "Try one of these, or type your own question below.")
# Focus returns to the question box once it is unlocked: Gradio applies the update that
# re-enables it a moment after this runs, and a disabled box cannot take focus, so retry
# every 50 ms for up to 2 s. Only if the focus is still where the question left it (the box,
# or nowhere): a keyboard user who moved on while the answer came (to a tab, a source link)
# keeps their place.
FOCUS_QUESTION = ("() => { let n = 0; const tick = () => { const t = document.querySelector('#question textarea');"
                  " const a = document.activeElement;"
                  " if (a && a !== document.body && a !== t) { return; }"
                  " if (t && !t.disabled) { t.focus(); } else if (n++ < 40) { setTimeout(tick, 50); } };"
                  " setTimeout(tick, 50); }")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def theme() -> gr.themes.Base:
    """System fonts; primary and stop buttons dark enough for white text (blue-700 7.0:1, red-700 6.5:1)."""
    return gr.themes.Base(font=SYSTEM_FONTS, font_mono=MONO_FONTS, primary_hue="blue").set(
        button_primary_background_fill="#1d4ed8", button_primary_background_fill_hover="#1e40af",
        button_primary_text_color="#ffffff", button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_hover="#991b1b", button_cancel_text_color="#ffffff",
        body_text_color_subdued="#4b5563", input_placeholder_color="#6b7280")


def safe_filename(name: str) -> str:
    """An uploaded file's name without directories, '..' or odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = _SAFE_NAME.sub("_", base).strip(" .") or "upload.txt"
    return base.replace("..", "_")[:120]


def stage_uploads(files: list[str], upload_dir: Path, max_files: int, max_mb: int
                  ) -> tuple[list[Path], list[tuple[str, str]]]:
    """Copy uploaded files into a fresh folder under the data dir, with safe names.
    Returns (staged paths, [(name, reason)] refused). Too many files refuses the whole upload."""
    if len(files) > max_files:
        raise ValueError(f"{len(files)} files is more than the {max_files} allowed per upload "
                         "(ASSISTANT_SERVER__MAX_UPLOAD_FILES)")
    upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    batch = Path(tempfile.mkdtemp(prefix="batch-", dir=upload_dir))
    staged: list[Path] = []
    refused: list[tuple[str, str]] = []
    for f in files:
        name = safe_filename(Path(f).name)
        size = Path(f).stat().st_size
        if size > max_mb * 2**20:
            refused.append((name, f"file is {size / 2**20:.0f} MB, over the {max_mb} MB upload limit "
                                  "(ASSISTANT_SERVER__MAX_UPLOAD_MB)"))
            continue
        dest = batch / name
        if dest.exists():
            dest = batch / f"{dest.stem}-{len(staged)}{dest.suffix}"
        shutil.copyfile(f, dest)
        staged.append(dest)
    return staged, refused


def example_questions(bot: Assistant, n: int = 3) -> list[dict[str, str]]:
    """Questions about the newest articles of the library, for the empty chat."""
    from assistant.facts import facts

    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for doc in bot.documents()[:12]:
        if len(out) >= n:
            break
        text = bot.document_text(doc.doc_id) or ""
        sentences = [(s, 1.0) for s in re.split(r"(?<=[.!?])\s+", text[:4000]) if s.strip()]
        who = [w for w in facts(sentences, [doc.date] if doc.date else [])[0] if w not in seen]
        if who:
            seen.add(who[0])
            out.append({"text": f"What did {who[0]} say?"})
    return out


# ---- Ask --------------------------------------------------------------------------------------------
def _excluded_by_filters(bot: Assistant, question: str, history: list, described: str) -> str | None:
    """When the filters hid the answer: a message naming an article outside them, else None."""
    qa = bot.qa
    resolved, _, selection, _ = qa.prepare(question, history or None, None)
    if qa.abstain_reason(selection, followup=resolved.followup) is not None:
        return None
    meta = selection.evidence[0].chunk.metadata
    return (f"Your filters ({described}) leave out the articles that answer this, for example "
            f"“{meta.get('title', '')}” ({meta.get('date') or 'undated'}). Clear the filters to include them.")


@dataclass
class _Turn:
    """A browser session's running answer: ``ended`` is set by Stop, Clear, New chat or a closed
    tab; ``cleared`` says the conversation was cleared (the answer ends on an empty chat)."""

    ended: threading.Event = field(default_factory=threading.Event)
    cleared: bool = False


def _ask_tab(bot: Assistant, library: Library) -> dict[str, Any]:
    def doc_text(doc_id: str) -> str | None:
        return bot.document_text(doc_id)

    with gr.Row():
        with gr.Column(scale=3):
            gr.HTML('<h2 class="chat-title" id="conversation-title">Conversation</h2>', padding=False)
            chat = gr.Chatbot(label="Conversation", show_label=False, height=520, sanitize_html=True,
                              render_markdown=False, feedback_options=None, elem_id="chat",
                              buttons=["copy_all"], placeholder=WELCOME, examples=None)
            with gr.Row(equal_height=True):
                question = gr.Textbox(label="Question", placeholder="Ask a question about your articles",
                                      elem_id="question", submit_btn=True, scale=6, max_lines=4)
                stop = gr.Button("Stop", variant="stop", visible=False, elem_id="stop", scale=1, min_width=80)
            chips = gr.HTML("", elem_id="chips", padding=False)
            with gr.Accordion("Filters", open=False, elem_id="filters"):
                with gr.Row():
                    date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD or July 2021",
                                           elem_id="ask-from")
                    date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD or July 2021", elem_id="ask-to")
                    source = gr.Dropdown(label="Source", choices=[("All sources", "")], value="",
                                         allow_custom_value=False, elem_id="ask-source")
                clear_filters = gr.Button("Clear filters", size="sm", elem_id="clear-filters")
            new_chat = gr.Button("New conversation", size="sm", elem_id="new-chat")
        with gr.Column(scale=2):
            gr.HTML('<h2 class="chat-title">Sources</h2>', padding=False)
            panel = gr.HTML("", elem_classes=["sources"], elem_id="sources")
    pending = gr.Textbox(visible=False)  # the question being answered (the box is cleared and locked)
    history = gr.State([])  # [(question, answer text)] for follow-ups

    def show_chips(date_from: str, date_to: str, source: str) -> str:
        f = read_filters(date_from, date_to, source)
        return render.render_chips(f.chips, f.problems)

    # Stop, Clear and New chat end the running answer through the answer's own stream, never by
    # cancelling it in Gradio: a cancelled stream can deliver an update computed just before the
    # cancel *after* the Stop handler drew "Stopped" (a fresh-clone CI run showed "Searching the
    # library…" left on screen for good while the models were still loading). So the answer is made
    # in a worker thread; ``respond`` relays its updates and checks the session's flag every 0.1 s,
    # and once the flag is set its last update is the stopped (or cleared) chat, sent after anything
    # in flight. The flag is made when the box locks, so a Stop pressed while the answer still waits
    # in the queue ends it before it starts; a closed tab sets it too (Gradio closes the stream).
    # The worker's model stops at its next token; the session's next answer waits for it (one
    # answer at a time per session, ``session_locks``); other sessions answer meanwhile.
    turns: dict[str, _Turn] = {}
    session_locks: dict[str, threading.Lock] = {}

    def lock(message: str, request: gr.Request):
        message = (message or "").strip()
        if not message:
            return gr.skip(), gr.skip(), gr.skip()
        turns[request.session_hash or ""] = _Turn()
        return (message, gr.update(value="", interactive=False, placeholder="Answering… press Stop to cancel"),
                gr.update(visible=True))

    def lock_example(evt: gr.SelectData, request: gr.Request):
        value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")
        return lock(value, request)

    def unlocked():
        return "", gr.update(interactive=True, placeholder="Ask a question about your articles"), gr.update(
            visible=False)

    def unlock(request: gr.Request):
        """After an answer ends, unless the user has already asked the next question."""
        turn = turns.get(request.session_hash or "")
        if turn is not None and not turn.ended.is_set():
            return gr.skip(), gr.skip(), gr.skip()
        return unlocked()

    def respond(message: str, chat: list[dict], panel: str, date_from: str, date_to: str, source: str,
                history: list, request: gr.Request) -> Iterator[tuple]:
        key = request.session_hash or ""
        turn = turns.setdefault(key, _Turn())  # made by the box's lock; through the API, here
        cancel = turn.ended
        own_lock = session_locks.setdefault(key, threading.Lock())
        updates: queue.Queue = queue.Queue()
        done = object()

        def work() -> None:
            if own_lock.locked():  # this session's stopped answer is still ending: show the question
                updates.put(with_reply(render.render_progress(0, "Searching the library", [])))
            with own_lock:
                try:
                    if not cancel.is_set():
                        for update in answer_turn(message, chat, panel, date_from, date_to, source, history,
                                                  cancel):
                            updates.put(update)
                            if cancel.is_set():
                                break
                except Exception:  # answer_turn shows its own failures; this is anything before them
                    log.exception("answering %r failed", message)
                    updates.put(with_reply(render.render_notice(ANSWER_FAILED)))
                finally:
                    updates.put(done)

        def with_reply(content: str) -> tuple:
            """The chat with this question and ``content`` as its reply."""
            return ([*chat, {"role": "user", "content": render.esc((message or "").strip())},
                     {"role": "assistant", "content": content}], panel, history)

        last = with_reply("")
        if not cancel.is_set():
            threading.Thread(target=work, name="answer", daemon=True).start()
        try:
            while True:
                try:
                    update = None if cancel.is_set() else updates.get(timeout=0.1)
                except queue.Empty:
                    update = None
                if cancel.is_set():  # stopped or cleared: end on that, after anything already sent
                    yield ([], "", []) if turn.cleared else (stopped_chat(last[0]), *last[1:])
                    return
                if update is done:
                    return
                if update is not None:
                    last = update
                    yield update
        finally:  # done, stopped, cleared or the tab closed: the worker stops, the session's flag goes
            cancel.set()
            if turns.get(key) is turn:
                del turns[key]

    def end_answer(request: gr.Request, cleared: bool) -> None:
        if (turn := turns.get(request.session_hash or "")) is not None:
            turn.cleared = turn.cleared or cleared
            turn.ended.set()

    def answer_turn(message: str, chat: list[dict], panel: str, date_from: str, date_to: str, source: str,
                    history: list, cancel: threading.Event) -> Iterator[tuple]:
        message = (message or "").strip()
        if not message:
            yield chat, panel, history
            return
        chat = [*chat, {"role": "user", "content": render.esc(message)},
                {"role": "assistant", "content": render.render_progress(0, "Searching the library", [])}]
        turn = sum(1 for m in chat if m["role"] == "user")
        filters = read_filters(date_from, date_to, source)
        if not filters.ok:
            chat[-1]["content"] = render.render_notice("Not searched. " + " ".join(filters.problems))
            yield chat, panel, history
            return
        if filters.filters and not bot.documents(filters=filters.filters):
            chat[-1]["content"] = render.render_notice(
                f"No article in the library matches your filters ({filters.describe()}). Change or clear them.")
            yield chat, panel, history
            return
        yield chat, panel, history
        earlier, status, sentences, n_found = panel, "Searching the library", [], 0
        try:
            for event in bot.ask_stream(message, history=history or None, filters=filters.filters, cancel=cancel):
                if event.type == "status":
                    status = event.text
                elif event.type == "sources":
                    n_found = len(event.sources)
                    panel = render.render_sources(turn, message, event.sources, doc_text,
                                                  "Passages found, checking the answer") + earlier
                elif event.type == "sentence":
                    sentences.append(event.text)
                elif event.type == "answer" and event.answer is not None:
                    answer = event.answer
                    reply = render.render_reply(turn, answer)
                    if answer.abstained and filters.filters:
                        hidden = _excluded_by_filters(bot, message, history, filters.describe())
                        if hidden:
                            reply = render.render_notice(hidden) + reply
                    chat[-1]["content"] = reply
                    panel = render.render_turn(turn, message, answer, doc_text) + earlier
                    history = [*history, (message, answer.answer)]
                    yield chat, panel, history
                    return
                chat[-1]["content"] = render.render_progress(turn, status, sentences, n_found)
                yield chat, panel, history
        except Exception:  # show a plain failure in the conversation; the details go to the log
            log.exception("answering %r failed", message)
            chat[-1]["content"] = render.render_notice(ANSWER_FAILED)
            yield chat, panel, history

    def stopped_chat(chat: list[dict]) -> list[dict]:
        if chat and chat[-1]["role"] == "assistant":
            return [*chat[:-1], {"role": "assistant", "content": "<p><em>Stopped. Ask again when ready.</em></p>"}]
        return chat

    def stopped(chat: list[dict], request: gr.Request):
        end_answer(request, cleared=False)
        return (stopped_chat(chat), *unlocked())

    def cleared(request: gr.Request):
        end_answer(request, cleared=True)
        return "", [], *unlocked()

    answer_inputs = [pending, chat, panel, date_from, date_to, source, history]
    answer_outputs = [chat, panel, history]
    lock_outputs = [pending, question, stop]
    unlock_outputs = [pending, question, stop]
    def focus_question(event) -> None:
        # A JS-only step: given to an event with a Python fn, js would replace that fn's inputs.
        event.then(None, None, None, js=FOCUS_QUESTION, api_name=False, queue=False)

    asked = question.submit(lock, [question], lock_outputs, api_name=False, queue=False)
    answering = asked.then(respond, answer_inputs, answer_outputs, api_name="ask")
    focus_question(answering.then(unlock, None, unlock_outputs, api_name=False, queue=False))
    picked = chat.example_select(lock_example, None, lock_outputs, api_name=False, queue=False)
    example_answer = picked.then(respond, answer_inputs, answer_outputs, api_name=False)
    focus_question(example_answer.then(unlock, None, unlock_outputs, api_name=False, queue=False))
    focus_question(stop.click(stopped, [chat], [chat, *unlock_outputs], api_name=False, queue=False))
    chat.clear(cleared, None, [panel, history, *unlock_outputs], api_name=False, queue=False)
    def new_conversation(request: gr.Request):
        return [], *cleared(request)

    focus_question(new_chat.click(new_conversation, None, [chat, panel, history, *unlock_outputs],
                                  api_name=False, queue=False))
    filter_inputs = [date_from, date_to, source]
    # The chips are drawn in the order the filters changed: moving from the "to" box to the "from"
    # box and typing there fires two blurs, and as two listeners their answers could arrive the
    # wrong way round, leaving the chip of the older value on screen (a loaded CI run showed
    # "From 2021-07-01" under a from-box that said "next Tuesday"). One listener for every trigger,
    # "always_last": a trigger while one runs waits for it, then runs with the latest values.
    gr.on([date_from.blur, date_from.submit, date_to.blur, date_to.submit, source.change], show_chips,
          filter_inputs, [chips], api_name=False, queue=False, trigger_mode="always_last", show_progress="hidden")
    clear_filters.click(lambda: ("", "", "", ""), None, [date_from, date_to, source, chips], api_name=False,
                        queue=False)
    return {"chat": chat, "source": source}


# ---- Brief --------------------------------------------------------------------------------------------
def _brief_tab(bot: Assistant, library: Library) -> dict[str, Any]:
    with gr.Row():
        with gr.Column(scale=2):
            brief_docs = gr.Dropdown(label="Articles", choices=[], multiselect=True, elem_id="brief-docs")
            brief_topic = gr.Textbox(label="…or a topic", placeholder="China–Taliban relations", elem_id="brief-topic")
            with gr.Row():
                brief_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", elem_id="brief-from")
                brief_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="brief-to")
            brief_mode = gr.Radio(list(get_args(BriefMode)), value=bot.settings.brief.mode, label="Mode",
                                  elem_id="brief-mode")
            brief_btn = gr.Button("Write brief", variant="primary", elem_id="brief-go")
        with gr.Column(scale=3):
            brief_file = gr.DownloadButton("Download Markdown", visible=False, elem_id="brief-download", size="sm")
            brief_msg = gr.HTML("", elem_id="brief-msg", padding=False)
            brief_out = gr.HTML("", elem_id="brief-out")

    def make_brief(doc_ids: list[str], topic: str, date_from: str, date_to: str, mode: str,
                   progress: gr.Progress = gr.Progress()):
        """Ordinary mistakes (nothing chosen, an unknown topic, a bad date) get a message, not an error."""
        topic = (topic or "").strip()
        dates = read_filters(date_from, date_to, None)
        if not dates.ok:
            return render.render_notice(" ".join(dates.problems)), gr.skip(), gr.update(visible=False)
        f = dates.filters
        if not (doc_ids or topic or f):
            return (render.render_notice("Choose articles, type a topic, or give a date range, then press "
                                         "Write brief."), gr.skip(), gr.update(visible=False))
        try:
            brief = bot.brief(doc_ids=doc_ids or None, topic=topic or None, mode=mode,
                              date_from=f.date_from if f else None, date_to=f.date_to if f else None,
                              progress=lambda p: progress((p.done, p.total), desc=p.stage))
        except ValueError as exc:  # nothing matched: the reason is written for users
            reason = str(exc)
            return render.render_notice(reason[:1].upper() + reason[1:] + "."), gr.skip(), gr.update(visible=False)
        except Exception:
            log.exception("brief failed")
            return (render.render_notice("Something went wrong while writing the brief; the details are in "
                                         "the server log."), gr.skip(), gr.update(visible=False))
        markdown = brief.to_markdown()
        out = Path(tempfile.mkdtemp(prefix="brief-")) / "brief.md"
        out.write_text(markdown, encoding="utf-8")
        return "", render.render_brief(markdown), gr.update(value=str(out), visible=True)

    brief_btn.click(make_brief, [brief_docs, brief_topic, brief_from, brief_to, brief_mode],
                    [brief_msg, brief_out, brief_file], api_name="brief")
    return {"docs": brief_docs}


# ---- Library ------------------------------------------------------------------------------------------
def _library_tab(bot: Assistant, library: Library) -> dict[str, Any]:
    """Add articles, the list, actions.

    Another way of adding articles (a URL, a feed) goes in its own block under the upload block,
    calls ``library.lock`` around its writes, and appends its event to ``changed``: everything
    that shows the library (table, counts, article pickers, sources, examples) then refreshes."""
    with gr.Row():
        with gr.Column(scale=2):
            # -- add articles: upload --
            files = gr.File(label="Add articles (.txt .md .html .json .jsonl)", file_count="multiple",
                            file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"],
                            elem_id="upload")
            ingest_btn = gr.Button("Add to library", variant="primary", elem_id="ingest")
            results = gr.Dataframe(headers=RESULT_HEADERS, label="Upload results", interactive=False,
                                   elem_id="upload-results", wrap=True, buttons=[])
            # -- add articles: from the web (URLs, feeds) --
            web_slot = gr.Column()
        with gr.Column(scale=3):
            counts = gr.Markdown("", elem_id="library-counts", elem_classes=["library-counts"])
            search = gr.Textbox(label="Search titles, sources and text", elem_id="lib-search")
            table = gr.Dataframe(headers=LIBRARY_HEADERS, label="Documents (tick rows to select them)",
                                 datatype=["bool", "str", "str", "str", "number", "str"], interactive=True,
                                 static_columns=[1, 2, 3, 4, 5], elem_id="library", wrap=True, buttons=[],
                                 column_widths=["72px", "40%", "12%", "17%", "8%", "13%"], max_height=520)
            with gr.Row():
                delete_btn = gr.Button("Delete selected", variant="stop", elem_id="delete")
                reindex_btn = gr.Button("Re-index selected", elem_id="reindex")
                reindex_all = gr.Button("Re-index everything", size="sm", elem_id="reindex-all")
            lib_msg = gr.HTML("", elem_id="library-msg", padding=False)

    def selected(table_value) -> list[str]:
        rows = table_value.values.tolist() if hasattr(table_value, "values") else (table_value or [])
        return [str(r[5]) for r in rows if len(r) > 5 and str(r[0]).lower() == "true" and r[5]]

    def refresh(search: str = ""):
        return library.rows(search), library.summary()

    def upload(paths: list[str] | None, search: str):
        if not paths:
            return gr.skip(), render.render_notice("Choose one or more files first."), gr.skip(), gr.skip(), None
        try:
            report = library.add_files(paths)
        except ValueError as exc:  # too many files: a user-facing reason
            return gr.skip(), render.render_notice(str(exc)), gr.skip(), gr.skip(), None
        return [r.row() for r in report], "", *refresh(search), None

    def delete(table_value, search: str):
        ids = selected(table_value)
        if not ids:
            return render.render_notice("Tick the rows to delete first."), gr.skip(), gr.skip()
        removed = library.delete(ids)
        return (render.render_notice(f"Deleted {len(ids)} document(s) and their {removed} chunk(s).", "info"),
                *refresh(search))

    def reindex(table_value, search: str):
        ids = selected(table_value)
        if not ids:
            return render.render_notice("Tick the rows to re-index first."), gr.skip(), gr.skip()
        docs, chunks = library.reindex(ids)
        return render.render_notice(f"Re-indexed {docs} document(s) into {chunks} chunk(s).", "info"), *refresh(search)

    def reindex_everything(search: str):
        docs, chunks = library.reindex(None)
        return render.render_notice(f"Re-indexed {docs} document(s) into {chunks} chunk(s).", "info"), *refresh(search)

    with web_slot:
        web_sources_panel(bot, library.lock, table, search, library.rows)
    search.change(lambda s: library.rows(s or ""), [search], [table], api_name=False, trigger_mode="always_last")
    changed = [
        ingest_btn.click(upload, [files, search], [results, lib_msg, table, counts, files], api_name=False),
        delete_btn.click(delete, [table, search], [lib_msg, table, counts], api_name=False),
        reindex_btn.click(reindex, [table, search], [lib_msg, table, counts], api_name=False),
        reindex_all.click(reindex_everything, [search], [lib_msg, table, counts], api_name=False),
    ]
    return {"table": table, "counts": counts, "search": search, "changed": changed, "refresh": refresh}


# ---- Settings -----------------------------------------------------------------------------------------
def _settings_tab(bot: Assistant, library: Library) -> None:
    gr.Markdown("What answers you. Read-only: change it with `ASSISTANT_*` environment variables or a config "
                "file (see README), then restart.")
    info = gr.Dataframe(headers=["setting", "value"], interactive=False, label="Models, store and library",
                        elem_id="settings-info", wrap=True, buttons=[])

    def rows():
        about = bot.describe()
        c = library.counts()
        about["library"] = f"{c['documents']} documents, {c['chunks']} chunks, {c['sources']} sources"
        return [[k, str(v)] for k, v in about.items()]

    return info, rows


# ---- the app ------------------------------------------------------------------------------------------
def build(bot: Assistant) -> gr.Blocks:
    library = Library(bot, threading.Lock())  # one ingest/delete at a time; questions run concurrently
    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("# News assistant\nAnswers and briefs from your own articles; every claim cites its passage.")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                ask = _ask_tab(bot, library)
            with gr.Tab("Brief", id="brief"):
                brief = _brief_tab(bot, library)
            with gr.Tab("Library", id="library"):
                lib = _library_tab(bot, library)
            with gr.Tab("Settings", id="settings"):
                info, info_rows = _settings_tab(bot, library)

        def everywhere(search: str = ""):
            """Everything that shows the library, after it changed (or on page load)."""
            examples = example_questions(bot)
            return (*lib["refresh"](search), gr.update(choices=library.choices()),
                    gr.update(choices=[("All sources", ""), *[(s, s) for s in library.sources()]]),
                    gr.update(examples=examples or None), info_rows())

        outputs = [lib["table"], lib["counts"], brief["docs"], ask["source"], ask["chat"], info]
        demo.load(everywhere, None, outputs, api_name=False)
        for event in lib["changed"]:
            event.then(everywhere, [lib["search"]], outputs, api_name=False)
    return demo



def web_sources_panel(bot: Assistant, write_lock: threading.Lock, table: gr.Dataframe, search: gr.Textbox,
                      library_rows: Any) -> None:
    """Library tab, issue 17: add pages by URL, follow feeds, see each feed's last check and error.
    Self-contained: its own components and handlers; it only refreshes the library table."""
    from datetime import datetime

    from assistant.catalog import SourceRegistry
    from assistant.sources.feeds import check_feed
    from assistant.sources.fetch import Fetcher, block_private_for, is_web_address, normalize_url
    from assistant.sources.pages import add_pages

    def fetcher() -> Fetcher:
        return Fetcher(bot.settings.fetch, block_private_for(bot.settings))

    def when(stamp: float | None) -> str:
        return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "never"

    def feed_rows() -> list[list[Any]]:
        return [[r.location, r.title or "", when(r.checked_at), when(r.ok_at), r.items, r.error or ""]
                for r in SourceRegistry(bot.index.catalog).list("feed")]

    def add_urls(text: str, query: str):
        urls = [u for u in (text or "").split() if u]
        if not urls:
            raise gr.Error("Paste one or more http(s) addresses, one per line.")
        with write_lock, fetcher() as f:
            results, _ = add_pages(urls, bot.ingestor, bot.index.catalog, f)
        rows = [[r.url, "error" if r.status == "error" else r.status + (" (note)" if r.reason else ""), r.reason]
                for r in results]
        return rows, library_rows(query), ""

    def follow(url: str, query: str):
        url = (url or "").strip()
        if not is_web_address(url):
            raise gr.Error("A feed must be an http:// or https:// address.")
        registry = SourceRegistry(bot.index.catalog)
        registry.add("feed", normalize_url(url))
        with write_lock, fetcher() as f:
            check = check_feed(url, bot.ingestor, f, bot.settings.fetch, registry)
        if check.error:
            gr.Warning(f"{check.url}: {check.error} (kept; it is retried on the next check)")
        else:
            gr.Info(check.summary())
        return feed_rows(), library_rows(query), ""

    def unfollow(url: str):
        if not url or not SourceRegistry(bot.index.catalog).remove(normalize_url(url)):
            raise gr.Error("Paste the address of a followed feed (see the list).")
        gr.Info(f"No longer following {normalize_url(url)}; its articles stay in the library.")
        return feed_rows(), ""

    with gr.Accordion("Add from the web", open=False, elem_id="web-sources"):
        with gr.Row():
            with gr.Column():
                urls = gr.Textbox(label="Page addresses (one per line)", lines=3, elem_id="add-urls")
                urls_btn = gr.Button("Fetch and add", elem_id="add-urls-go")
                url_results = gr.Dataframe(headers=["address", "status", "reason"], interactive=False,
                                           label="Fetch results", elem_id="url-results", wrap=True)
            with gr.Column():
                feed_url = gr.Textbox(label="Feed address (RSS or Atom)", elem_id="feed-url")
                with gr.Row():
                    follow_btn = gr.Button("Follow feed", elem_id="feed-follow")
                    unfollow_btn = gr.Button("Stop following", size="sm", elem_id="feed-unfollow")
        feeds = gr.Dataframe(value=feed_rows, headers=["feed", "title", "last check", "last success", "entries",
                                                       "error"], interactive=False, label="Followed feeds "
                             "(`assistant watch` keeps them current)", elem_id="feeds", wrap=True)
    urls_btn.click(add_urls, [urls, search], [url_results, table, urls], api_name=False)
    follow_btn.click(follow, [feed_url, search], [feeds, table, feed_url], api_name=False)
    unfollow_btn.click(unfollow, [feed_url], [feeds, feed_url], api_name=False)


class UnsafeBindError(RuntimeError):
    pass


def check_bind(host: str, username: str | None, password: str | None, allow: bool) -> None:
    """Beyond loopback, a server without a password is refused unless explicitly allowed."""
    if not is_loopback(host) and not (username and password) and not allow:
        raise UnsafeBindError(
            f"refusing to listen on {host} without a username and password: set ASSISTANT_SERVER__USERNAME and "
            "ASSISTANT_SERVER__PASSWORD, or ASSISTANT_SERVER__ALLOW_UNAUTHENTICATED_REMOTE=true to override")

