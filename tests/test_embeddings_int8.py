"""The opt-in int8 embedding runtime (``ASSISTANT_EMBEDDINGS__RUNTIME=onnx-int8``): its model
is quantised offline from the checked fp32 export, cached with a manifest of checksums, and
its vectors are a space of their own, so an index built with another runtime asks for
``assistant reindex``."""

from __future__ import annotations

import json
import shutil
import socket
import typing

import numpy as np
import pytest

from assistant.cache import default_cache_dir
from assistant.embedders import CachedEmbeddings
from assistant.embeddings import (
    QUANT_RECIPES,
    Int8OnnxEmbeddings,
    OnnxEmbeddings,
    _nodes_in_layers,
    cached_int8_model,
    ensure_int8_model,
    ensure_onnx_model,
    export_folder,
)
from assistant.resources import bundled_embedding_model
from assistant.settings import EmbeddingSettings

MODEL = "all-MiniLM-L6-v2"


def test_every_recipe_the_settings_accept_exists_and_back():
    accepted = typing.get_args(EmbeddingSettings.model_fields["int8_recipe"].annotation)
    assert set(accepted) == set(QUANT_RECIPES)
    assert EmbeddingSettings().int8_recipe in QUANT_RECIPES
    assert "onnx-int8" in typing.get_args(EmbeddingSettings.model_fields["runtime"].annotation)


def _graph(names: list[str]):
    from onnx import helper

    nodes = [helper.make_node("Identity", ["x"], [f"y{i}"], name=n) for i, n in enumerate(names)]
    return helper.make_model(helper.make_graph(nodes, "g", [], []))


@pytest.mark.parametrize("layers, expected, why", [
    ({0}, ["Attention_0", "/inner/encoder/layer.0/attention/output/dense/MatMul",
           "/inner/encoder/layer.0/output/dense/MatMul"], "the fused attention and the traced MatMuls of layer 0"),
    ({5}, ["Attention_5", "/inner/encoder/layer.5/intermediate/dense/MatMul"], "the last layer"),
    ({1}, ["/inner/encoder/layer.1/output/dense/MatMul"], "layer.1 only, not layer.10 or Attention_11"),
    (set(), [], "nothing kept"),
])
def test_nodes_kept_in_fp32_are_found_by_layer(layers, expected, why):
    names = ["EmbedLayerNormalization_0", "Attention_0", "/inner/encoder/layer.0/attention/output/dense/MatMul",
             "/inner/encoder/layer.0/output/dense/MatMul", "SkipLayerNorm_AddBias_0", "Attention_5",
             "/inner/encoder/layer.5/intermediate/dense/MatMul", "/inner/encoder/layer.1/output/dense/MatMul",
             "/inner/encoder/layer.10/output/dense/MatMul", "Attention_11"]
    assert _nodes_in_layers(_graph(names), layers) == expected, why


@pytest.fixture(scope="module")
def fp32_export():
    """The fp32 export in the user's cache (made once; CI makes it in test_embeddings.py)."""
    return ensure_onnx_model(bundled_embedding_model(), default_cache_dir(), MODEL)


@pytest.mark.slow
def test_int8_model_is_quantised_offline_cached_and_checksummed(tmp_path, monkeypatch, fp32_export):
    model_dir = bundled_embedding_model()
    cache = tmp_path / "cache"
    # A copy of the fp32 export (times kept, so it is served from the copy without re-export).
    shutil.copytree(fp32_export.path.parent, export_folder(model_dir, cache, MODEL))
    fp32 = ensure_onnx_model(model_dir, cache, MODEL)
    assert fp32.path.parent.parent.parent == cache

    def no_network(*args, **kwargs):
        raise OSError("network access attempted while quantising")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    recipe = EmbeddingSettings().int8_recipe
    int8 = ensure_int8_model(fp32, model_dir, cache, MODEL, recipe)
    manifest = json.loads((int8.path.parent / "manifest.json").read_text())
    assert int8.path.parent != fp32.path.parent and int8.path.parent.parent == fp32.path.parent.parent
    assert manifest["source"]["fp32/model.onnx"]["sha256"] == fp32.manifest["onnx"]["sha256"]
    assert manifest["recipe"] == QUANT_RECIPES[recipe].describe()
    assert manifest["onnx"]["sha256"] != fp32.manifest["onnx"]["sha256"]
    assert int8.path.stat().st_size < 0.8 * fp32.path.stat().st_size
    assert 0.9 <= manifest["check"]["min_cosine"] < 1.0 and not int8.matches_sentence_transformers
    assert not list(int8.path.parent.glob("*.tmp"))

    # Second use: from the cache (quantising again would fail the test); other recipes elsewhere.
    import assistant.embeddings as emb

    monkeypatch.setattr(emb, "quantise_onnx_model", lambda *a: pytest.fail("quantised twice"))
    assert ensure_int8_model(fp32, model_dir, cache, MODEL, recipe).path == int8.path
    other = next(r for r in QUANT_RECIPES if r != recipe)
    assert emb.int8_folder(fp32, cache, MODEL, other) != int8.path.parent

    # A damaged int8 file is noticed by its checksum; a touched one is re-verified and kept.
    data = bytearray(int8.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    int8.path.write_bytes(bytes(data))
    assert cached_int8_model(fp32, cache, MODEL, recipe) is None
    data[len(data) // 2] ^= 0xFF
    int8.path.write_bytes(bytes(data))
    assert cached_int8_model(fp32, cache, MODEL, recipe) is not None
    # A changed fp32 file (a re-export) makes the int8 model stale.
    with fp32.path.open("ab") as handle:
        handle.write(b"\0")
    assert cached_int8_model(fp32, cache, MODEL, recipe) is None


@pytest.mark.slow
def test_int8_vectors_are_their_own_space_and_an_index_asks_for_reindex(settings, fp32_export):
    from assistant.index import IndexMismatchError, NewsIndex

    model_dir = bundled_embedding_model()
    fp32 = OnnxEmbeddings(model_dir, MODEL, default_cache_dir(), batch_size=16, threads=1)
    int8 = Int8OnnxEmbeddings(model_dir, MODEL, default_cache_dir(), batch_size=16, threads=1,
                              recipe=EmbeddingSettings().int8_recipe)
    assert int8.runtime == "onnx-int8" and int8.identity != fp32.identity
    assert int8.identity.startswith(f"local:{MODEL}@onnx-int8:")

    texts = ["Ferries were cancelled and schools closed early.", "Shares in the carmaker fell 4.5%.",
             "Parliament passed the budget on Tuesday by 312 votes to 290.", "Who won the league?"]
    a, b = np.asarray(fp32.embed_documents(texts)), np.asarray(int8.embed_documents(texts))
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() > 0.9 and cosine.max() < 0.99999  # close, but not the same vectors

    def wrap(inner):
        return CachedEmbeddings(inner, identity=inner.identity, runtime=inner.runtime)

    index = NewsIndex(settings, wrap(fp32))
    assert index.built_with == {"embedding_model": f"local:{MODEL}", "embedding_runtime": "onnx"}
    with pytest.raises(IndexMismatchError, match=r"onnx-int8.*assistant reindex"):
        NewsIndex(settings, wrap(int8))


def test_an_index_built_with_one_int8_recipe_refuses_another(settings):
    """Identities as Int8OnnxEmbeddings makes them (checked against the real class above)."""
    from assistant.index import IndexMismatchError, NewsIndex

    class Unused:
        def embed_documents(self, texts):
            raise AssertionError("not called")

        embed_query = embed_documents

    first, second = list(QUANT_RECIPES)[:2]
    NewsIndex(settings, CachedEmbeddings(Unused(), identity=f"local:{MODEL}@onnx-int8:{first}", runtime="onnx-int8"))
    with pytest.raises(IndexMismatchError, match="assistant reindex"):
        NewsIndex(settings, CachedEmbeddings(Unused(), identity=f"local:{MODEL}@onnx-int8:{second}",
                                             runtime="onnx-int8"))
    with pytest.raises(IndexMismatchError, match="assistant reindex"):
        NewsIndex(settings, CachedEmbeddings(Unused(), identity=f"local:{MODEL}", runtime="sentence-transformers"))
