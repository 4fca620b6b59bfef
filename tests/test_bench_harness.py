"""Tests for the benchmark harness, the baselines and the reports, on real interviews."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

if importlib.util.find_spec("onnxruntime") is None:
    pytest.skip(
        "onnxruntime is not installed; install it with pip install 'elicitor[bench]'",
        allow_module_level=True,
    )

from click.testing import CliRunner  # noqa: E402

from elicitor.bench.baselines import PROBER_TEXT, ProberPolicy, baseline_engine  # noqa: E402
from elicitor.bench.cases import CaseRun, load_cases, parse_cases  # noqa: E402
from elicitor.bench.elicitation import run_elicitation  # noqa: E402
from elicitor.bench.harness import (  # noqa: E402
    Contender,
    baseline_contender,
    engine_contender,
    run_interview,
)
from elicitor.bench.report import html_report, results_table, svg_curves  # noqa: E402
from elicitor.briefing.loader import load_template  # noqa: E402
from elicitor.cli.main import cli  # noqa: E402
from elicitor.errors import InvalidInput, NotFound  # noqa: E402
from test_bench_participant import PRINTER_CASE  # noqa: E402


@pytest.fixture(scope="module")
def printer_run() -> CaseRun:
    return CaseRun(parse_cases(PRINTER_CASE)[0])


def test_offline_interview_signed(printer_run: CaseRun, tmp_path: Path) -> None:
    record = run_interview(printer_run, engine_contender("offline"), workdir=tmp_path)

    assert record.signed
    assert record.turns[0].answer == "The printer stopped working."
    assert record.turns[-1].kind == "review"
    assert record.turns[-1].answer == "sign"


def test_form_asks_topic_questions(printer_run: CaseRun, tmp_path: Path) -> None:
    record = run_interview(printer_run, baseline_contender("form"), workdir=tmp_path)

    asked = [turn.text for turn in record.questions()]
    expected = [topic.question for topic in load_template("bug-triage").topics]
    assert asked == expected
    assert record.signed


def test_prober_asks_tell_me_more(printer_run: CaseRun, tmp_path: Path) -> None:
    record = run_interview(printer_run, baseline_contender("prober"), workdir=tmp_path)

    asked = {turn.text for turn in record.questions()}
    assert asked == {PROBER_TEXT}
    assert len(record.questions()) == 20


def test_harness_caps_questions(printer_run: CaseRun, tmp_path: Path) -> None:
    endless = Contender("endless", baseline_engine("prober"), ProberPolicy(questions=1000))

    record = run_interview(printer_run, endless, workdir=tmp_path, max_questions=5)

    assert len(record.questions()) == 5
    assert not record.signed
    assert record.stop.startswith("stopped after 5 questions")


def test_bundled_cases_load() -> None:
    cases = load_cases()

    assert len(cases) == 10
    assert all(case.source for case in cases)


def test_case_file_unknown_fact(tmp_path: Path) -> None:
    data = dict(PRINTER_CASE, contradictions=[{"a": "never", "b": "missing"}])
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([data]), encoding="utf-8")

    with pytest.raises(InvalidInput, match="missing"):
        load_cases([path])


def test_case_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="not found"):
        load_cases([tmp_path / "absent.json"])


def test_reports_render(printer_run: CaseRun) -> None:
    contenders = [engine_contender("offline"), baseline_contender("prober")]
    result = run_elicitation([printer_run.case], contenders, max_questions=10)

    table = results_table(result.document)
    page = html_report(result.document)

    assert table.splitlines()[2].startswith("offline")
    assert "<svg" in page
    assert page.count("<polyline") == 2
    assert len(result.document["totals"]["offline"]["curve"]) == 11


def test_svg_curve_points() -> None:
    svg = svg_curves({"a": [0, 1, 2], "b": [0, 0, 1]}, total_facts=4)

    assert svg.count("<polyline") == 2
    assert svg.startswith("<svg")


def run_cli(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([PRINTER_CASE]), encoding="utf-8")
    return path


def test_cli_elicitation_outputs(case_file: Path, tmp_path: Path) -> None:
    code, out, err = run_cli(
        [
            "bench",
            "elicitation",
            "--cases",
            str(case_file),
            "--json",
            str(tmp_path / "out.json"),
            "--html",
            str(tmp_path / "out.html"),
            "--transcripts",
            str(tmp_path / "transcripts"),
        ]
    )

    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    transcripts = sorted(p.name for p in (tmp_path / "transcripts").rglob("*.md"))
    assert code == 0
    assert "prober" in out
    assert "[1/1] tiny-printer" in err
    assert set(document["totals"]) == {"offline", "form", "prober"}
    assert transcripts == ["tiny-printer.md"] * 3
    assert "<svg" in (tmp_path / "out.html").read_text(encoding="utf-8")


def test_transcript_lists_moves(case_file: Path, tmp_path: Path) -> None:
    run_cli(
        [
            "bench",
            "elicitation",
            "--cases",
            str(case_file),
            "--no-baselines",
            "--transcripts",
            str(tmp_path),
        ]
    )

    text = (tmp_path / "offline" / "tiny-printer.md").read_text(encoding="utf-8")

    assert text.startswith("# tiny-printer — offline")
    assert "**Participant:** The printer stopped working." in text
