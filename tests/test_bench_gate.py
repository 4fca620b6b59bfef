"""Tests for the regression gate: it passes on the current engine and fails on weakened ones."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

if importlib.util.find_spec("onnxruntime") is None:
    pytest.skip(
        "onnxruntime is not installed; install it with pip install 'elicitor[bench]'",
        allow_module_level=True,
    )

from click.testing import CliRunner  # noqa: E402

from elicitor.bench.cases import Case, load_cases  # noqa: E402
from elicitor.bench.elicitation import run_elicitation  # noqa: E402
from elicitor.bench.gate import (  # noqa: E402
    SLOWDOWN_LIMIT,
    baseline_document,
    compare,
    failure_message,
)
from elicitor.bench.harness import Contender, baseline_contender, engine_contender  # noqa: E402
from elicitor.briefing.model import Briefing  # noqa: E402
from elicitor.cli.main import cli  # noqa: E402
from elicitor.engine.analyst import Analysis, OfflineAnalyst  # noqa: E402
from elicitor.engine.policy import Move, Policy  # noqa: E402
from elicitor.engine.registry import load_engine  # noqa: E402
from elicitor.errors import InvalidInput  # noqa: E402
from elicitor.session.state import SessionState  # noqa: E402

# Kept small so the test stays short. Both cases hold hedged statements ("I believe",
# "I remember", "the maintainer assumed") that the offline analyst labels as assumptions,
# so an analyst that calls everything a fact must lose kind accuracy on them.
SUBSET = ("bug-11-mail-export-accents", "pm-05-slack-2021")


class FactOnlyAnalyst(OfflineAnalyst):
    """The offline analyst, except that every claim is labelled 'fact'."""

    def analyze(self, text: str, **kwargs: Any) -> Analysis:
        analysis = super().analyze(text, **kwargs)
        for claim in analysis.claims:
            claim.kind = "fact"
        return analysis


class HastyPolicy(Policy):
    """The shared policy, except that it wraps up after three questions."""

    def next_move(self, briefing: Briefing, state: SessionState) -> Move:
        if state.question_count() > 3:
            return Move("wrap_up", "test: stops after three questions", angle="wrap_up")
        return super().next_move(briefing, state)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return [case for case in load_cases() if case.id in SUBSET]


def quality(cases: list[Case], contender: Contender) -> dict[str, Any]:
    result = run_elicitation(cases, [contender, baseline_contender("form")])
    return baseline_document(result.document, None)


@pytest.fixture(scope="module")
def stored(cases: list[Case]) -> dict[str, Any]:
    return quality(cases, engine_contender("offline"))


def test_gate_passes_current_engine(cases: list[Case], stored: dict[str, Any]) -> None:
    result = compare(stored, quality(cases, engine_contender("offline")))

    assert result.passed, [row.metric for row in result.regressions]


def test_gate_fails_fact_only_analyst(cases: list[Case], stored: dict[str, Any]) -> None:
    engine = load_engine("offline")
    engine.analyst = FactOnlyAnalyst()

    result = compare(stored, quality(cases, Contender("offline", engine)))

    failed = [row.metric for row in result.regressions]
    assert "offline kind_accuracy" in failed


def test_gate_fails_hasty_policy(cases: list[Case], stored: dict[str, Any]) -> None:
    hasty = Contender("offline", load_engine("offline"), HastyPolicy())

    result = compare(stored, quality(cases, hasty))

    failed = [row.metric for row in result.regressions]
    assert "offline recall" in failed


def test_gate_ignores_baseline_drop(stored: dict[str, Any]) -> None:
    current = json.loads(json.dumps(stored))
    current["quality"]["form"]["recall"] = 0.0

    result = compare(stored, current)

    assert result.passed


def test_gate_rejects_other_cases(stored: dict[str, Any]) -> None:
    current = json.loads(json.dumps(stored))
    current["cases"] = ["another-case"]

    with pytest.raises(InvalidInput, match="other cases"):
        compare(stored, current)


def speed_document(stored: dict[str, Any], factor: float) -> dict[str, Any]:
    document = json.loads(json.dumps(stored))
    document["speed"] = {
        "reference_ms": 30.0,
        "ratios": {"turn50_median": 0.5 * factor, "turn50_p95": 9.0 * factor},
        "memory": {"turn_peak_kib": {"50": 1200.0}},
    }
    return document


def test_gate_fails_slowdown(stored: dict[str, Any]) -> None:
    result = compare(speed_document(stored, 1.0), speed_document(stored, SLOWDOWN_LIMIT + 0.2))

    failed = [row.metric for row in result.regressions]
    assert failed == ["speed turn50_median (x reference)"]


def test_gate_allows_noise(stored: dict[str, Any]) -> None:
    result = compare(speed_document(stored, 1.0), speed_document(stored, SLOWDOWN_LIMIT - 0.1))

    assert result.passed


def test_failure_message_names_metric(stored: dict[str, Any]) -> None:
    result = compare(speed_document(stored, 1.0), speed_document(stored, 3.0))

    message = failure_message(result, Path("benchmarks/baseline.json"))

    assert "turn50_median" in message
    assert "elicitor bench gate --update" in message


def test_cli_gate_update_then_pass(tmp_path: Path) -> None:
    source = [case.model_dump(mode="json") for case in load_cases() if case.id in SUBSET]
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps(source), encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    common = [
        "bench",
        "gate",
        "--skip-speed",
        "--cases",
        str(case_file),
        "--baseline",
        str(baseline),
    ]
    runner = CliRunner()

    update = runner.invoke(cli, [*common, "--update"], catch_exceptions=False)
    check = runner.invoke(cli, common, catch_exceptions=False)

    assert update.exit_code == 0
    assert baseline.is_file()
    assert check.exit_code == 0
    assert "Benchmark gate passed." in check.stdout


def test_cli_gate_missing_baseline(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["bench", "gate", "--skip-speed", "--baseline", str(tmp_path / "none.json")]
    )

    assert result.exit_code == 1
    assert "elicitor bench gate --update" in result.stderr


def _extras(found: int, false: int, bounded: int, ratio: float) -> dict[str, Any]:
    return {
        "synthesis": {"disclosed": {"found_pairs": found, "false_disagreements": false}},
        "tokens": {"last_turn": {"turn": 60, "bounded": bounded, "ratio": ratio}},
    }


def _extra_regressions(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    from elicitor.bench.gate import GateResult, _compare_synthesis, _compare_tokens

    result = GateResult()
    _compare_synthesis(before["synthesis"], after["synthesis"], result)
    _compare_tokens(before["tokens"], after["tokens"], result)
    return [row.metric for row in result.regressions]


def test_gate_extras_pass_when_equal() -> None:
    same = _extras(2, 0, 3000, 3.2)

    assert _extra_regressions(same, same) == []


def test_gate_fails_fewer_synthesis_pairs() -> None:
    failed = _extra_regressions(_extras(2, 0, 3000, 3.2), _extras(1, 0, 3000, 3.2))

    assert failed == ["synthesis disclosed found pairs"]


def test_gate_fails_more_false_disagreements() -> None:
    failed = _extra_regressions(_extras(2, 0, 3000, 3.2), _extras(2, 1, 3000, 3.2))

    assert failed == ["synthesis disclosed false disagreements"]


def test_gate_fails_growing_prompt() -> None:
    failed = _extra_regressions(_extras(2, 0, 3000, 3.2), _extras(2, 0, 4000, 2.4))

    assert "tokens sent at turn 60" in failed
