"""The elicitation benchmark: every case run against every interviewer, scored and reported."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elicitor.bench.cases import Case, case_runs
from elicitor.bench.harness import MAX_QUESTIONS, Contender, RunRecord, run_all
from elicitor.bench.matching import CachedEncoder, shared_encoder
from elicitor.bench.report import build_document
from elicitor.bench.scoring import Scorer, summary


@dataclass
class ElicitationResult:
    """Everything one benchmark run produced: the records, per-interview scores, the report."""

    records: list[RunRecord]
    scores: dict[tuple[str, str], dict[str, Any]]
    document: dict[str, Any]


def run_elicitation(
    cases: list[Case],
    contenders: list[Contender],
    *,
    progress: Callable[[str], None] | None = None,
    encoder: CachedEncoder | None = None,
    max_questions: int = MAX_QUESTIONS,
) -> ElicitationResult:
    """Interview every case run with every contender, then score the interviews."""
    started = time.perf_counter()
    encoder = encoder or shared_encoder()

    records = run_all(
        case_runs(cases),
        contenders,
        progress=progress,
        encoder=encoder,
        max_questions=max_questions,
    )

    scorer = Scorer(encoder)
    score_objects = [scorer.score(record, curve_length=max_questions) for record in records]
    scores: dict[tuple[str, str], dict[str, Any]] = {}
    interviews: list[dict[str, Any]] = []
    for record, score in zip(records, score_objects, strict=True):
        data = score.to_dict()
        scores[(record.contender, record.label)] = data
        interviews.append(
            data
            | {
                "case": record.run.case.id,
                "participant": record.run.participant_id,
                "stop": record.stop,
                "seconds": record.seconds,
                "revealed_order": record.revealed,
                "turns": [turn.to_dict() for turn in record.turns],
            }
        )

    totals = {c.name: summary(score_objects, c.name) for c in contenders}
    described = [
        {"name": c.name, "baseline": c.baseline, "engine": c.engine.describe()} for c in contenders
    ]
    document = build_document(
        records,
        interviews,
        totals,
        contenders=described,
        seconds=time.perf_counter() - started,
    )
    return ElicitationResult(records, scores, document)


def write_json(path: Path, data: dict[str, Any]) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
