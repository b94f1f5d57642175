"""Parsing files into documents: formats, headers, encodings, bad input."""

from __future__ import annotations

import json

from assistant.documents import find_files, load_file

from conftest import SEED


def only(result):
    assert not result.errors, result.errors
    assert len(result.documents) == 1
    return result.documents[0]


def test_seed_header_title_and_body():
    doc = only(load_file(SEED))
    m = doc.metadata
    assert m["date"] == "2021-07-28"
    assert m["section"] == "International"
    assert m["title"] == "Chinese Officials, Taliban Meet, Warning Ties | Taliban News"
    assert doc.page_content.startswith("The meeting in the Chinese city of Tianjin")
    assert "East Turkestan Islamic Movement" in doc.page_content
    assert len(m["doc_id"]) == 16


def test_doc_id_is_stable_and_content_based(tmp_path):
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(SEED.read_bytes())
    assert only(load_file(copy)).metadata["doc_id"] == only(load_file(SEED)).metadata["doc_id"]
    copy.write_bytes(SEED.read_bytes() + b"\nOne more paragraph.\n")
    assert only(load_file(copy)).metadata["doc_id"] != only(load_file(SEED)).metadata["doc_id"]


def test_bbc_style_first_line_title(tmp_path):
    f = tmp_path / "001.txt"
    f.write_text("Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped 76%.\n")
    doc = only(load_file(f))
    assert doc.metadata["title"] == "Ad sales boost Time Warner profit"
    assert doc.page_content.startswith("Quarterly profits")
    assert doc.metadata["date"] is None


def test_markdown_front_matter(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("---\ntitle: Budget vote\ndate: 2024-03-05\nsource: Example Times\nurl: https://example.org/a\n---\n"
                 "MPs approved the budget on Tuesday.\n")
    doc = only(load_file(f))
    assert doc.metadata["title"] == "Budget vote"
    assert doc.metadata["date"] == "2024-03-05"
    assert doc.metadata["source"] == "Example Times"
    assert doc.metadata["url"] == "https://example.org/a"
    assert doc.page_content == "MPs approved the budget on Tuesday."


def test_html_keeps_article_text_only(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Storm hits coast</title>"
        "<meta property='article:published_time' content='2024-01-02T10:00Z'>"
        "<style>p{color:red}</style><script>alert('x')</script></head><body><nav>Home | World</nav>"
        "<article><h1>Storm hits coast</h1><p>A storm hit the coast on Monday.</p><p>Power was cut to 5,000 homes.</p>"
        "</article><footer>Copyright</footer></body></html>")
    doc = only(load_file(f))
    assert doc.metadata["title"] == "Storm hits coast"
    assert doc.metadata["date"] == "2024-01-02"
    assert "A storm hit the coast on Monday." in doc.page_content
    assert "5,000 homes" in doc.page_content
    for junk in ("alert", "color:red", "Home | World", "Copyright"):
        assert junk not in doc.page_content


def test_json_and_jsonl_records(tmp_path):
    f = tmp_path / "feed.json"
    f.write_text(json.dumps({"articles": [
        {"title": "A", "date": "2024-05-01", "text": "First story text.", "source": "Wire", "url": "https://x/a"},
        {"title": "B", "published": "2024/05/02", "content": "Second story text."},
    ]}))
    result = load_file(f)
    assert not result.errors
    assert [d.metadata["title"] for d in result.documents] == ["A", "B"]
    assert result.documents[1].metadata["date"] == "2024-05-02"
    assert result.documents[0].metadata["source"] == "Wire"

    g = tmp_path / "feed.jsonl"
    g.write_text('{"title": "Good", "text": "Good line."}\n{not json}\n\n{"title": "No text"}\n'
                 '{"title": "Also good", "text": "Another."}\n')
    result = load_file(g)
    assert [d.metadata["title"] for d in result.documents] == ["Good", "Also good"]
    reasons = {e.path: e.reason for e in result.errors}
    assert any("line 2" in p for p in reasons), reasons
    assert any("line 4" in p for p in reasons), reasons


def test_non_utf8_encodings(tmp_path):
    text = "Café owner says prices rose\n\nThe café in Zürich raised prices by 5% — “too much”, said customers.\n"
    for name, data in {
        "latin1.txt": text.replace("—", "-").replace("“", '"').replace("”", '"').encode("latin-1"),
        "cp1252.txt": text.encode("cp1252"),
        "utf16.txt": text.encode("utf-16"),
    }.items():
        f = tmp_path / name
        f.write_bytes(data)
        doc = only(load_file(f))
        assert "Zürich" in doc.page_content, name
        assert doc.metadata["title"] == "Café owner says prices rose", name


def test_bad_files_have_clear_reasons(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("   \n\n\t \n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04junk")
    (tmp_path / "broken.json").write_text("{\"title\": ")
    reasons = {}
    for f in sorted(tmp_path.iterdir()):
        result = load_file(f)
        assert not result.documents, f
        reasons[f.name] = result.errors[0].reason
        assert result.errors[0].path.endswith(f.name)
    assert "empty" in reasons["empty.txt"]
    assert "whitespace" in reasons["blank.txt"]
    assert "PNG" in reasons["image.txt"]
    assert "unsupported file type" in reasons["notes.docx"]
    assert "invalid JSON" in reasons["broken.json"]


def test_size_limit(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("Big file\n\n" + "word " * 300_000)
    result = load_file(f, max_bytes=1_000_000)
    assert not result.documents
    assert "limit" in result.errors[0].reason


def test_find_files_recurses_and_reports_missing(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("T\n\nBody.")
    (tmp_path / "a" / "y.md").write_text("# T\nBody.")
    (tmp_path / "a" / "z.bin").write_bytes(b"\0")
    files, errors = find_files([tmp_path / "a", tmp_path / "missing.txt"])
    assert [f.name for f in files] == ["y.md", "x.txt"] or sorted(f.name for f in files) == ["x.txt", "y.md"]
    assert len(errors) == 1 and "no such file" in errors[0].reason
