"""Files (and fetched pages) -> LangChain Documents: text plus title, date, section, source and url.

Supported: .txt, .md, .html/.htm, .json (an object, a list, or {"articles": [...]}) and
.jsonl. Each Document's ``page_content`` is the text that is stored and that citations index
into by character offsets: for text it is the body exactly as decoded (line endings
normalised); for HTML it is the article body trafilatura extracts.

HTML: trafilatura (dates by htmldate, through it) instead of a hand-written tag walk. On the
91 pages of article-extraction-dev the old walk scored shingle F1 0.80 (precision 0.71) and
left 4 pages without any text; trafilatura, with the options in ``TRAFILATURA_OPTIONS`` chosen
on that dev set, scores F1 0.975 (precision 0.966) with no page empty
(``python bench/html_extraction.py``). A page trafilatura finds no article in is not
dropped: its visible text is stored, with a per-file note saying so.

Text and Markdown: a leading block of header lines (Title:, Date:, Published:, By:/Author:,
Source:, URL: ...) or YAML front matter supplies the metadata; dates in common written forms
become ISO dates (``normalize_date``; the table of forms is in tests/test_documents.py).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from langchain_core.documents import Document

from assistant.judge.instructions import clean_title
from assistant.lexicon import MONTH_NUMBER

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}

# Magic numbers of common binary formats people drop into news folders by mistake.
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF (convert it to text first)",
    b"PK\x03\x04": "a ZIP/Office file",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "an executable",
}

_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*?)\s*$")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


class DocumentError(ValueError):
    """A file (or a record in it) that cannot be ingested, with the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class LoadResult:
    documents: list[Document]
    errors: list[DocumentError]
    # Ingested, but with a caveat worth telling the user (e.g. no article found in a page,
    # so its whole visible text was stored).
    notes: list[DocumentError] = field(default_factory=list)


def doc_id_for(title: str, text: str) -> str:
    """A stable id from the content: the same article under another name gets the same id."""
    digest = hashlib.sha256(f"{title.strip()}\n{text.strip()}".encode()).hexdigest()
    return digest[:16]


_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_YEAR_SLASH = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_DAY_DOT_YEAR = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_NUMERIC_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def normalize_date(value: object) -> str | None:
    """A date in any common written form -> 'YYYY-MM-DD', or None when there is none or it is
    ambiguous. Forms: ISO 8601 (with or without a time), 2024/03/05, 05.03.2024 (day first,
    as written where dots are used), RFC 2822 (feeds, e-mail), '5 March 2024', 'March 5th,
    2024', 'Tue, Mar. 5, 2024 10:00 ET'. '03/05/2024' is read only when one number is over 12:
    a wrong date is worse than none, since date filters would then hide the article."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    ymd: tuple[str, str, str] | None = None
    if (match := _ISO_DATE.search(text)) or (match := _YEAR_SLASH.search(text)):
        ymd = (match[1], match[2], match[3])
    elif match := _DAY_DOT_YEAR.search(text):
        ymd = (match[3], match[2], match[1])
    elif match := _NUMERIC_SLASH.search(text):
        first, second = int(match[1]), int(match[2])
        if first > 12 >= second:
            ymd = (match[3], match[2], match[1])
        elif second > 12 >= first:
            ymd = (match[3], match[1], match[2])
        else:
            return None  # 03/05/2024: March or May? Refuse rather than guess.
    elif match := _DAY_MONTH_YEAR.search(text):
        ymd = (match[3], str(MONTH_NUMBER[match[2].lower()]), match[1])
    elif match := _MONTH_DAY_YEAR.search(text):
        ymd = (match[3], str(MONTH_NUMBER[match[1].lower()]), match[2])
    if ymd is None:
        try:
            return email.utils.parsedate_to_datetime(text).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None
    try:
        return date(int(ymd[0]), int(ymd[1]), int(ymd[2])).isoformat()
    except ValueError:
        return None


def decode(raw: bytes, path: Path) -> str:
    """Bytes -> text, detecting the encoding. Refuses binary data with a named reason."""
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise DocumentError(path, f"binary file ({what}), not text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    elif raw.startswith(b"\xef\xbb\xbf"):
        text = raw[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _guess_decode(raw, path)
    if "\x00" in text:
        raise DocumentError(path, "binary data (NUL bytes), not text")
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 4096):
        raise DocumentError(path, "binary data (control characters), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _guess_decode(raw: bytes, path: Path) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise DocumentError(path, "could not detect the text encoding")
    encoding = best.encoding
    # charset-normalizer often names a rarer single-byte cousin of cp1252 for Western
    # text; cp1252 is what such files almost always are, and it decodes latin-1 too.
    if encoding.replace("_", "").lower() not in {"utf8", "utf16", "utf32"}:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


Origin = Path | str  # a file, or the URL a page was fetched from


def _origin_name(origin: Origin) -> str:
    if isinstance(origin, Path):
        return origin.name
    return urlsplit(origin).path.rstrip("/").rpartition("/")[2] or origin


def _make(text: str, meta: dict, origin: Origin, fallback_title: str) -> Document:
    text = text.strip("\n")
    if not text.strip():
        raise DocumentError(origin, "no text (the file is empty or whitespace only)")
    title = clean_title(" ".join(str(meta.get("title") or "").split())) or fallback_title
    url = str(meta.get("url") or "").strip() or (origin if isinstance(origin, str) else None)
    metadata = {
        "doc_id": doc_id_for(title, text),
        "title": title,
        "date": normalize_date(meta.get("date")) or _date_from_name(_origin_name(origin)),
        "section": str(meta.get("section") or "").strip() or None,
        "source": str(meta.get("source") or "").strip() or _host(url) or _origin_name(origin),
        "url": url,
        "author": str(meta.get("author") or "").strip() or None,
        "language": str(meta.get("language") or "").strip() or None,
        "path": str(origin),
    }
    return Document(page_content=text, metadata=metadata)


def _host(url: str | None) -> str | None:
    if not url or not isinstance(url, str):
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _date_from_name(name: str) -> str | None:
    match = _ISO_DATE.match(name)
    return normalize_date(match.group(0)) if match else None


def _title_from_first_line(body: str) -> tuple[str | None, str]:
    """A short first line without a final full stop is a headline (BBC and most scrapes)."""
    lines = body.lstrip("\n").split("\n", 1)
    first = lines[0].strip()
    rest = lines[1] if len(lines) > 1 else ""
    if first and len(first) <= 200 and not first.endswith((".", ":", ";")) and rest.strip():
        return first, rest
    return None, body


# Header-line names (and front-matter keys) -> metadata field.
_HEADER_FIELDS = {
    "title": "title", "headline": "title",
    "date": "date", "published": "date", "published on": "date", "published at": "date",
    "publication date": "date", "dateline": "date", "pubdate": "date",
    "by": "author", "author": "author", "authors": "author", "byline": "author",
    "source": "source", "publisher": "source", "publication": "source", "site": "source",
    "url": "url", "link": "url", "canonical": "url",
    "section": "section", "category": "section",
}
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{0,20}?)\s*:\s*(\S.*?)\s*$")
_BYLINE = re.compile(r"^\s*by\s+(\S.{0,80}?)\s*$", re.I)
_HEADER_BLOCK_LINES = 12


def _header_lines(body: str) -> tuple[dict, str]:
    """A leading block of 'Name: value' lines (and an optional headline above them).

    The block ends at the first blank line after a header line or at the first line that is
    not one; it counts only when it holds at least one known header, so an article that
    merely starts 'Note: ...' keeps its text."""
    lines = body.lstrip("\n").split("\n")
    meta: dict = {}
    headline: str | None = None
    consumed = 0
    for i, line in enumerate(lines[:_HEADER_BLOCK_LINES]):
        if not line.strip():
            if meta:
                consumed = i + 1
                break
            if headline is not None:
                continue
            consumed = i + 1
            continue
        match = _HEADER_LINE.match(line)
        name = " ".join(match[1].lower().split()) if match else ""
        if match and name in _HEADER_FIELDS:
            meta.setdefault(_HEADER_FIELDS[name], match[2])
        elif meta and (byline := _BYLINE.match(line)):
            meta.setdefault("author", byline[1])
        elif not meta and headline is None and i == consumed and len(line) <= 200 \
                and not line.rstrip().endswith((".", ":", ";")):
            headline = line.strip()
        else:
            break
        consumed = i + 1
    if not meta:
        return {}, body
    if headline and "title" not in meta:
        meta["title"] = headline
    return meta, "\n".join(lines[consumed:])


def parse_text(text: str, path: Origin) -> Document:
    """Plain text or Markdown. Understands the news header ' date YYYY-MM-DD Section', then
    the title line (the sample article's format), YAML front matter, a block of header lines
    ('Title:', 'Date:', 'By:' ...) and '# Title'."""
    meta: dict = {}
    body = text
    front = _FRONT_MATTER.match(body)
    if front:
        try:
            loaded = yaml.safe_load(front.group(1))
        except yaml.YAMLError as exc:
            raise DocumentError(path, f"front matter is not valid YAML ({exc.problem})") from None
        if isinstance(loaded, dict):
            for key, value in loaded.items():
                if isinstance(key, str) and value not in (None, ""):
                    name = " ".join(key.lower().replace("_", " ").split())
                    if isinstance(value, list):
                        value = ", ".join(map(str, value))
                    meta.setdefault(_HEADER_FIELDS.get(name, name), value)
        body = body[front.end() :]
    first, _, rest = body.lstrip("\n").partition("\n")
    header = _HEADER.match(first)
    if header:
        meta.setdefault("date", header.group(1))
        if header.group(2):
            meta.setdefault("section", header.group(2))
        body = rest
    found, body = _header_lines(body)
    for key, value in found.items():
        meta.setdefault(key, value)
    if not meta.get("title"):
        stripped = body.lstrip("\n")
        if stripped.startswith("# "):
            heading, _, body = stripped.partition("\n")
            meta["title"] = heading[2:].strip()
        else:
            title, body = _title_from_first_line(body)
            if title:
                meta["title"] = title
    return _make(body, meta, path, fallback_title=_title_from_name(path))


def _title_from_name(path: Origin) -> str:
    stem = Path(_origin_name(path)).stem
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", stem)
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or _origin_name(path)


# trafilatura options, chosen on article-extraction-dev only (bench/html_extraction.py, all
# 91 pages): defaults F1 0.962 / precision 0.938; without comments 0.965 / 0.943; adding
# favor_precision 0.975 / 0.966 (recall 0.985, 0.988 before); favor_recall 0.966 / 0.945;
# without tables 0.958. No configuration left a page empty.
TRAFILATURA_OPTIONS: dict = {
    "include_comments": False,
    "favor_precision": True,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    # htmldate: the original publication date, not the last-modified one.
    "date_extraction_params": {"original_date": True, "extensive_search": True},
}
_INVISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "head"]
NO_ARTICLE_NOTE = "no article body found in the page; stored its whole visible text instead"


def extract_html(html: str, url: str | None = None) -> tuple[str, dict, str | None]:
    """HTML -> (article text, metadata, note). The note is set when no article body was found
    and the page's visible text stands in for it."""
    import trafilatura

    meta: dict = {}
    text = ""
    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, **TRAFILATURA_OPTIONS)
    except Exception:  # trafilatura and lxml raise many kinds on broken markup; fall back below
        doc = None
    if doc is not None:
        text = _clean_lines(doc.text or "")
        meta = {"title": doc.title, "date": doc.date, "author": doc.author, "source": doc.sitename,
                "url": doc.url, "section": (doc.categories or [None])[0] if doc.categories else None,
                "language": doc.language}
    if text.strip():
        meta["language"] = meta.get("language") or _page_language(html)
        return text, meta, None
    return visible_text(html), meta or _page_metadata(html, url), NO_ARTICLE_NOTE


def _clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def visible_text(html: str) -> str:
    """Every piece of text a browser would show, one block per line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_INVISIBLE):
        tag.decompose()
    return _clean_lines(soup.get_text("\n"))


def _page_metadata(html: str, url: str | None) -> dict:
    """Title, date, site and canonical URL of a page trafilatura found no article in."""
    import htmldate
    from trafilatura import load_html
    from trafilatura.metadata import extract_metadata

    meta: dict = {}
    tree = load_html(html)
    if tree is not None:
        try:
            found = extract_metadata(tree, default_url=url)
            meta = {"title": found.title, "author": found.author, "source": found.sitename, "url": found.url,
                    "date": htmldate.find_date(tree, url=url, original_date=True)}
        except Exception:  # metadata is a bonus here; the text is what matters
            meta = {}
    meta["language"] = _page_language(html)
    return meta


_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)


def _page_language(html: str) -> str | None:
    match = _LANG.search(html[:5000])
    return match[1].lower() if match else None


def parse_html(text: str, path: Origin, url: str | None = None) -> tuple[Document, DocumentError | None]:
    """The article of a web page (see ``extract_html``), and a note when it fell back to the
    page's visible text."""
    body, meta, note = extract_html(text, url=url or (path if isinstance(path, str) else None))
    if url and not meta.get("url"):
        meta["url"] = url
    if not body.strip():
        raise DocumentError(path, "no text: the page shows none (only markup, scripts, styles or images)")
    doc = _make(body, meta, path, fallback_title=_title_from_name(path))
    return doc, (DocumentError(path, note) if note else None)


_TEXT_FIELDS = ("text", "content", "body", "article", "maintext")
_DATE_FIELDS = ("date", "published", "publish_date", "published_at", "date_publish", "pubDate")


def parse_record(record: object, path: Path, where: str) -> Document:
    """One JSON record with title/date/text/url/source fields."""
    label = f"{path} ({where})"
    if not isinstance(record, dict):
        raise DocumentError(label, "a record must be a JSON object")
    text = next((record[f] for f in _TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if text is None:
        raise DocumentError(label, f"no text field (expected one of {', '.join(_TEXT_FIELDS)})")
    meta = {
        "title": record.get("title") if isinstance(record.get("title"), str) else None,
        "date": next((record[f] for f in _DATE_FIELDS if record.get(f)), None),
        "section": record.get("section") or record.get("category"),
        "source": record.get("source") if isinstance(record.get("source"), str) else None,
        "url": record.get("url") if isinstance(record.get("url"), str) else None,
    }
    meta = {k: (str(v) if v is not None else None) for k, v in meta.items()}
    text = text.replace("\r\n", "\n")
    if not meta["title"]:
        title, text = _title_from_first_line(text)
        meta["title"] = title
    if not text.strip():
        raise DocumentError(label, "the text field is empty")
    return _make(text, meta, path, fallback_title=f"{_title_from_name(path)} ({where})")


def parse_json(text: str, path: Path) -> LoadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    return _records(((f"record {i + 1}", r) for i, r in enumerate(records)), path)


def parse_jsonl(text: str, path: Path) -> LoadResult:
    def lines() -> Iterator[tuple[str, object]]:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                yield f"line {number}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {number}", DocumentError(f"{path} (line {number})", f"invalid JSON: {exc.msg}")

    return _records(lines(), path)


def _records(items: Iterable[tuple[str, object]], path: Path) -> LoadResult:
    docs, errors = [], []
    for where, record in items:
        if isinstance(record, DocumentError):
            errors.append(record)
            continue
        try:
            docs.append(parse_record(record, path, where))
        except DocumentError as exc:
            errors.append(exc)
    if not docs and not errors:
        errors.append(DocumentError(path, "no records"))
    return LoadResult(docs, errors)


def load_file(path: Path, max_bytes: int | None = None) -> LoadResult:
    """Load one file. Never raises for bad content: problems come back as errors."""
    try:
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise DocumentError(path, f"unsupported file type '{suffix or path.name}' "
                                f"(supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise DocumentError(path, f"file is {size / 2**20:.0f} MB, over the "
                                f"{max_bytes / 2**20:.0f} MB limit (ASSISTANT_INGEST__MAX_FILE_MB)")
        if size == 0:
            raise DocumentError(path, "empty file")
        text = decode(path.read_bytes(), path)
        if suffix in {".html", ".htm"}:
            doc, note = parse_html(text, path)
            return LoadResult([doc], [], [note] if note else [])
        if suffix == ".json":
            return parse_json(text, path)
        if suffix == ".jsonl":
            return parse_jsonl(text, path)
        return LoadResult([parse_text(text, path)], [])
    except DocumentError as exc:
        return LoadResult([], [exc])
    except OSError as exc:
        return LoadResult([], [DocumentError(path, exc.strerror or str(exc))])


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[DocumentError]]:
    """Expand files and folders (recursively) into supported files, sorted for stable order."""
    files: list[Path] = []
    errors: list[DocumentError] = []
    for given in paths:
        # Absolute paths: a file's identity (and its cleanup scope) must not depend on the cwd.
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                errors.append(DocumentError(path, "folder holds no supported files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(DocumentError(path, "no such file or folder"))
    return files, errors
