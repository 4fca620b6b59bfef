"""The regression gate: compare a fresh benchmark run with the stored baseline.

Quality: for each engine (baselines are shown for context and never fail the gate), a drop
in recall, kind accuracy or contradiction catch rate of more than ``QUALITY_TOLERANCE``
(absolute) fails. With the offline engine the benchmark gave the same scores run after
run on one machine, so any drop is a change in behaviour, and the tolerance only absorbs
rounding and small differences in int8 arithmetic between CPUs.

Speed: the gated figures are the median ratio of each turn's wall time to the reference
workload run right after it (turns 5, 20 and 50), and the median ratio of the launch time to
the first question over a bare interpreter launched just before. A turn ratio that grows by
more than ``SLOWDOWN_LIMIT`` times its baseline fails, and so does a launch ratio that grows
by more than ``LAUNCH_SLOWDOWN_LIMIT`` times. In two sets of three runs, each set on one
copy of the code, on a busy 2-core machine (load average 3-5), the turn ratios varied by up
to 1.29 times within a set and the launch ratio by up to 1.59 times (docs/benchmarks.md has
the numbers). The limits leave room for that
noise and still catch a real slowdown, such as a heavy import at start-up. CPU-time ratios,
p95 ratios and memory are shown but not gated: p95 varied by up to 1.9 times, CPU time
misses waiting on I/O, and memory is not a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elicitor.errors import InvalidInput, NotFound

BASELINE_SCHEMA = "elicitor-bench-baseline/1"
QUALITY_TOLERANCE = 0.02
SLOWDOWN_LIMIT = 1.5
# Start-up is mostly reading and importing modules, which a busy machine slows unevenly.
LAUNCH_SLOWDOWN_LIMIT = 2.5
QUALITY_METRICS = ("recall", "kind_accuracy", "catch_rate")
INFO_METRICS = ("revealed_at_10", "noise", "dropped", "compound_rate", "words_per_fact")
GATED_RATIOS: dict[str, float] = {
    "turn5_median": SLOWDOWN_LIMIT,
    "turn20_median": SLOWDOWN_LIMIT,
    "turn50_median": SLOWDOWN_LIMIT,
    "launch_median": LAUNCH_SLOWDOWN_LIMIT,
}
UPDATE_COMMAND = "elicitor bench gate --update"


@dataclass
class GateRow:
    metric: str
    baseline: float | None
    now: float | None
    verdict: str  # ok, regressed, improved, info or new
    note: str = ""


@dataclass
class GateResult:
    rows: list[GateRow] = field(default_factory=list)

    @property
    def regressions(self) -> list[GateRow]:
        return [row for row in self.rows if row.verdict == "regressed"]

    @property
    def passed(self) -> bool:
        return not self.regressions


def baseline_document(elicitation: dict[str, Any], speed: dict[str, Any] | None) -> dict[str, Any]:
    """Return the baseline file's content for one benchmark run."""
    return {
        "schema": BASELINE_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "refresh_with": UPDATE_COMMAND,
        "tolerances": {"quality_drop": QUALITY_TOLERANCE, "slowdown": GATED_RATIOS},
        "cases": elicitation["cases"],
        "thresholds": elicitation["thresholds"],
        "quality": {
            name: {
                "baseline": any(
                    c["name"] == name and c["baseline"] for c in elicitation["contenders"]
                ),
                **{metric: totals.get(metric) for metric in (*QUALITY_METRICS, *INFO_METRICS)},
            }
            for name, totals in elicitation["totals"].items()
        },
        "speed": None
        if speed is None
        else {
            "reference_ms": speed["reference_ms"],
            "ratios": speed["ratios"],
            "turns": speed["turns"],
            "memory": speed["memory"],
            "launch": speed["launch"],
        },
    }


def load_baseline(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise NotFound(f"baseline file {str(path)!r} not found; create it with: {UPDATE_COMMAND}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"baseline file {str(path)!r} is not valid JSON ({error.msg}, line {error.lineno}); "
            f"recreate it with: {UPDATE_COMMAND}"
        ) from error
    if data.get("schema") != BASELINE_SCHEMA:
        raise InvalidInput(
            f"baseline file {str(path)!r} has schema {data.get('schema')!r}, expected "
            f"{BASELINE_SCHEMA!r}; recreate it with: {UPDATE_COMMAND}"
        )
    return data


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> GateResult:
    """Compare two baseline documents; ``current`` comes from the run being checked."""
    if sorted(baseline["cases"]) != sorted(current["cases"]):
        raise InvalidInput(
            "the baseline was made on other cases than this run "
            f"({len(baseline['cases'])} against {len(current['cases'])}); run the gate on the "
            f"same cases, or refresh the baseline with: {UPDATE_COMMAND}"
        )
    if baseline.get("thresholds") != current.get("thresholds"):
        raise InvalidInput(
            f"the match thresholds changed ({baseline.get('thresholds')} in the baseline, "
            f"{current.get('thresholds')} now), so scores are not comparable; refresh the "
            f"baseline with: {UPDATE_COMMAND}"
        )
    result = GateResult()
    _compare_quality(baseline["quality"], current["quality"], result)
    if baseline.get("synthesis") and current.get("synthesis"):
        _compare_synthesis(baseline["synthesis"], current["synthesis"], result)
    if baseline.get("tokens") and current.get("tokens"):
        _compare_tokens(baseline["tokens"], current["tokens"], result)
    if baseline.get("speed") and current.get("speed"):
        _compare_speed(baseline["speed"], current["speed"], result)
    return result


def _compare_quality(base: dict[str, Any], now: dict[str, Any], result: GateResult) -> None:
    for name, values in now.items():
        old = base.get(name)
        gated = not values.get("baseline", False)
        for metric in (*QUALITY_METRICS, *INFO_METRICS):
            label = f"{name} {metric}"
            before = old.get(metric) if old else None
            after = values.get(metric)
            if old is None:
                result.rows.append(GateRow(label, None, after, "new"))
                continue
            if not gated or metric not in QUALITY_METRICS:
                result.rows.append(GateRow(label, before, after, "info"))
                continue
            result.rows.append(_quality_row(label, before, after))
    for name in base:
        if name not in now and not base[name].get("baseline", False):
            result.rows.append(
                GateRow(
                    f"{name} (engine)",
                    None,
                    None,
                    "regressed",
                    f"in the baseline but not run; pass --engine {name}",
                )
            )


def _compare_synthesis(base: dict[str, Any], now: dict[str, Any], result: GateResult) -> None:
    """Fail when the synthesis finds fewer real disagreements or raises more false ones."""
    for mode, totals in now.items():
        before = base.get(mode, {})
        found, false = totals["found_pairs"], totals["false_disagreements"]
        old_found, old_false = before.get("found_pairs"), before.get("false_disagreements")
        verdict = "regressed" if old_found is not None and found < old_found else "ok"
        result.rows.append(GateRow(f"synthesis {mode} found pairs", old_found, found, verdict))
        verdict = "regressed" if old_false is not None and false > old_false else "ok"
        result.rows.append(
            GateRow(f"synthesis {mode} false disagreements", old_false, false, verdict)
        )


# Prompt tokens are counted, not timed, so the same code gives the same numbers; 5% leaves
# room for a reworded prompt template without letting the prompt grow with the transcript.
TOKEN_TOLERANCE = 0.05


def _compare_tokens(base: dict[str, Any], now: dict[str, Any], result: GateResult) -> None:
    """Fail when the bounded prompt at the last turn grows, or its saving shrinks."""
    before, after = base["last_turn"], now["last_turn"]
    grew = after["bounded"] > before["bounded"] * (1 + TOKEN_TOLERANCE)
    result.rows.append(
        GateRow(
            f"tokens sent at turn {after['turn']}",
            before["bounded"],
            after["bounded"],
            "regressed" if grew else "ok",
        )
    )
    shrank = after["ratio"] < before["ratio"] * (1 - TOKEN_TOLERANCE)
    result.rows.append(
        GateRow(
            f"full-transcript / bounded ratio at turn {after['turn']}",
            before["ratio"],
            after["ratio"],
            "regressed" if shrank else "ok",
        )
    )


def _quality_row(label: str, before: float | None, after: float | None) -> GateRow:
    if before is None:
        return GateRow(label, before, after, "ok", "no baseline value")
    value = 0.0 if after is None else after
    if value < before - QUALITY_TOLERANCE:
        return GateRow(
            label, before, after, "regressed", f"dropped by more than {QUALITY_TOLERANCE}"
        )
    if value > before + QUALITY_TOLERANCE:
        return GateRow(label, before, after, "improved")
    return GateRow(label, before, after, "ok")


def _compare_speed(base: dict[str, Any], now: dict[str, Any], result: GateResult) -> None:
    for name, after in now["ratios"].items():
        before = base["ratios"].get(name)
        label = f"speed {name} (x reference)"
        if before is None:
            result.rows.append(GateRow(label, None, after, "new"))
            continue
        if name not in GATED_RATIOS:
            result.rows.append(GateRow(label, before, after, "info"))
            continue
        limit = GATED_RATIOS[name]
        if after > before * limit:
            note = f"{after / before:.2f}x slower; the limit is {limit}x"
            result.rows.append(GateRow(label, before, after, "regressed", note))
        else:
            result.rows.append(GateRow(label, before, after, "ok", f"{after / before:.2f}x"))
    for point, peak in now["memory"]["turn_peak_kib"].items():
        before = base["memory"]["turn_peak_kib"].get(point)
        result.rows.append(GateRow(f"memory turn {point} heap KiB", before, peak, "info"))


def gate_table(result: GateResult) -> str:
    from elicitor.bench.report import text_table

    rows = [
        [row.metric, _cell(row.baseline), _cell(row.now), row.verdict, row.note]
        for row in result.rows
    ]
    return text_table(["metric", "baseline", "now", "verdict", "note"], rows)


def failure_message(result: GateResult, baseline_path: Path) -> str:
    lines = [f"Benchmark gate failed: {len(result.regressions)} metric(s) regressed."]
    for row in result.regressions:
        lines.append(f"  - {row.metric}: {_cell(row.baseline)} -> {_cell(row.now)} ({row.note})")
    lines.append(f"If the change is intended, refresh {baseline_path} with: {UPDATE_COMMAND}")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{value:.3f}"
