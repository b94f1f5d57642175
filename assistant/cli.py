"""Command line: assistant ingest | ask | chat | brief | docs | delete | reindex | info | eval | serve.

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

from assistant import _offline  # noqa: F401
from assistant.settings import Settings

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
            _fail(f"invalid settings: {exc}")
        _state["assistant"] = Assistant(settings)
    return _state["assistant"]


def _fail(message: str, code: int = 1):
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _guard(fn):
    """Known failures -> one clear line, no traceback."""
    from assistant.index import IndexMismatchError, StoreUnavailableError
    from assistant.models import ModelError

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
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (recursive): .txt .md .html .json .jsonl")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add articles to the library. Unchanged files are skipped; changed files replace their old version."""
    bot = _assistant()

    def run():
        from assistant.documents import find_files

        files, _ = find_files(paths)
        if as_json or len(files) < 2 or not sys.stderr.isatty():
            return bot.ingest(paths)
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

            return bot.ingest(paths, progress=show)

    report = _guard(run)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        console.print(
            f"{report.files} file(s): {report.documents_added} new, {report.documents_unchanged} unchanged, "
            f"{report.documents_replaced} replaced; chunks +{report.chunks_added} "
            f"(skipped {report.chunks_skipped}, removed {report.chunks_deleted}) in {report.seconds:.1f}s"
        )
        for line in report.duplicates:
            console.print(f"[yellow]duplicate[/] {line}")
        for e in report.errors:
            err.print(f"[red]skipped[/] {e.path}: {e.reason}")
    stats = bot.stats()
    if not as_json:
        console.print(f"library: {stats['documents']} documents, {stats['chunks']} chunks")
    if report.errors and not (report.documents_added or report.documents_unchanged):
        raise typer.Exit(1)


def _print_answer(answer, show_timing: bool = False) -> None:
    from rich.panel import Panel
    from rich.text import Text

    style = "yellow" if answer.abstained else ("cyan" if answer.mode == "extractive" else "green")
    console.print(Panel(Text(answer.answer), border_style=style, title=answer.mode))
    if answer.note:
        console.print(f"[dim]{answer.note}[/]")
    listing = answer.citations or answer.related
    if listing:
        console.print("[bold]Sources[/]" if answer.citations else "[bold]Closest passages[/]")
        for c in listing:
            console.print(f"[bold][{c.id}][/] {c.title} ({c.date or 'undated'}, {c.source})")
            console.print(Text(f"    “{c.quote}”", style="dim"))
    if show_timing:
        t = answer.timings
        console.print(f"[dim]retrieve {t.get('retrieve_ms', 0):.0f} ms, generate {t.get('generate_ms', 0):.0f} ms, "
                      f"total {t.get('total_ms', 0):.0f} ms[/]")


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
    from assistant.api import make_filters

    bot = _assistant()
    _guard(lambda: bot.embeddings.preload())  # the embedding model loads while the index opens
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
    _guard(lambda: bot.embeddings.preload())
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
                             progress=lambda stage, done, total: bar.update(task, description=stage,
                                                                            completed=done, total=total))

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


@app.command("eval")
def eval_(
    sets: Annotated[Path | None, typer.Option("--sets", help="Reference sets folder (default evals/sets).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Report folder (default evals/reports/latest).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Baseline (default evals/baseline.json).")] = None,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="Write this run as the new baseline.")]
    = False,
) -> None:
    """Score answers, citations and briefs against the reference Q&A; fail on regressions."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from assistant import evals

    sets = sets or evals.EVALS / "sets"
    out = out or evals.EVALS / "reports" / "latest"
    baseline = baseline or evals.EVALS / "baseline.json"
    settings = _assistant().settings
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
        base = f"{previous[name]:.3f}" if previous and name in previous else "-"
        table.add_row(name, f"{result['metrics'][name]:.3f}", base)
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
    """Start the web app (default http://127.0.0.1:7860)."""
    from assistant.ui.app import UnsafeBindError
    from assistant.ui.app import serve as run_server

    bot = _assistant()
    try:
        _guard(lambda: run_server(bot, host, port))
    except UnsafeBindError as exc:
        _fail(str(exc))


@app.command()
def docs(
    search: Annotated[str | None, typer.Option("--search", help="Filter by title or source.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the documents in the library."""
    rows = _guard(lambda: _assistant().documents(search=search))  # the catalog alone: no Chroma, no model
    if as_json:
        print(json.dumps([r.__dict__ for r in rows], indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("id", "date", "title", "source", "chunks")
    for r in rows:
        table.add_row(r.doc_id, r.date or "", r.title, r.source, str(r.n_chunks))
    console.print(table)
    console.print(f"{len(rows)} document(s)")


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


def run() -> None:
    app()


if __name__ == "__main__":
    run()
