"""Files -> LangChain Documents: text plus title, date, section, source and url.

Supported: .txt, .md, .html/.htm, .json (an object, a list, or {"articles": [...]}) and
.jsonl. Each Document's ``page_content`` is the article body exactly as decoded (line
endings normalised); citations point into it by character offsets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml
from langchain_core.documents import Document

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


def doc_id_for(title: str, text: str) -> str:
    """A stable id from the content: the same article under another name gets the same id."""
    digest = hashlib.sha256(f"{title.strip()}\n{text.strip()}".encode()).hexdigest()
    return digest[:16]


def normalize_date(value: object) -> str | None:
    """Any reasonable date value -> 'YYYY-MM-DD', or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    match = _ISO_DATE.search(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            return None
    for fmt in ("%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%a, %d %b %Y"):
        try:
            return datetime.strptime(text[: len(fmt) + 12].strip(), fmt).date().isoformat()
        except ValueError:
            continue
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


def _make(text: str, meta: dict, path: Path, fallback_title: str) -> Document:
    text = text.strip("\n")
    if not text.strip():
        raise DocumentError(path, "no text (the file is empty or whitespace only)")
    title = (meta.get("title") or "").strip() or fallback_title
    metadata = {
        "doc_id": doc_id_for(title, text),
        "title": title,
        "date": normalize_date(meta.get("date")) or _date_from_name(path.name),
        "section": (meta.get("section") or "").strip() or None,
        "source": (meta.get("source") or "").strip() or path.name,
        "url": (meta.get("url") or "").strip() or None,
        "path": str(path),
    }
    return Document(page_content=text, metadata=metadata)


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


def parse_text(text: str, path: Path) -> Document:
    """Plain text or Markdown. Understands the news header ' date YYYY-MM-DD Section', then
    the title line (the sample article's format), YAML front matter, and '# Title'."""
    meta: dict = {}
    body = text
    front = _FRONT_MATTER.match(body)
    if front:
        try:
            loaded = yaml.safe_load(front.group(1))
        except yaml.YAMLError as exc:
            raise DocumentError(path, f"front matter is not valid YAML ({exc.problem})") from None
        if isinstance(loaded, dict):
            meta.update({k.lower(): v for k, v in loaded.items() if isinstance(k, str)})
        body = body[front.end() :]
    first, _, rest = body.lstrip("\n").partition("\n")
    header = _HEADER.match(first)
    if header:
        meta.setdefault("date", header.group(1))
        if header.group(2):
            meta.setdefault("section", header.group(2))
        body = rest
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


def _title_from_name(path: Path) -> str:
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", path.stem)
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or path.name


_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button", "figure", "menu"]
_BLOCK_TAGS = {"p", "div", "section", "article", "li", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "tr", "br", "dd", "dt", "main"}


def parse_html(text: str, path: Path) -> Document:
    """Article text only: scripts, styles and page furniture (nav, header, footer) dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")

    def meta_content(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content"):
                return str(tag["content"])
        return None

    meta = {
        "title": meta_content("og:title")
        or (soup.title.get_text(" ", strip=True) if soup.title else None)
        or (soup.h1.get_text(" ", strip=True) if soup.h1 else None),
        "date": meta_content("article:published_time", "date", "pubdate", "dc.date")
        or ((soup.find("time") or {}).get("datetime") if soup.find("time") else None),
        "section": meta_content("article:section"),
        "source": meta_content("og:site_name"),
        "url": meta_content("og:url")
        or ((soup.find("link", rel="canonical") or {}).get("href") if soup.find("link", rel="canonical") else None),
    }
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    parts: list[str] = []
    for node in root.find_all(string=True):
        parent = node.parent.name if node.parent else ""
        piece = " ".join(str(node).split())
        if not piece:
            continue
        if parent in _BLOCK_TAGS and parts and not parts[-1].endswith("\n"):
            parts.append("\n")
        parts.append(piece + ("\n" if parent in _BLOCK_TAGS else " "))
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    body = "\n".join(line for line in lines if line)
    title = meta.get("title")
    if title and body.startswith(title):
        body = body[len(title) :].lstrip("\n")
    return _make(body, meta, path, fallback_title=_title_from_name(path))


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
            return LoadResult([parse_html(text, path)], [])
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
