"""Tests for the shipped static embedding model and its numpy loader."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from elicitor.engine.embedding import StaticEmbedder, default_embedder

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "static_reference.json").read_text(encoding="utf-8")
)
# model2vec averages the float16 rows in float16 while the loader uses float32.
COMPONENT_TOLERANCE = 1e-2

PARAPHRASE = (
    "the primary database went down at 23:10",
    "we lost the primary db around ten past eleven",
)
UNRELATED = ("the primary database went down at 23:10", "How is the weather today?")


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    return default_embedder()


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda case: case["text"][:30])
def test_encode_matches_model2vec_reference(embedder: StaticEmbedder, case: dict) -> None:
    vector = embedder.encode([case["text"]])[0]
    expected = np.array(case["vector_head"], dtype=np.float32)

    np.testing.assert_allclose(vector[: len(expected)], expected, atol=COMPONENT_TOLERANCE)


def test_encode_shape_and_dtype(embedder: StaticEmbedder) -> None:
    vectors = embedder.encode(["one", "two", "three"])

    assert vectors.shape == (3, embedder.dim)
    assert vectors.dtype == np.float32
    assert embedder.dim == 256


def test_encode_rows_unit_norm(embedder: StaticEmbedder) -> None:
    texts = [case["text"] for case in REFERENCE["cases"]]

    norms = np.linalg.norm(embedder.encode(texts), axis=1)

    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


@pytest.mark.parametrize("text", ["", "   ", "\u2603\u2603"])
def test_encode_text_without_tokens_gives_zero_row(embedder: StaticEmbedder, text: str) -> None:
    vectors = embedder.encode([text, "a normal sentence"])

    assert not np.isnan(vectors).any()
    assert np.all(vectors[0] == 0.0)
    assert np.linalg.norm(vectors[1]) == pytest.approx(1.0, abs=1e-5)


def test_encode_empty_list(embedder: StaticEmbedder) -> None:
    vectors = embedder.encode([])

    assert vectors.shape == (0, embedder.dim)


def test_encode_rejects_bare_string(embedder: StaticEmbedder) -> None:
    with pytest.raises(TypeError, match="sequence of strings"):
        embedder.encode("a bare string")


def test_batch_and_single_encode_agree(embedder: StaticEmbedder) -> None:
    texts = [case["text"] for case in REFERENCE["cases"]] + ["", PARAPHRASE[0]]

    batched = embedder.encode(texts)
    single = np.vstack([embedder.encode([text]) for text in texts])

    np.testing.assert_allclose(batched, single, atol=1e-6)


def test_paraphrase_scores_above_unrelated(embedder: StaticEmbedder) -> None:
    paraphrase = embedder.similarity(*PARAPHRASE)
    unrelated = embedder.similarity(*UNRELATED)

    assert paraphrase > unrelated


def test_similarity_with_empty_text_is_zero(embedder: StaticEmbedder) -> None:
    assert embedder.similarity("", "the primary database went down") == 0.0


def test_similarity_of_identical_texts_is_one(embedder: StaticEmbedder) -> None:
    assert embedder.similarity("replica lag", "replica lag") == pytest.approx(1.0, abs=1e-5)


def test_long_text_truncated_like_model2vec(embedder: StaticEmbedder) -> None:
    # Tokens past max_length (512) do not change the vector.
    base = " ".join(["alpha beta gamma"] * 200)
    extended = base + " " + " ".join(["kubernetes outage"] * 100)

    vectors = embedder.encode([base, extended])

    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)


def test_default_embedder_is_cached() -> None:
    assert default_embedder() is default_embedder()


def test_load_time_under_half_second() -> None:
    folder = Path(__file__).parents[1] / "src" / "elicitor" / "engine" / "data" / "static-minilm"

    start = time.perf_counter()
    StaticEmbedder(folder)
    elapsed = time.perf_counter() - start

    assert elapsed < 0.5, f"loading the static model took {elapsed:.3f} s"
