"""Static sentence embeddings for the offline engine.

The shipped model in ``data/static-minilm`` is a model2vec static model
distilled from all-MiniLM-L6-v2 by ``scripts/distill_static_model.py``. A text
vector is the mean of the stored vectors of its word-piece tokens, so encoding
needs only numpy, tokenizers and safetensors, and nothing is downloaded.

:class:`StaticEmbedder` reproduces ``model2vec.StaticModel.encode`` (model2vec
0.10.0) for a model without per-token weights or token mapping:

- each text is cut to ``max_length * median_token_length`` characters, then
  tokenised without special tokens and truncated to ``max_length`` tokens;
- the unknown token (``[UNK]``) is dropped;
- the remaining token vectors are averaged and the mean is L2-normalised.

model2vec averages in the stored float16 type, while this class averages in
float32. On the texts in ``tests/data/static_reference.json`` the two differ by
at most 2e-4 per component.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_safetensors
from tokenizers import Tokenizer

MODEL_FOLDER = "static-minilm"
EMBEDDINGS_FILE = "embeddings.safetensors"
EMBEDDINGS_KEY = "embeddings"


class StaticEmbedder:
    """Sentence encoder backed by a model2vec-style static embedding matrix."""

    def __init__(self, folder: str | os.PathLike[str] | Traversable) -> None:
        """Load the model from ``folder``.

        ``folder`` contains ``config.json``, ``tokenizer.json`` and
        ``embeddings.safetensors`` as written by the distillation script. It may
        be a filesystem path or an ``importlib.resources`` traversable.
        """
        root: Traversable = Path(folder) if isinstance(folder, str | os.PathLike) else folder

        config = json.loads((root / "config.json").read_text(encoding="utf-8"))
        self.max_length: int | None = config.get("max_length")
        self.median_token_length: int = int(config["median_token_length"])
        self.normalize: bool = bool(config.get("normalize", True))

        tokenizer_text = (root / "tokenizer.json").read_text(encoding="utf-8")
        self.tokenizer = Tokenizer.from_str(tokenizer_text)
        # Padding would add [PAD] rows to the mean, so it stays off.
        self.tokenizer.no_padding()
        if self.max_length is None:
            self.tokenizer.no_truncation()
        else:
            self.tokenizer.enable_truncation(self.max_length)
        self.unk_token_id: int | None = _unknown_token_id(self.tokenizer, tokenizer_text)

        tensors = load_safetensors((root / EMBEDDINGS_FILE).read_bytes())
        if EMBEDDINGS_KEY not in tensors:
            raise ValueError(f"{EMBEDDINGS_FILE} in {root} has no tensor named {EMBEDDINGS_KEY!r}")
        self.embeddings: np.ndarray = tensors[EMBEDDINGS_KEY].astype(np.float32)

        vocab_size = self.tokenizer.get_vocab_size(with_added_tokens=True)
        if self.embeddings.ndim != 2 or self.embeddings.shape[0] != vocab_size:
            raise ValueError(
                f"embedding matrix shape {self.embeddings.shape} does not match "
                f"the tokenizer vocabulary of {vocab_size} tokens in {root}"
            )

    @property
    def dim(self) -> int:
        """Number of components in each vector."""
        return int(self.embeddings.shape[1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts`` into a float32 array of shape ``(len(texts), dim)``.

        Rows are L2-normalised when ``normalize`` is true in the model config,
        as it is for the shipped model. A text with no known token, such as
        ``""``, gives a zero row.
        """
        if isinstance(texts, str):
            raise TypeError("encode() expects a sequence of strings; wrap a single text in a list")

        output = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return output

        token_ids = self._tokenize(texts)
        lengths = np.array([len(ids) for ids in token_ids], dtype=np.int64)
        nonempty = np.flatnonzero(lengths)
        if nonempty.size == 0:
            return output

        # Sum each text's token vectors in one pass: gather all rows, then
        # reduce over the segment that belongs to each non-empty text.
        flat_ids = np.fromiter(
            (token for ids in token_ids for token in ids), dtype=np.int64, count=int(lengths.sum())
        )
        starts = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
        sums = np.add.reduceat(self.embeddings[flat_ids], starts, axis=0)
        output[nonempty] = sums / lengths[nonempty, None]

        if self.normalize:
            norms = np.linalg.norm(output, axis=1, keepdims=True)
            np.divide(output, norms, out=output, where=norms > 0)
        return output

    def similarity(self, a: str, b: str) -> float:
        """Return the cosine similarity of two texts (0.0 if either has no known token)."""
        vectors = self.encode([a, b])
        norms = np.linalg.norm(vectors, axis=1)
        if norms[0] == 0 or norms[1] == 0:
            return 0.0
        return float(vectors[0] @ vectors[1] / (norms[0] * norms[1]))

    def _tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Return the token ids of each text, without special or unknown tokens."""
        if self.max_length is not None:
            # model2vec cuts the characters first so that very long texts are
            # not tokenised in full only to be truncated afterwards.
            max_chars = self.max_length * self.median_token_length
            texts = [text[:max_chars] for text in texts]

        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        if self.unk_token_id is None:
            return [encoding.ids for encoding in encodings]
        unk = self.unk_token_id
        return [[token for token in encoding.ids if token != unk] for encoding in encodings]


def _unknown_token_id(tokenizer: Tokenizer, tokenizer_text: str) -> int | None:
    """Return the id of the tokenizer model's unknown token, or None if it has none.

    WordPiece, BPE and WordLevel models name the token (``unk_token``), while
    Unigram models store its id (``unk_id``).
    """
    model = json.loads(tokenizer_text)["model"]
    unk_token = model.get("unk_token")
    if unk_token is not None:
        return tokenizer.token_to_id(unk_token)
    unk_id = model.get("unk_id")
    return None if unk_id is None else int(unk_id)


@functools.cache
def default_embedder() -> StaticEmbedder:
    """Return the shared embedder for the model shipped with the package."""
    folder = resources.files("elicitor") / "engine" / "data" / MODEL_FOLDER
    return StaticEmbedder(folder)
