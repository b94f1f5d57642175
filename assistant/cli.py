"""Command line: assistant ingest | ask | chat | brief | check | docs | delete | reindex | info | eval | serve
| keys | feeds | watch.

Start-up time is the product here (a question is one process): every command imports only
what it uses, inside the command. Measure with ``python -X importtime -m assistant.cli docs``
and ``python bench/cli_latency.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from assistant import _offline  # noqa: F401
from assistant.settings import Settings, explain_invalid

app = typer.Typer(
    help="Cited answers and briefs over your own library of news articles. Runs offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

_state: dict = {}

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where the library lives (ASSISTANT_DATA_DIR).")]


@app.callback()
def main(
    data_dir: DataDir = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings file (ASSISTANT_CONFIG).")] = None,
) -> None:
    if config is not None:
        os.environ["ASSISTANT_CONFIG"] = str(config)
    _state["overrides"] = {"data_dir": data_dir} if data_dir else {}


def _assistant():
    if "assistant" not in _state:
        from assistant.api import Assistant

        try:
            settings = Settings(**_state.get("overrides", {}))
        except Exception as exc:
            _fail(escape("invalid settings:\n  " + "\n  ".join(explain_invalid(exc))))
        _state["assistant"] = Assistant(settings)
    return _state["assistant"]


def _fail(message: str, code: int = 1):
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _guard(fn):
    """Known failures -> one clear line, no traceback."""
    from assistant.errors import IndexMismatchError, ModelError, StoreUnavailableError

    try:
        return fn()
    except (IndexMismatchError, StoreUnavailableError, ModelError, FileNotFoundError) as exc:
        _fail(str(exc))


FilterOpts = {
    "date_from": typer.Option("--from", help="Only articles dated on or after YYYY-MM-DD."),
    "date_to": typer.Option("--to", help="Only articles dated on or before YYYY-MM-DD."),
    "source": typer.Option("--source", help="Only articles from this source."),
    "section": typer.Option("--section", help="Only articles from this section."),
}


@app.command()
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders (recursive: .txt .md .html .json .jsonl) and http(s):// page URLs")] = None,
    feed: Annotated[list[str] | None, typer.Option(
        "--feed", help="Ingest the entries of this RSS/Atom feed once (`assistant feeds add` follows it).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add articles to the library. Unchanged files are skipped; changed files replace their old version;
    a URL fetched again replaces its earlier version."""
    from assistant.sources.fetch import is_url

    given = paths or []
    urls = [p for p in given if is_url(p)]
    local = [Path(p) for p in given if not is_url(p)]
    if not (local or urls or feed):
        _fail("say what to ingest: files, folders, http(s) URLs or --feed URL")
    bot = _assistant()

    def run():
        from assistant.documents import find_files

        files, _ = find_files(local)
        if as_json or len(files) < 2 or not sys.stderr.isatty():
            return bot.ingest(local)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        # Files done of all, files/s, elapsed and ETA; the description names the last file written.
        with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                      TextColumn("{task.fields[rate]}"),
                      TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                      TextColumn("{task.description}"), console=err, transient=True) as bar:
            task = bar.add_task("", total=len(files), rate="")

            def show(done: int, total: int, path: str) -> None:
                speed = bar.tasks[0].speed
                bar.update(task, completed=done, description=Path(path).name,
                           rate=f"{speed:.1f} files/s" if speed else "")

            return bot.ingest(local, progress=show)

    reports = [_guard(run)] if local else []
    if urls or feed:
        reports.extend(_guard(lambda: _ingest_web(bot, urls, feed or [], quiet=as_json)))
    report = _merge_reports(reports)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        console.print(
            f"{report.files} file(s)/page(s): {report.documents_added} new, {report.documents_unchanged} unchanged, "
            f"{report.documents_replaced} replaced; chunks +{report.chunks_added} "
            f"(skipped {report.chunks_skipped}, removed {report.chunks_deleted}) in {report.seconds:.1f}s"
        )
        for line in report.duplicates:
            console.print(f"[yellow]duplicate[/] {line}")
        for n in report.notes:
            console.print(f"[yellow]note[/] {n.path}: {n.reason}", soft_wrap=True)
        for e in report.errors:
            err.print(f"[red]skipped[/] {e.path}: {e.reason}", soft_wrap=True)
    stats = bot.stats()
    if not as_json:
        console.print(f"library: {stats['documents']} documents, {stats['chunks']} chunks")
    if report.errors and not (report.documents_added or report.documents_unchanged):
        raise typer.Exit(1)


def _ingest_web(bot, urls: list[str], feeds: list[str], quiet: bool) -> list:
    """Pages by URL and feeds given once on the command line (not followed)."""
    from assistant.ingest import IngestReport
    from assistant.sources.feeds import check_feed
    from assistant.sources.fetch import Fetcher, FetchError, block_private_for, load_url

    reports = []
    with Fetcher(bot.settings.fetch, block_private_for(bot.settings)) as fetcher:
        if urls:
            reports.append(bot.ingestor.ingest_loaded(load_url(u, fetcher) for u in urls))
        for url in feeds:
            check = check_feed(url, bot.ingestor, fetcher, bot.settings.fetch)
            if check.error:
                reports.append(IngestReport(files=1, errors=[FetchError(check.url, check.error)]))
                continue
            if not quiet:
                console.print(f"feed {check.summary()}", markup=False, soft_wrap=True)
            reports.append(check.report)
    return reports


def _merge_reports(reports: list):
    from assistant.ingest import IngestReport

    total = IngestReport()
    for r in reports:
        for name in ("files", "documents_added", "documents_unchanged", "documents_replaced", "chunks_added",
                     "chunks_skipped", "chunks_deleted", "seconds"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.duplicates.extend(r.duplicates)
        total.errors.extend(r.errors)
        total.notes.extend(r.notes)
    return total


def _print_answer(answer, show_timing: bool = False) -> None:
    from rich.panel import Panel
    from rich.text import Text

    style = "yellow" if answer.abstained else ("cyan" if answer.mode == "extractive" else "green")
    body = Text()
    short = answer.short_answer
    if short:
        # The direct answer first, in bold, with the citation it comes from.
        body.append(short.text, style="bold")
        body.append(f" [{short.citation}]\n\n")
    body.append(answer.answer)
    console.print(Panel(body, border_style=style, title=answer.mode))
    if answer.note:
        console.print(f"[dim]{answer.note}[/]")
    listing = answer.citations or answer.related
    if listing:
        console.print("[bold]Sources[/]" if answer.citations else "[bold]Closest passages[/]")
        for c in listing:
            console.print(f"[bold][{c.id}][/] {c.title} ({c.date or 'undated'}, {c.source})")
            console.print(_quote_with_span(c, short))
    if show_timing:
        t = answer.timings
        generate = f"generate {t['generate_ms']:.0f} ms, " if t.get("generate_ms") else "no model ran, "
        console.print(f"[dim]retrieve {t.get('retrieve_ms', 0):.0f} ms, evidence {t.get('evidence_ms', 0):.0f} ms, "
                      f"{generate}short answer {t.get('short_answer_ms', 0):.0f} ms, "
                      f"total {t.get('total_ms', 0):.0f} ms[/]")


def _quote_with_span(citation, short):
    """A cited quote, dimmed, with the short answer's span highlighted where it sits."""
    from rich.text import Text

    text = Text("    “", style="dim")
    quote = citation.quote
    if short and short.citation == citation.id and citation.start <= short.start and short.end <= citation.end:
        a, b = short.start - citation.start, short.end - citation.start
        text.append(quote[:a], style="dim")
        text.append(quote[a:b], style="bold underline")
        text.append(quote[b:], style="dim")
    else:
        text.append(quote, style="dim")
    text.append("”", style="dim")
    return text


def _stream_answer(bot, question: str, history, filters) -> object:
    """Show what the assistant is doing, then the verified, cited answer. The model's draft is
    never printed: only sentences that passed the check reach the screen."""
    from rich.live import Live
    from rich.text import Text

    answer = None
    live_ok = console.is_terminal
    with Live(Text("searching…", style="dim"), console=console, transient=True,
              auto_refresh=live_ok, refresh_per_second=12) as live:
        for event in bot.ask_stream(question, history=history, filters=filters):
            if event.type == "status" and live_ok:
                live.update(Text(f"{event.text}…", style="dim"))
            elif event.type == "answer":
                answer = event.answer
    return answer


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    date_from: Annotated[str | None, FilterOpts["date_from"]] = None,
    date_to: Annotated[str | None, FilterOpts["date_to"]] = None,
    source: Annotated[str | None, FilterOpts["source"]] = None,
    section: Annotated[str | None, FilterOpts["section"]] = None,
    timing: Annotated[bool, typer.Option("--timing", help="Show where the time went.")] = False,
) -> None:
    """Answer a question from the library, citing the passages it comes from."""
    _state["reads_only"] = True
    from assistant.api import make_filters

    bot = _assistant()
    _guard(bot.preload)  # the models load while the index opens
    filters = make_filters(date_from=date_from, date_to=date_to, source=source, section=section)
    if as_json:
        answer = _guard(lambda: bot.ask(question, filters=filters))
        print(json.dumps(answer.to_json_dict(), indent=2, ensure_ascii=False))
        return
    answer = _guard(lambda: _stream_answer(bot, question, None, filters))
    _print_answer(answer, timing)


@app.command()
def chat(
    date_from: Annotated[str | None, FilterOpts["date_from"]] = None,
    date_to: Annotated[str | None, FilterOpts["date_to"]] = None,
    source: Annotated[str | None, FilterOpts["source"]] = None,
    section: Annotated[str | None, FilterOpts["section"]] = None,
) -> None:
    """Interactive chat: follow-up questions keep their context. Empty line or Ctrl-D quits."""
    from assistant.api import make_filters

    bot = _assistant()
    _guard(bot.preload)
    filters = make_filters(date_from=date_from, date_to=date_to, source=source, section=section)
    history: list[tuple[str, str]] = []
    console.print("[dim]Ask about your articles. Empty line to quit.[/]")
    while True:
        try:
            question = console.input("[bold]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        answer = _guard(lambda q=question: _stream_answer(bot, q, history, filters))
        _print_answer(answer)
        history.append((question, answer.answer))


@app.command()
def brief(
    targets: Annotated[list[str] | None, typer.Argument(help="Document ids, files or folders.")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Brief the articles about this topic.")] = None,
    date_from: Annotated[str | None, FilterOpts["date_from"]] = None,
    date_to: Annotated[str | None, FilterOpts["date_to"]] = None,
    source: Annotated[str | None, FilterOpts["source"]] = None,
    section: Annotated[str | None, FilterOpts["section"]] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="extractive (default) or abstractive.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the brief as JSON.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Also write the Markdown here.")] = None,
) -> None:
    """Brief one article, a set (ids, a folder, a date range, a source) or a topic, with citations."""
    from assistant.api import make_filters

    bot = _assistant()
    targets = targets or []
    known = {d.doc_id for d in bot.documents()} if targets else set()
    ids = [t for t in targets if t in known]
    paths = [Path(t) for t in targets if t not in known]
    for p in paths:
        if not p.exists():
            _fail(f"{p}: not a document id (see `assistant docs`) nor an existing file or folder")
    filters = make_filters(date_from=date_from, date_to=date_to, source=source, section=section)
    if not (ids or paths or topic or filters):
        _fail("say what to brief: document ids, files/folders, --topic, or --from/--to/--source/--section")

    from rich.markdown import Markdown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    def run():
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("selecting", total=None)
            return bot.brief(doc_ids=ids or None, paths=paths or None, topic=topic, filters=filters, mode=mode,
                             progress=lambda p: bar.update(task, description=p.stage, completed=p.done,
                                                           total=p.total))

    try:
        result = _guard(run)
    except ValueError as exc:
        _fail(str(exc))
    if output:
        output.write_text(result.to_markdown(), encoding="utf-8")
    if as_json:
        print(json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False))
    else:
        console.print(Markdown(result.to_markdown()))


@app.command()
def check(
    claims: Annotated[list[str], typer.Argument(help="Claims to check, each one sentence.")],
    passages: Annotated[list[str], typer.Option("--passage", "-p", help="A source passage (repeat for several).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Is each claim supported by the passages? A calibrated score (0-1) and a yes/no per claim."""
    _state["reads_only"] = True
    passages = [p for p in passages if p.strip()]
    if not passages:
        _fail("give at least one non-empty --passage")
    bot = _assistant()
    results = _guard(lambda: bot.support(claims, passages))
    if as_json:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2, ensure_ascii=False))
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold")
        for col in ("claim", "supported", "score", "passage", "why not"):
            table.add_column(col)
        for r in results:
            table.add_row(Text(r.claim), "[green]yes[/]" if r.supported else "[red]no[/]", f"{r.score:.2f}",
                          ", ".join(str(i + 1) for i in r.passages), Text(r.reason))
        console.print(table)


@app.command("eval")
def eval_(
    sets: Annotated[Path | None, typer.Option("--sets", help="Reference sets folder (default evals/sets).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Report folder (default: eval-reports/latest in the "
                                             "data folder, outside the source tree).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Baseline (default evals/baseline.json).")] = None,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="Write this run as the new baseline.")]
    = False,
) -> None:
    """Score answers, citations and briefs against the reference Q&A; fail on regressions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from assistant import evals

    sets = sets or evals.EVALS / "sets"
    settings = _assistant().settings
    out = out or settings.data_dir / "eval-reports" / "latest"
    baseline = baseline or evals.EVALS / "baseline.json"
    try:
        evals.load_suite(sets)
    except evals.EvalSetError as exc:
        _fail(str(exc))
    with Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task("loading models", total=None)
        result = _guard(lambda: evals.run_suite(settings, sets, progress=lambda d, n, what: bar.update(
            task, completed=d, total=n, description=what)))
    previous = json.loads(baseline.read_text())["metrics"] if baseline.exists() else None
    failures = [] if update_baseline else evals.gate(result["metrics"], previous, evals.load_gate())
    json_path, md_path = evals.write_reports(result, out, previous, failures)
    table = Table("metric", "value", "baseline", title=f"eval: {sum(result['counts'].values())} items, "
                  f"{result['seconds']} s")
    for name in evals.METRICS:
        base = evals.shown(previous[name]) if previous and name in previous else "-"
        label = f"{name} (not gated)" if name in evals.REPORTED_ONLY else name
        table.add_row(label, evals.shown(result["metrics"].get(name)), base)
    console.print(table)
    console.print(f"reports: {md_path} {json_path}")
    if update_baseline:
        baseline.write_text(json.dumps({"metrics": result["metrics"], "counts": result["counts"],
                                        "settings": result["settings"]}, indent=2) + "\n")
        console.print(f"[green]baseline updated:[/] {baseline}")
        return
    if failures:
        for f in failures:
            err.print(f"[bold red]FAIL[/] {f}")
        raise typer.Exit(1)
    console.print("[green]PASS[/]: no metric below its floor or beyond its tolerance")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (ASSISTANT_SERVER__HOST).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (ASSISTANT_SERVER__PORT).")] = None,
) -> None:
    """Start the web app and the HTTP API under /v1 (default http://127.0.0.1:7860)."""
    from assistant.http.auth import KeyPolicyError
    from assistant.http.server import serve as run_server
    from assistant.ui.app import UnsafeBindError

    bot = _assistant()
    try:
        _guard(lambda: run_server(bot, host, port))
    except (UnsafeBindError, KeyPolicyError) as exc:
        _fail(str(exc))


keys_app = typer.Typer(help="API keys for the HTTP API (only their SHA-256 is stored, under the data dir).",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who or what uses the key (shown in logs instead of the key).")],
    rate: Annotated[float | None, typer.Option("--rate", help="Requests per minute for this key "
                                                               "(default ASSISTANT_API__RATE_PER_MINUTE).")] = None,
    burst: Annotated[int | None, typer.Option("--burst", help="Requests at once for this key "
                                                              "(default ASSISTANT_API__BURST).")] = None,
) -> None:
    """Make a new API key. It is printed once, on stdout; only its hash is kept."""
    from assistant.http.auth import KeyPolicyError, add_key

    path = _assistant().settings.api_keys_file
    try:
        key = add_key(path, name, rate, burst)
    except (ValueError, KeyPolicyError) as exc:
        _fail(str(exc))
    err.print(f"key [bold]{name}[/] created; its SHA-256 is stored in {path}. Copy the key now: it is not shown again.")
    print(key)


@keys_app.command("list")
def keys_list() -> None:
    """The API keys' names (never the keys)."""
    from assistant.http.auth import KeyPolicyError, list_keys

    settings = _assistant().settings
    try:
        rows = list_keys(settings.api_keys_file)
    except KeyPolicyError as exc:
        _fail(str(exc))
    from rich.table import Table

    table = Table("name", "created", "rate/min", "from")
    for k in settings.api.keys:
        table.add_row(k.name, "", str(k.rate_per_minute or ""), "settings")
    for r in rows:
        table.add_row(r["name"], r.get("created", ""), str(r.get("rate_per_minute") or ""), str(settings.api_keys_file))
    console.print(table)


@keys_app.command("remove")
def keys_remove(name: Annotated[str, typer.Argument(help="The key's name (see `assistant keys list`).")]) -> None:
    """Revoke an API key from the keys file (a running server notices at once)."""
    from assistant.http.auth import KeyPolicyError, remove_key

    path = _assistant().settings.api_keys_file
    try:
        removed = remove_key(path, name)
    except KeyPolicyError as exc:
        _fail(str(exc))
    if not removed:
        _fail(f"no key named {name!r} in {path}")
    console.print(f"removed key {name}")


@app.command()
def docs(
    search: Annotated[str | None, typer.Option("--search", help="Filter by title or source.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="Newest N documents; 0 lists all. "
                                              "Default: 50 in the table, all with --json.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the documents in the library, newest first.

    Examples: `assistant docs`, `assistant docs --search Taliban`, `assistant docs -n 0`,
    `assistant docs --json | jq length`.
    """
    _state["reads_only"] = True
    rows = _guard(lambda: _assistant().documents(search=search))  # the catalog alone: no Chroma, no model
    shown = rows if not (limit := (limit if limit is not None else (0 if as_json else 50))) else rows[:limit]
    if as_json:
        print(json.dumps([r.__dict__ for r in shown], indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    # The newest 50 by default (like `llm logs`): a library of thousands is read with --search,
    # and rendering every row of 600 documents took 0.4 s of a 1.0 s command.
    table = Table("id", "date", "title", "source", "chunks")
    for r in shown:
        table.add_row(r.doc_id, r.date or "", r.title, r.source, str(r.n_chunks))
    console.print(table)
    more = f" (the newest {len(shown)} shown; --limit 0 lists all)" if len(shown) < len(rows) else ""
    console.print(f"{len(rows)} document(s){more}")


@app.command()
def delete(doc_ids: Annotated[list[str], typer.Argument(help="Document ids (see `assistant docs`).")]) -> None:
    """Remove documents from the library (vectors, keyword index and catalog)."""
    bot = _assistant()
    known = {r.doc_id for r in bot.documents()}
    missing = [d for d in doc_ids if d not in known]
    if missing:
        _fail(f"no such document: {', '.join(missing)}")
    removed = _guard(lambda: bot.delete(doc_ids))
    console.print(f"removed {len(doc_ids)} document(s), {removed} chunk(s)")


@app.command()
def reindex() -> None:
    """Re-chunk and re-embed every document (after changing chunking or the embedding model)."""
    report = _guard(lambda: _assistant().reindex())
    console.print(f"re-indexed {report.documents_added} documents into {report.chunks_added} chunks "
                  f"in {report.seconds:.1f}s")


@app.command()
def info() -> None:
    """Show which models and backends answer, and the library size."""
    _state["reads_only"] = True
    from rich.table import Table

    bot = _assistant()
    table = Table("setting", "value", show_header=False)
    for key, value in bot.describe().items():
        table.add_row(key, value)
    stats = _guard(bot.stats)
    table.add_row("library", f"{stats['documents']} documents, {stats['chunks']} chunks")
    built = bot.index.built_with
    table.add_row("index built with", f"{built['embedding_model']} ({built['embedding_runtime']})")
    console.print(table)


# ---- feeds and watched folders (issue 17) ---------------------------------------------------
feeds_app = typer.Typer(help="Follow RSS/Atom feeds; `assistant watch` checks them.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


def _registry():
    """The feed and folder registry, without loading any model."""
    from assistant.catalog import Catalog, SourceRegistry, make_engine

    settings = _assistant().settings
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return SourceRegistry(Catalog(make_engine(settings.catalog_url)))


def _when(stamp: float | None) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "never"


@feeds_app.command("add")
def feeds_add(
    urls: Annotated[list[str], typer.Argument(help="Feed URLs (RSS or Atom).")],
    no_fetch: Annotated[bool, typer.Option("--no-fetch", help="Only register; `assistant watch` fetches.")] = False,
) -> None:
    """Follow feeds: their entries are ingested now and on every `assistant watch` pass."""
    from assistant.catalog import SourceRegistry
    from assistant.sources.feeds import check_feed
    from assistant.sources.fetch import Fetcher, block_private_for, is_url, normalize_url

    bad = [u for u in urls if not is_url(u) or not u.lower().startswith(("http://", "https://"))]
    if bad:
        _fail(f"{bad[0]}: a feed must be an http:// or https:// address")
    registry = _registry()
    for url in urls:
        added = registry.add("feed", normalize_url(url))
        console.print(f"{'following' if added else 'already following'} {normalize_url(url)}")
    if no_fetch:
        return
    bot = _assistant()
    failed = 0
    with Fetcher(bot.settings.fetch, block_private_for(bot.settings)) as fetcher:
        for url in urls:
            check = _guard(lambda u=url: check_feed(u, bot.ingestor, fetcher, bot.settings.fetch,
                                                    SourceRegistry(bot.index.catalog)))
            if check.error:
                failed += 1
                err.print(f"[red]failed[/] {check.url}: {check.error} (kept; `assistant watch` retries)",
                          soft_wrap=True)
                continue
            console.print(f"feed {check.summary()}", markup=False, soft_wrap=True)
            for e in check.report.errors:
                err.print(f"[red]skipped[/] {e.path}: {e.reason}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@feeds_app.command("list")
def feeds_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Followed feeds with their last check and last error."""
    rows = _registry().list("feed")
    if as_json:
        print(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("feed", "title", "last check", "last success", "entries", "error")
    for r in rows:
        table.add_row(r.location, r.title or "", _when(r.checked_at), _when(r.ok_at), str(r.items), r.error or "")
    console.print(table)
    console.print(f"{len(rows)} feed(s)")


@feeds_app.command("remove")
def feeds_remove(urls: Annotated[list[str], typer.Argument(help="Feed URLs.")]) -> None:
    """Stop following feeds. Articles already ingested stay (`assistant delete` removes them)."""
    from assistant.sources.fetch import normalize_url

    registry = _registry()
    missing = [u for u in urls if not registry.remove(normalize_url(u))]
    for u in urls:
        if u not in missing:
            console.print(f"no longer following {normalize_url(u)}")
    if missing:
        _fail(f"not following: {', '.join(missing)} (see `assistant feeds list`)")


@app.command()
def watch(
    every: Annotated[str | None, typer.Option("--every", help="Interval: 30s, 15m, 2h (default 15m).")]
    = None,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    add: Annotated[list[Path] | None, typer.Option("--add", help="Watch this folder (repeatable).")] = None,
    remove: Annotated[list[Path] | None, typer.Option("--remove", help="Stop watching this folder.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Show watched folders and feeds, then exit.")] = False,
) -> None:
    """Keep the library current: re-scan watched folders and feeds, ingest what is new or changed.
    Safe to stop with Ctrl-C and to run beside `assistant serve`."""
    from assistant.sources.watch import Watcher, parse_every

    registry = _registry()
    for folder in add or []:
        path = folder.expanduser().resolve()
        if not path.is_dir():
            _fail(f"{folder}: not a folder")
        console.print(f"{'watching' if registry.add('folder', str(path)) else 'already watching'} {path}")
    for folder in remove or []:
        path = str(folder.expanduser().resolve())
        if not registry.remove(path):
            _fail(f"{folder}: not a watched folder (see `assistant watch --list`)")
        console.print(f"no longer watching {path} (its articles stay in the library)")
    if list_:
        from rich.table import Table

        table = Table("kind", "location", "last check", "last success", "items", "error")
        for r in registry.list():
            table.add_row(r.kind, r.location, _when(r.checked_at), _when(r.ok_at), str(r.items), r.error or "")
        console.print(table)
        return
    if (add or remove) and not once and every is None:
        return
    bot = _assistant()
    try:
        seconds = parse_every(every or bot.settings.ingest.watch_every)
    except ValueError as exc:
        _fail(str(exc))
    watcher = Watcher(bot, log=lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True))
    try:
        if once:
            errors = _guard(watcher.run_once)
            if errors:
                raise typer.Exit(1)
            return
        console.print(f"[dim]watching every {every or bot.settings.ingest.watch_every}; Ctrl-C stops[/]")
        _guard(lambda: watcher.run(seconds))
    except KeyboardInterrupt:
        console.print("stopped (anything not finished is picked up on the next run)")


def run() -> None:
    """The console script. After a command that only reads the library (ask, check, docs,
    info; not brief, which ingests the paths it is given) has run the atexit hooks and flushed
    its output, the process ends with
    ``os._exit``: the interpreter's teardown of the modules a question loads (chromadb,
    onnxruntime, SQLAlchemy, pydantic) took 0.20 s of a 2.2 s cold ``ask --json`` (2-core
    machine, two runs each way; chromadb alone 0.1 s). Commands that write (ingest, delete,
    reindex, feeds, watch, serve, eval's reports) end the ordinary way. Tests that call ``app``
    directly are unaffected; tests/test_cli_exit.py runs the script."""
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if _state.get("reads_only") and (code is None or isinstance(code, int)):
        _exit_quickly(code or 0)
    raise SystemExit(code)


def _exit_quickly(code: int) -> None:
    import atexit

    atexit._run_exitfuncs()  # logging.shutdown and any library's hooks, as at a normal exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        return  # the ordinary exit reports nothing more for a closed pipe than this would
    os._exit(code)


if __name__ == "__main__":
    run()
