"""vectors.py imports chromadb with the ``overrides`` decorator reduced to marking the method
(its import-time signature checks cost 0.16 s of every question). The package must be left as it
was, and chromadb must still work: these are the checks the docstring of
``vectors._import_chromadb`` points to."""

import sys

import overrides

from assistant import vectors


def test_the_overrides_package_is_restored_after_the_import():
    assert vectors.chromadb.__name__ == "chromadb"
    implementation = sys.modules["overrides.overrides"]  # the package's `overrides` name is the function
    assert overrides.override is implementation.override
    assert overrides.overrides is implementation.overrides
    assert vectors._import_chromadb() is vectors.chromadb


def test_chromadb_imported_that_way_stores_and_finds_vectors():
    client = vectors.chromadb.EphemeralClient(settings=vectors.ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("probe", metadata={"hnsw:space": "cosine"})
    collection.add(ids=["a", "b"], embeddings=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                   documents=["first", "second"], metadatas=[{"n": 1}, {"n": 2}])
    found = collection.query(query_embeddings=[[0.9, 0.1, 0.0]], n_results=1, where={"n": {"$gte": 1}})
    assert found["ids"] == [["a"]]
    assert collection.get(ids=["b"])["documents"] == ["second"]
    # the marked methods behave as chromadb's own subclasses: the override marker is present
    from chromadb.api.client import Client

    assert getattr(Client.get_or_create_collection, "__override__", False)
