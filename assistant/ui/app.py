"""The Gradio app: Ask (chat with sources), Brief, Library, Settings. Talks only to Assistant.

Offline and safe by construction: system fonts only (no Google Fonts), analytics off, no
external scripts or images; every piece of article text is HTML-escaped before it reaches
the page, so markup inside an article is shown as text and never executed.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant, make_filters
from assistant.types import Answer, Citation

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial",
                "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

CSS = """
.sources { max-height: 640px; overflow-y: auto; }
.source { border-left: 3px solid #9ca3af; padding: 6px 10px; margin: 8px 0; background: var(--block-background-fill); }
.source.focus { border-left-color: #f59e0b; box-shadow: 0 0 0 2px #f59e0b55; }
.source h4 { margin: 0 0 4px 0; font-size: 0.95em; }
.source .meta { color: #6b7280; font-size: 0.85em; }
.source p { margin: 6px 0 0 0; font-size: 0.92em; line-height: 1.45; }
.source mark { background: #fde68a; padding: 0 2px; }
.turn { font-weight: 600; margin-top: 14px; }
.abstained { color: #92400e; }
a.cite { text-decoration: none; font-weight: 600; }
#brief-out ol { padding-left: 2.6em; }  /* room for two-digit source numbers */
"""

# Clicking a citation marker brings its source into view and outlines it (inline, no network).
HEAD = """
<script>
document.addEventListener('click', function (event) {
  const link = event.target.closest('a.cite, a[href^="#src-"]');
  if (!link) return;
  const id = (link.getAttribute('href') || '').slice(1);
  const target = document.getElementById(id);
  if (!target) return;
  event.preventDefault();
  event.stopPropagation();
  document.querySelectorAll('.source.focus').forEach(function (el) { el.classList.remove('focus'); });
  target.classList.add('focus');
  target.scrollIntoView({behavior: 'smooth', block: 'center'});
}, true);
</script>
"""

_MARKER = re.compile(r"\[(\d+)\]")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def theme() -> gr.themes.Base:
    return gr.themes.Base(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


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


# ---- rendering (all article text escaped) -------------------------------------------------------
def paragraph_with_mark(text: str, start: int, end: int) -> str:
    """The paragraph around text[start:end], escaped, with the quote highlighted."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    before, quote, after = text[para_start:start], text[start:end], text[end:para_end]
    return f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}"


def render_source(bot: Assistant, c: Citation, anchor: str) -> str:
    text = bot.document_text(c.doc_id) or c.quote
    body = paragraph_with_mark(text, c.start, c.end) if text[c.start : c.end] == c.quote else (
        f"<mark>{html.escape(c.quote)}</mark>")
    return (f'<div class="source" id="{anchor}"><h4>[{c.id}] {html.escape(c.title)}</h4>'
            f'<div class="meta">{html.escape(c.date or "undated")} · {html.escape(c.source)}</div>'
            f"<p>{body}</p></div>")


def render_turn(bot: Assistant, turn: int, question: str, answer: Answer) -> str:
    listing = answer.citations or answer.related
    label = "Sources" if answer.citations else "Closest passages (the articles do not answer this)"
    head = f'<div class="turn">Q{turn}: {html.escape(question)} — {label}</div>'
    items = "".join(render_source(bot, c, f"src-{turn}-{c.id}") for c in listing)
    return head + (items or '<div class="meta">No passages.</div>')


def render_reply(turn: int, answer: Answer) -> str:
    """The reply for the chat: escaped text, markers linked to their sources, notes."""
    text = html.escape(answer.answer)
    text = _MARKER.sub(lambda m: f'<a class="cite" href="#src-{turn}-{m.group(1)}">[{m.group(1)}]</a>', text)
    if answer.abstained:
        text = f'<span class="abstained">{text}</span>'
        if answer.related:
            text += "<br><em>The closest passages are listed under Sources.</em>"
    if answer.note and not answer.abstained:
        text += f"<br><em>{html.escape(answer.note)}</em>"
    return text


# ---- the app --------------------------------------------------------------------------------------
def build(bot: Assistant) -> gr.Blocks:
    write_lock = threading.Lock()  # one ingest/delete at a time; questions run concurrently
    upload_dir = bot.settings.data_dir / "uploads"
    limits = bot.settings.server

    def sources_choices() -> list[str]:
        return sorted({d.source for d in bot.documents() if d.source})

    def doc_choices() -> list[tuple[str, str]]:
        return [(f"{d.title} ({d.date or 'undated'})", d.doc_id) for d in bot.documents()]

    def library_rows(search: str = "") -> list[list[Any]]:
        return [[d.title, d.date or "", d.source, d.n_chunks, d.doc_id] for d in bot.documents(search=search or None)]

    # ---- Ask ----
    def respond(message: str, chat: list[dict], panel: str, date_from: str, date_to: str, source: str | None):
        message = (message or "").strip()
        if not message:
            yield "", chat, panel
            return
        history = []
        users = [m for m in chat if m["role"] == "user"]
        bots = [m for m in chat if m["role"] == "assistant"]
        for u, a in zip(users, bots, strict=False):
            history.append((_plain(u["content"]), _plain(a["content"])))
        turn = len(users) + 1
        chat = [*chat, {"role": "user", "content": html.escape(message)},
                {"role": "assistant", "content": "<em>Searching the library…</em>"}]
        yield "", chat, panel
        filters = make_filters(date_from=date_from or None, date_to=date_to or None, source=source or None)
        try:
            for event in bot.ask_stream(message, history=history, filters=filters):
                # Status only while the answer is checked: no unverified model text is shown.
                if event.type == "status":
                    chat[-1]["content"] = f"<em>{html.escape(event.text)}…</em>"
                    yield "", chat, panel
                elif event.type == "answer":
                    answer = event.answer
                    chat[-1]["content"] = render_reply(turn, answer)
                    panel = render_turn(bot, turn, message, answer) + panel
                    yield "", chat, panel
        except Exception as exc:  # show the failure in the conversation; never hang
            chat[-1]["content"] = f"<strong>Error:</strong> {html.escape(str(exc))}"
            yield "", chat, panel

    # ---- Brief ----
    def make_brief(doc_ids: list[str], topic: str, date_from: str, date_to: str, mode: str,
                   progress: gr.Progress = gr.Progress()):
        if not (doc_ids or (topic or "").strip() or date_from or date_to):
            raise gr.Error("Choose articles, type a topic, or give a date range.")
        try:
            brief = bot.brief(doc_ids=doc_ids or None, topic=(topic or "").strip() or None, mode=mode,
                              date_from=date_from or None, date_to=date_to or None,
                              progress=lambda stage, done, total: progress((done, total), desc=stage))
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        markdown = brief.to_markdown()
        out = Path(tempfile.mkdtemp(prefix="brief-")) / "brief.md"
        out.write_text(markdown, encoding="utf-8")
        return html.escape(markdown, quote=False), gr.update(value=str(out), visible=True)

    # ---- Library ----
    def upload(files: list[str] | None, search: str):
        if not files:
            raise gr.Error("Choose one or more files first.")
        try:
            placed, refused = stage_uploads(files, upload_dir, limits.max_upload_files, limits.max_upload_mb)
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        with write_lock:
            report = bot.ingest(placed) if placed else None
        rows = [[name, "error", reason] for name, reason in refused]
        if report is None:
            return rows, library_rows(search), gr.update(choices=doc_choices()), gr.update(choices=doc_choices())
        bad = {Path(e.path.split(" (")[0]).name: e.reason for e in report.errors}
        dups = {line.split(":")[0]: line for line in report.duplicates}
        for p in placed:
            if p.name in bad:
                rows.append([p.name, "error", bad[p.name]])
            elif str(p) in dups:
                rows.append([p.name, "duplicate", dups[str(p)].split(": ", 1)[-1]])
            else:
                rows.append([p.name, "added", ""])
        return rows, library_rows(search), gr.update(choices=doc_choices()), gr.update(choices=doc_choices())

    def delete(doc_ids: list[str], search: str):
        if not doc_ids:
            raise gr.Error("Select documents to delete.")
        with write_lock:
            removed = bot.delete(doc_ids)
        gr.Info(f"Deleted {len(doc_ids)} document(s), {removed} chunk(s).")
        return library_rows(search), gr.update(choices=doc_choices(), value=[]), gr.update(choices=doc_choices())

    def reindex(search: str):
        with write_lock:
            report = bot.reindex()
        gr.Info(f"Re-indexed {report.documents_added} documents into {report.chunks_added} chunks.")
        return library_rows(search)

    with gr.Blocks(title="News assistant", analytics_enabled=False) as demo:
        gr.Markdown("## News assistant\nAnswers and briefs from your own articles; every claim cites its passage.")
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Conversation", height=520, sanitize_html=True, render_markdown=False,
                                      feedback_options=None, elem_id="chat")
                    question = gr.Textbox(label="Question", placeholder="What did Wang Yi ask of the Taliban?",
                                          elem_id="question", submit_btn=True)
                    with gr.Accordion("Filters", open=False), gr.Row():
                        date_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="ask-from")
                        date_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="ask-to")
                        source = gr.Dropdown(label="Source", choices=sources_choices(), value=None,
                                             allow_custom_value=False, elem_id="ask-source")
                    clear = gr.Button("New conversation", size="sm")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    panel = gr.HTML("", elem_classes=["sources"], elem_id="sources")
            question.submit(respond, [question, chat, panel, date_from, date_to, source], [question, chat, panel],
                            api_name="ask")
            clear.click(lambda: ([], ""), None, [chat, panel], api_name=False)

        with gr.Tab("Brief", id="brief"):
            with gr.Row():
                with gr.Column(scale=2):
                    brief_docs = gr.Dropdown(label="Articles", choices=doc_choices(), multiselect=True,
                                             elem_id="brief-docs")
                    brief_topic = gr.Textbox(label="…or a topic", placeholder="China–Taliban relations",
                                             elem_id="brief-topic")
                    with gr.Row():
                        brief_from = gr.Textbox(label="From (YYYY-MM-DD)")
                        brief_to = gr.Textbox(label="To (YYYY-MM-DD)")
                    brief_mode = gr.Radio(["extractive", "abstractive"], value=bot.settings.brief.mode,
                                          label="Mode")
                    brief_btn = gr.Button("Write brief", variant="primary", elem_id="brief-go")
                with gr.Column(scale=3):
                    brief_out = gr.Markdown(elem_id="brief-out", sanitize_html=True)
                    brief_file = gr.DownloadButton("Download Markdown", visible=False, elem_id="brief-download")
            brief_btn.click(make_brief, [brief_docs, brief_topic, brief_from, brief_to, brief_mode],
                            [brief_out, brief_file], api_name="brief")

        with gr.Tab("Library", id="library"):
            with gr.Row():
                with gr.Column(scale=2):
                    files = gr.File(label="Add articles (.txt .md .html .json .jsonl)", file_count="multiple",
                                    file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"],
                                    elem_id="upload")
                    ingest_btn = gr.Button("Add to library", variant="primary", elem_id="ingest")
                    results = gr.Dataframe(headers=["file", "status", "reason"], label="Upload results",
                                           interactive=False, elem_id="upload-results")
                with gr.Column(scale=3):
                    search = gr.Textbox(label="Search titles and sources", elem_id="lib-search")
                    table = gr.Dataframe(value=library_rows(), headers=["title", "date", "source", "chunks", "id"],
                                         interactive=False, label="Documents", elem_id="library", wrap=True,
                                         column_widths=["44%", "13%", "21%", "8%", "14%"])
                    with gr.Row():
                        to_delete = gr.Dropdown(label="Delete", choices=doc_choices(), multiselect=True,
                                                elem_id="delete-docs")
                        delete_btn = gr.Button("Delete selected", variant="stop", elem_id="delete")
                    reindex_btn = gr.Button("Re-index everything", size="sm")
            search.change(library_rows, [search], [table], api_name=False)
            ingest_btn.click(upload, [files, search], [results, table, to_delete, brief_docs], api_name=False)
            delete_btn.click(delete, [to_delete, search], [table, to_delete, brief_docs], api_name=False)
            reindex_btn.click(reindex, [search], [table], api_name=False)
            web_sources_panel(bot, write_lock, table, search, library_rows)

        with gr.Tab("Settings", id="settings"):
            gr.Markdown("What answers you (read-only; change with ASSISTANT_* variables or a config file).")
            gr.JSON(value=bot.describe(), label="Models and backends")
            gr.JSON(value=bot.settings.public_view(), label="All settings")

        demo.load(lambda: (library_rows(), gr.update(choices=doc_choices()), gr.update(choices=doc_choices()),
                           gr.update(choices=sources_choices())),
                  None, [table, brief_docs, to_delete, source], api_name=False)
    return demo


def web_sources_panel(bot: Assistant, write_lock: threading.Lock, table: gr.Dataframe, search: gr.Textbox,
                      library_rows: Any) -> None:
    """Library tab, issue 17: add pages by URL, follow feeds, see each feed's last check and error.
    Self-contained: its own components and handlers; it only refreshes the library table."""
    from datetime import datetime

    from assistant.catalog import SourceRegistry
    from assistant.sources.feeds import check_feed
    from assistant.sources.fetch import Fetcher, block_private_for, is_url, load_url, normalize_url

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
        not_web = [u for u in urls if not (is_url(u) and u.lower().startswith(("http://", "https://")))]
        with write_lock, fetcher() as f:
            report = bot.ingestor.ingest_loaded(load_url(u, f) for u in urls if u not in not_web)
        failed = {e.path: e.reason for e in report.errors}
        failed.update({u: "only http:// and https:// addresses can be fetched" for u in not_web})
        notes = {n.path: n.reason for n in report.notes}
        rows = []
        for u in urls:
            key = u if u in failed else normalize_url(u)
            status = "error" if key in failed else ("added (note)" if key in notes else "added")
            rows.append([u, status, failed.get(key) or notes.get(key, "")])
        return rows, library_rows(query), ""

    def follow(url: str, query: str):
        url = (url or "").strip()
        if not (is_url(url) and url.lower().startswith(("http://", "https://"))):
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


def _plain(content: Any) -> str:
    """Chat history back to plain text for follow-up questions."""
    text = content if isinstance(content, str) else str(content)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class UnsafeBindError(RuntimeError):
    pass


def check_bind(host: str, username: str | None, password: str | None, allow: bool) -> None:
    """Beyond loopback, a server without a password is refused unless explicitly allowed."""
    loopback = host in {"127.0.0.1", "localhost", "::1"} or host.startswith("127.")
    if not loopback and not (username and password) and not allow:
        raise UnsafeBindError(
            f"refusing to listen on {host} without a username and password: set ASSISTANT_SERVER__USERNAME and "
            "ASSISTANT_SERVER__PASSWORD, or ASSISTANT_SERVER__ALLOW_UNAUTHENTICATED_REMOTE=true to override")


def serve(bot: Assistant, host: str | None = None, port: int | None = None) -> None:
    s = bot.settings.server
    host = host or s.host
    port = port or s.port
    password = s.password.get_secret_value() if s.password else None
    check_bind(host, s.username, password, s.allow_unauthenticated_remote)
    s.host = host  # fetches from the Library tab refuse private addresses when this is not loopback
    bot.index  # noqa: B018  (open the index and load the models before the first visitor)
    bot.embeddings.embed_query("warm up")
    demo = build(bot)
    demo.queue(default_concurrency_limit=s.concurrency, max_size=64)
    demo.launch(
        server_name=host, server_port=port, share=False, show_error=True, quiet=False,
        auth=(s.username, password) if s.username and password else None,
        max_file_size=f"{s.max_upload_mb}mb", theme=theme(), css=CSS, head=HEAD,
        footer_links=["settings"], ssr_mode=False, mcp_server=False, pwa=False,
    )
