"""Tests for the speed benchmark's report; no timing targets, which belong in the gate."""

from __future__ import annotations

from typing import Any

import pytest

from elicitor.bench.speed import (
    TURN_POINTS,
    SpeedConfig,
    reference_workload,
    run_speed,
    scripted_answers,
    speed_table,
)


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    config = SpeedConfig(sessions=1, memory_sessions=2, launches=1, reference_repeats=1)
    return run_speed(config)


def test_speed_reports_each_turn_point(report: dict[str, Any]) -> None:
    assert sorted(report["turns"], key=int) == [str(point) for point in TURN_POINTS]


def test_speed_window_samples(report: dict[str, Any]) -> None:
    assert report["turns"]["50"]["answer"]["samples"] == 5


def test_speed_ratios_positive(report: dict[str, Any]) -> None:
    assert report["ratios"]["turn50_median"] > 0
    assert report["ratios"]["launch_median"] > 0


def test_speed_turn_heap_measured(report: dict[str, Any]) -> None:
    peaks = report["memory"]["turn_peak_kib"]

    assert set(peaks) == {str(point) for point in TURN_POINTS}
    assert peaks["50"] > 0


def test_speed_table_rows(report: dict[str, Any]) -> None:
    table = speed_table(report)

    assert "turn 50" in table
    assert "launch to first question" in table


def test_reference_workload_fixed() -> None:
    assert reference_workload() == reference_workload()


def test_scripted_answers_varied() -> None:
    answers = scripted_answers()

    assert len(answers) > max(TURN_POINTS)
    assert len(set(answers)) == len(answers)
