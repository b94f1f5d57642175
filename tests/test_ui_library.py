"""The Library tab's work without a browser: per-file upload report, updates, search by text."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT

DATA = ROOT / "tests" / "data"
pytestmark = pytest.mark.slow


def upload(tmp_path, folder: str, name: str, text: str) -> str:
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_upload_report_per_file_update_and_deleted_stays_deleted(bot, tmp_path):
    from assistant.ui.library import Library

    lib = Library(bot)
    harbour = (DATA / "upload-harbour.md").read_text(encoding="utf-8")
    first = upload(tmp_path, "a", "harbour.md", harbour)
    [r] = lib.add_files([first])
    assert (r.status, r.title, r.date, r.source) == ("added", "Harbour reopens after storm repairs", "2024-02-14",
                                                     "Test Gazette")
    [r] = lib.add_files([first])
    assert r.status == "unchanged"
    # The same file name with an edited text: the article is updated, not doubled.
    edited = upload(tmp_path, "b", "harbour.md", harbour.replace("six weeks", "seven weeks"))
    [r] = lib.add_files([edited])
    assert r.status == "updated", r
    assert [d.title for d in bot.documents()].count("Harbour reopens after storm repairs") == 1
    assert "seven weeks" in bot.document_text(bot.documents()[0].doc_id)
    # A different article that happens to have the same file name is added beside it.
    other = upload(tmp_path, "c", "harbour.md", "---\ntitle: Ferry timetable changes\ndate: 2024-03-01\n---\n"
                                                "The ferry to Port Ellis will leave at 7am from Monday.\n")
    [r] = lib.add_files([other])
    assert r.status == "added" and r.title == "Ferry timetable changes"
    assert len(bot.documents()) == 2
    # The same article under another name is not added twice.
    copy = upload(tmp_path, "d", "copy-of-harbour.md", harbour.replace("six weeks", "seven weeks"))
    [r] = lib.add_files([copy])
    assert r.status == "unchanged" and "already in the library" in r.detail
    # Errors are plain and carry no server path.
    empty = upload(tmp_path, "e", "empty.txt", "")
    [r] = lib.add_files([empty])
    assert r.status == "error" and "empty" in r.detail
    assert str(tmp_path) not in r.detail and str(bot.settings.data_dir) not in r.detail
    # Search by the text, not only the title.
    assert [row[1] for row in lib.rows("sea wall")] == ["Harbour reopens after storm repairs"]
    docs = bot.documents()
    assert lib.counts() == {"documents": 2, "chunks": sum(d.n_chunks for d in docs),
                            "sources": len({d.source for d in docs})}
    # Deleted, then an unrelated upload: the deleted article does not come back.
    harbour_id = next(d.doc_id for d in bot.documents() if d.title.startswith("Harbour"))
    lib.delete([harbour_id])
    shutil.copy(DATA / "html-in-text.txt", tmp_path / "html-in-text.txt")
    [r] = lib.add_files([str(tmp_path / "html-in-text.txt")])
    assert r.status == "added"
    assert not any(d.title.startswith("Harbour") for d in bot.documents())
    # Re-index the chosen rows: same documents, chunks rebuilt.
    ids = [d.doc_id for d in bot.documents()]
    docs, chunks = lib.reindex(ids[:1])
    assert docs == 1 and chunks >= 1 and sorted(d.doc_id for d in bot.documents()) == sorted(ids)


def test_filters_that_hide_the_answer_name_an_article_outside_them(sample_bot):
    """The Ask tab's "your filters left it out" check runs the whole pipeline unfiltered; it
    must name the article that answers, and stay silent when the library cannot answer."""
    from assistant.ui.app import _excluded_by_filters

    hidden = _excluded_by_filters(sample_bot, "What did Wang Yi ask of the Taliban?", [], "from 2030-01-01")
    assert hidden is not None and "from 2030-01-01" in hidden and "Chinese Officials" in hidden, hidden
    assert _excluded_by_filters(sample_bot, "What is the boiling point of tungsten on Mars?", [], "x") is None
