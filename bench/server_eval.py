"""The eval suite through the scale-out path, beside the in-process path, in one run.

Starts `python -m llama_cpp.server` (the bundled SmolLM2 GGUF) and `chroma run` on loopback,
runs the full suite in evals/ with ASSISTANT_LLM__BACKEND=openai and ASSISTANT_STORE__BACKEND=server
(only settings differ), then in process, and prints both.

    python bench/server_eval.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers.launch import chroma_server, llama_server  # noqa: E402

from assistant import evals  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        chroma, chroma_port = chroma_server(tmp)
        llama, llama_url = llama_server(tmp)
        try:
            remote = Settings(
                llm={"backend": "openai", "base_url": llama_url, "model": "smollm2", "api_key": "none",
                     # SmolLM2 cannot follow the numbered "cite [n]" prompt, wherever it runs.
                     "prompt_style": "compact"},
                store={"backend": "server", "host": "127.0.0.1", "port": chroma_port,
                       "catalog_url": f"sqlite:///{tmp / 'catalog.sqlite'}"})
            results["server"] = evals.run_suite(remote)
        finally:
            llama.stop()
            chroma.stop()
    results["in_process"] = evals.run_suite(Settings())
    names = list(results["in_process"]["metrics"])
    print(f"{'metric':26} {'in process':>12} {'servers':>12}")
    for name in names:
        print(f"{name:26} {results['in_process']['metrics'][name]:12.3f} {results['server']['metrics'][name]:12.3f}")
    same = sum(a["answer"] == b["answer"] for a, b in zip(results["in_process"]["rows"], results["server"]["rows"],
                                                          strict=True))
    print(f"identical answers: {same}/{len(results['server']['rows'])}")
    out = ROOT / "bench" / "results" / "server_eval.json"
    out.write_text(json.dumps({k: {"metrics": v["metrics"], "seconds": v["seconds"]} for k, v in results.items()}
                              | {"identical_answers": same, "items": len(results["server"]["rows"])}, indent=2))
    print("wrote", out)


if __name__ == "__main__":
    main()
