"""URLs, feeds and watched folders against a local HTTP server (127.0.0.1, started here).

The server serves saved news pages from the benchmark dev set (tests/data/web), a generated
RSS and Atom feed, and every failure kind the fetcher must report: a slow page, a 404, a
redirect loop, a huge page, a non-HTML file, a page whose declared encoding is wrong, and a
redirect to a non-http scheme. Each failure must come back as one clear per-URL reason, and
the other URLs of the same command must still be ingested.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from assistant import cli
from assistant.settings import FetchSettings, Settings
from assistant.sources.fetch import Fetcher, block_private_for, load_url
from assistant.sources.watch import parse_every

WEB = Path(__file__).parent / "data" / "web"
TRUTH = json.loads((WEB / "ground-truth.json").read_text())
PAGES = {name: gzip.decompress((WEB / f"{name}.html.gz").read_bytes()) for name in TRUTH}
FULL_TEXT = " ".join(["The harbour authority said the new quay would open in the spring after two years of work."] * 20)


def rss(base: str) -> bytes:
    items = [
        ("ap-tories", "UK Tories under fire", "Short teaser about the debate.", "Tue, 19 Nov 2019 10:00:00 GMT"),
        ("jpost-berlin", "Son of former German president stabbed", "Teaser.", "Wed, 20 Nov 2019 08:00:00 GMT"),
        ("gone", "A story that was taken down", "Teaser.", "Wed, 20 Nov 2019 09:00:00 GMT"),
    ]
    body = "".join(f"<item><title>{t}</title><link>{base}/{p}</link><guid>{base}/{p}</guid>"
                   f"<description>{d}</description><pubDate>{when}</pubDate></item>" for p, t, d, when in items)
    body += (f"<item><title>Harbour quay to open</title><link>{base}/404-but-full-text</link>"
             f"<guid>harbour-1</guid><pubDate>Thu, 21 Nov 2019 07:00:00 GMT</pubDate>"
             f"<description><![CDATA[<p>{FULL_TEXT}</p>]]></description></item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title><link>{base}/</link>'
            f"<description>test feed</description>{body}</channel></rss>").encode()


def atom(base: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom Desk</title><id>urn:test:atom</id><updated>2019-11-20T00:00:00Z</updated>"
            f"<entry><title>Service members killed</title><id>urn:test:1</id>"
            f'<link href="{base}/aljazeera-helicopter"/><updated>2019-11-20T07:00:00Z</updated>'
            f"<summary>Teaser only.</summary></entry>"
            f"<entry><title>WeWork layoffs</title><id>urn:test:2</id>"
            f'<link href="{base}/therealdeal-wework"/><updated>2019-11-18T12:00:00Z</updated>'
            f"<summary>Teaser only.</summary></entry></feed>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    pages: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[list[str]] = []

    def log_message(self, *args):  # quiet test output
        pass

    def send(self, status: int, body: bytes, content_type: str, length: bool = True, **headers: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0].strip("/")
        Handler.hits.append(path)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if path in self.pages:
            self.send(200, self.pages[path], "text/html; charset=utf-8")
        elif path == "rss.xml":
            self.send(200, rss(base), "application/rss+xml")
        elif path == "atom.xml":
            self.send(200, atom(base), "application/atom+xml")
        elif path == "slow":
            time.sleep(8)
            self.send(200, b"<html><body><p>late</p></body></html>", "text/html")
        elif path == "loop-a":
            self.send(302, b"", "text/plain", Location="/loop-b")
        elif path == "loop-b":
            self.send(302, b"", "text/plain", Location="/loop-a")
        elif path == "moved":
            self.send(301, b"", "text/plain", Location="/therealdeal-wework")
        elif path == "to-file":
            self.send(302, b"", "text/plain", Location="file:///etc/passwd")
        elif path == "huge":  # no Content-Length: the cap must hold while streaming
            self.send(200, b"<html><body>" + b"<p>filler text</p>" * 200_000 + b"</body></html>", "text/html",
                      length=False)
        elif path == "report.pdf":
            self.send(200, b"%PDF-1.4 binary", "application/pdf")
        elif path == "latin1-declared":  # says Latin-1, is UTF-8
            self.send(200, ("<html><head><title>Café society</title></head><body><article><p>"
                            + "The café on the corner reopened on Monday, its naïve murals restored. " * 12
                            + "</p></article></body></html>").encode("utf-8"), "text/html; charset=iso-8859-1")
        elif path == "utf8-declared":  # says UTF-8, is Windows-1252
            self.send(200, ("<html><head><meta charset='utf-8'><title>Crème brûlée</title></head><body><article><p>"
                            + "The crème brûlée costs €5 at the café, and customers say it is worth it. " * 12
                            + "</p></article></body></html>").encode("cp1252"), "text/html; charset=utf-8")
        else:
            self.send(404, b"not found", "text/plain")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the fetcher hanging up on the slow and huge pages is the point of those tests


@pytest.fixture(scope="module")
def server():
    Handler.pages = {name: body for name, body in PAGES.items()}
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher():
    # Generous enough for a loaded CI machine; the slow page waits 8 s before answering.
    with Fetcher(FetchSettings(read_timeout_s=3.0, total_timeout_s=20.0, max_page_mb=1.0, max_redirects=4),
                 block_private=False) as f:
        yield f


# ---- fetching: each failure kind, one clear reason --------------------------------------------
@pytest.mark.parametrize(("path", "reason"), [
    ("slow", "timed out"),
    ("missing-page", "HTTP 404 Not Found"),
    ("loop-a", "redirect loop"),
    ("huge", "over the 1 MB limit"),
    ("report.pdf", "not a web page: the server sent application/pdf"),
    ("to-file", "only http and https addresses can be fetched, not 'file:'"),
])
def test_each_failure_kind_is_reported_by_url(server, fetcher, path, reason):
    result = load_url(f"{server}/{path}", fetcher)
    assert not result.documents
    [error] = result.errors
    assert error.path == f"{server}/{path}"
    assert reason in error.reason
    assert "Traceback" not in error.reason and "httpx" not in error.reason


def test_page_by_url_keeps_the_article_and_follows_redirects(server, fetcher):
    result = load_url(f"{server}/moved", fetcher)
    assert not result.errors, result.errors
    [doc] = result.documents
    assert doc.metadata["path"] == f"{server}/moved"  # the address as asked: fetching it again replaces it
    assert doc.metadata["date"] == "2019-11-18"
    assert doc.page_content.startswith(TRUTH["therealdeal-wework"]["articleBody"][:40])


@pytest.mark.parametrize(("path", "word", "mojibake"), [
    ("latin1-declared", "café", "cafÃ©"),
    ("utf8-declared", "crème brûlée costs €5", "cr�me"),
])
def test_wrongly_declared_encoding_is_decoded_right(server, fetcher, path, word, mojibake):
    result = load_url(f"{server}/{path}", fetcher)
    assert not result.errors, result.errors
    [doc] = result.documents
    assert word in doc.page_content
    assert mojibake not in doc.page_content and mojibake not in doc.metadata["title"]


def test_private_addresses_refused_when_the_app_listens_beyond_loopback(server):
    exposed = Settings(server={"host": "0.0.0.0", "username": "u", "password": "p"})
    assert block_private_for(exposed)
    assert not block_private_for(Settings())  # loopback-bound: the user's own machine and network
    assert not block_private_for(Settings(server={"host": "0.0.0.0"}, fetch={"allow_private_addresses": True}))
    with Fetcher(FetchSettings(), block_private=block_private_for(exposed)) as f:
        [error] = load_url(f"{server}/therealdeal-wework", f).errors
        assert "refused" in error.reason and "127.0.0.1" in error.reason
        [error] = load_url("http://169.254.169.254/latest/meta-data/", f).errors  # cloud metadata, link-local
        assert "refused" in error.reason


def test_dns_answer_that_changes_after_the_check_is_caught(server, monkeypatch):
    """DNS rebinding: the name looks public when checked, then the connection lands on 127.0.0.1."""
    from assistant.sources import fetch

    monkeypatch.setattr(fetch, "resolve", lambda host, port: ["93.184.216.34"])  # what the check sees
    with Fetcher(FetchSettings(), block_private=True) as f:
        [error] = load_url(f"{server}/therealdeal-wework", f).errors
    assert "refused" in error.reason and "127.0.0.1" in error.reason


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("90", 90)])
def test_parse_every(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "0s"])
def test_parse_every_rejects(text):
    with pytest.raises(ValueError, match="interval"):
        parse_every(text)


# ---- the commands, end to end -------------------------------------------------------------------
@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI in-process on a fresh library (the model is loaded once per test)."""
    monkeypatch.setenv("ASSISTANT_FETCH__READ_TIMEOUT_S", "3")
    monkeypatch.setenv("ASSISTANT_FETCH__MAX_PAGE_MB", "1")
    cli._state.clear()
    runner = CliRunner()
    data = tmp_path / "data"

    def invoke(*args: str):
        result = runner.invoke(cli.app, ["--data-dir", str(data), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    yield invoke
    cli._state.clear()


def docs(run) -> list[dict]:
    return json.loads(run("docs", "--json").stdout)


def test_ingest_urls_reports_failures_and_keeps_the_rest(server, run):
    good = [f"{server}/{name}" for name in ("aljazeera-helicopter", "jpost-berlin")]
    bad = [f"{server}/{p}" for p in ("slow", "missing-page", "loop-a", "huge", "report.pdf")]
    result = run("ingest", "--json", *good, *bad)
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["documents_added"] == 2
    assert {e["path"] for e in report["errors"]} == set(bad)
    library = docs(run)
    assert sorted(d["path"] for d in library) == sorted(good)
    assert {d["url"] for d in library} >= {TRUTH["aljazeera-helicopter"]["url"]}  # the page's canonical URL

    # The same URL again: unchanged; a changed page at the same URL replaces its old version.
    again = json.loads(run("ingest", "--json", good[0]).stdout)
    assert (again["documents_added"], again["documents_unchanged"]) == (0, 1)
    Handler.pages["aljazeera-helicopter"] = PAGES["aljazeera-helicopter"].replace(
        b"helicopter", b"aircraft")
    try:
        changed = json.loads(run("ingest", "--json", good[0]).stdout)
    finally:
        Handler.pages["aljazeera-helicopter"] = PAGES["aljazeera-helicopter"]
    assert (changed["documents_added"], changed["documents_replaced"]) == (1, 1)
    assert len(docs(run)) == 2


def test_ingest_only_failures_exits_nonzero_with_reasons(server, run):
    result = run("ingest", f"{server}/missing-page", "ftp://example.org/x")
    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr and "only http and https" in result.stderr


def test_feeds_add_list_remove_and_watch(server, run):
    Handler.hits.clear()
    result = run("feeds", "add", f"{server}/rss.xml", f"{server}/atom.xml")
    # One RSS entry links to a page that is gone: reported, the rest ingested.
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Local Wire: 4 entries, 4 new or changed: 3 ingested" in result.stdout
    assert "Atom Desk: 2 entries, 2 new or changed: 2 ingested" in result.stdout
    assert f"{server}/gone" in result.stderr and "HTTP 404" in result.stderr
    library = {d["title"]: d for d in docs(run)}
    assert len(library) == 5
    harbour = library["Harbour quay to open"]  # the entry's own content was the full article...
    assert "404-but-full-text" not in Handler.hits  # ...so its link was never fetched
    assert (harbour["source"], harbour["date"]) == ("Local Wire", "2019-11-21")

    listing = json.loads(run("feeds", "list", "--json").stdout)
    assert {f["location"]: (f["title"], f["error"], f["items"]) for f in listing} == {
        f"{server}/rss.xml": ("Local Wire", None, 3), f"{server}/atom.xml": ("Atom Desk", None, 2)}
    assert all(f["checked_at"] and f["ok_at"] for f in listing)

    # A watch pass: the entry that failed is retried (still 404), nothing else is fetched again.
    Handler.hits.clear()
    watched = run("watch", "--once")
    assert "Atom Desk: nothing new" in watched.stdout
    assert "Local Wire: 4 entries, 1 new or changed: 0 ingested" in watched.stdout
    assert "gone" in Handler.hits and "ap-tories" not in Handler.hits
    assert watched.exit_code == 1  # the one failure is reported by the exit code too
    assert len(docs(run)) == 5

    # A feed that breaks keeps its articles and shows the error.
    run("feeds", "add", "--no-fetch", f"{server}/not-a-feed")
    run("watch", "--once")
    broken = {f["location"]: f for f in json.loads(run("feeds", "list", "--json").stdout)}[f"{server}/not-a-feed"]
    assert "HTTP 404" in broken["error"] and broken["ok_at"] is None

    assert run("feeds", "remove", f"{server}/rss.xml").exit_code == 0
    assert f"{server}/rss.xml" not in run("feeds", "list").stdout
    assert run("feeds", "remove", f"{server}/rss.xml").exit_code == 1
    assert len(docs(run)) == 5  # unfollowing keeps the articles


def test_watch_folder_new_changed_and_gone(tmp_path, run, monkeypatch):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("Budget passes\nDate: 2024-03-05\n\nMPs approved the budget on Tuesday.\n")
    (folder / "b.txt").write_text("Storm hits coast\n\nA storm hit the coast on Monday night.\n")
    assert run("watch", "--add", str(folder)).exit_code == 0
    first = run("watch", "--once")
    assert first.exit_code == 0 and "2 new or changed file(s): 2 added" in first.stdout
    assert {d["title"]: d["date"] for d in docs(run)} == {"Budget passes": "2024-03-05", "Storm hits coast": None}
    assert "nothing new" in run("watch", "--once").stdout

    (folder / "b.txt").write_text("Storm hits coast\n\nA storm hit the coast on Monday night. Power is back.\n")
    (folder / "c.md").write_text("# Quay opens\n\nThe new quay opened.\n")
    time.sleep(0.01)
    second = run("watch", "--once")
    assert "2 new or changed file(s): 2 added, 1 replaced" in second.stdout  # b.txt: new version in, old out
    assert len(docs(run)) == 3

    (folder / "a.txt").unlink()
    kept = run("watch", "--once")
    assert "is gone; kept in the library" in kept.stdout and len(docs(run)) == 3
    (folder / "c.md").unlink()
    monkeypatch.setenv("ASSISTANT_INGEST__WATCH_DELETE_MISSING", "true")
    cli._state.clear()
    removed = run("watch", "--once")
    assert "removed" in removed.stdout and "c.md" in removed.stdout
    assert sorted(d["title"] for d in docs(run)) == ["Budget passes", "Storm hits coast"]
    log = (tmp_path / "data" / "watch.log").read_text()
    assert "c.md" in log

    # A watched folder that vanishes (an unmounted disk) empties nothing.
    (folder / "b.txt").unlink()
    folder.rmdir()
    gone = run("watch", "--once")
    assert "watched folder is missing" in gone.stdout and gone.exit_code == 1
    assert len(docs(run)) == 2



def test_library_tab_adds_urls_and_follows_feeds(server, tmp_path):
    """The web app's handlers (called directly, as Gradio would): pages by URL, feeds, the feed list."""
    from assistant.api import Assistant
    from assistant.ui.app import build

    bot = Assistant(Settings(data_dir=tmp_path / "data", fetch={"read_timeout_s": 3}))
    demo = build(bot)
    handlers = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    rows, table, cleared = handlers["add_urls"](f"{server}/jpost-berlin\n{server}/report.pdf\nfile:///etc/passwd", "")
    assert [r[1] for r in rows] == ["added", "error", "error"]
    assert "application/pdf" in rows[1][2] and "http" in rows[2][2]
    assert len(table) == 1 and cleared == ""
    feeds, table, _ = handlers["follow"](f"{server}/atom.xml", "")
    assert [(f[0], f[1], f[4], f[5]) for f in feeds] == [(f"{server}/atom.xml", "Atom Desk", 2, "")]
    assert len(table) == 3
    feeds, _, _ = handlers["follow"](f"{server}/missing-feed", "")
    assert "HTTP 404" in {f[0]: f[5] for f in feeds}[f"{server}/missing-feed"]
    feeds, _ = handlers["unfollow"](f"{server}/missing-feed")
    assert [f[0] for f in feeds] == [f"{server}/atom.xml"]
