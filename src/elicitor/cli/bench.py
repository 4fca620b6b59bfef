"""``elicitor bench``: the elicitation benchmark, the speed benchmark and the regression gate."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

DEFAULT_BASELINE = Path("benchmarks") / "baseline.json"


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _require_encoder() -> None:
    """Fail early, with the install command, when the MiniLM encoder cannot load."""
    try:
        from elicitor.bench.minilm import default_encoder

        default_encoder()
    except (ImportError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error


def _write(path: Path, text: str, what: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {what} to {path}", err=True)


@click.group("bench")
def bench() -> None:
    """Benchmarks: elicitation quality with simulated participants, speed, and the gate."""


@bench.command("elicitation")
@click.option(
    "--cases",
    "case_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Case file (JSON); repeat for several. Default: every bundled case.",
)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    metavar="SPEC",
    help="Engine as provider:model; repeat for several. Default: offline.",
)
@click.option("--no-baselines", is_flag=True, help="Skip the static-form and prober baselines.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the JSON report.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False), help="Write the HTML report.")
@click.option(
    "--transcripts",
    type=click.Path(file_okay=False),
    help="Write one Markdown transcript per interview into this folder.",
)
def elicitation(
    case_files: tuple[str, ...],
    engines: tuple[str, ...],
    no_baselines: bool,
    json_out: str | None,
    html_out: str | None,
    transcripts: str | None,
) -> None:
    """Interview simulated participants and score what each interviewer draws out."""
    from elicitor.bench.cases import load_cases
    from elicitor.bench.elicitation import run_elicitation, write_json
    from elicitor.bench.harness import default_contenders
    from elicitor.bench.report import html_report, results_table, write_transcripts

    cases = load_cases(list(case_files))
    _require_encoder()
    contenders = default_contenders(list(engines) or ["offline"], baselines=not no_baselines)
    result = run_elicitation(cases, contenders, progress=_progress)
    click.echo(results_table(result.document))
    if json_out:
        write_json(Path(json_out), result.document)
        click.echo(f"Wrote the JSON report to {json_out}", err=True)
    if html_out:
        _write(Path(html_out), html_report(result.document), "the HTML report")
    if transcripts:
        written = write_transcripts(Path(transcripts), result.records, result.scores)
        click.echo(f"Wrote {len(written)} transcripts under {transcripts}", err=True)


@bench.command("speed")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the JSON report.")
@click.option("--sessions", default=5, show_default=True, help="Scripted sessions timed per turn.")
def speed(json_out: str | None, sessions: int) -> None:
    """Time engine turns, memory per session and launch to first question."""
    from elicitor.bench.speed import SpeedConfig, run_speed, speed_table

    if sessions < 1:
        raise click.BadParameter(f"must be at least 1, got {sessions}", param_hint="--sessions")
    report = run_speed(SpeedConfig(sessions=sessions), progress=_progress)
    click.echo(speed_table(report))
    if json_out:
        _write(Path(json_out), json.dumps(report, indent=2) + "\n", "the JSON report")


@bench.command("gate")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_BASELINE),
    show_default=True,
    help="Baseline file to compare with.",
)
@click.option("--update", is_flag=True, help="Rewrite the baseline file with this run's results.")
@click.option(
    "--engine",
    "engines",
    multiple=True,
    metavar="SPEC",
    help="Engine as provider:model; repeat for several. Default: offline.",
)
@click.option(
    "--cases",
    "case_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Case file (JSON); repeat for several. Default: every bundled case.",
)
@click.option("--skip-speed", is_flag=True, help="Compare elicitation quality only.")
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False), help="Write this run's results."
)
def gate(
    baseline_path: str,
    update: bool,
    engines: tuple[str, ...],
    case_files: tuple[str, ...],
    skip_speed: bool,
    json_out: str | None,
) -> None:
    """Run the benchmarks and fail (exit 1) when a metric regressed against the baseline."""
    from elicitor.bench.gate import compare, failure_message, gate_table, load_baseline

    path = Path(baseline_path)
    baseline = None if update else load_baseline(path)
    started = time.perf_counter()
    current = _gate_run(list(engines) or ["offline"], list(case_files), skip_speed=skip_speed)
    if json_out:
        _write(Path(json_out), json.dumps(current, indent=2) + "\n", "this run's results")
    if update:
        _write(path, json.dumps(current, indent=2) + "\n", "the new baseline")
        return
    assert baseline is not None
    result = compare(baseline, current)
    click.echo(gate_table(result))
    click.echo(f"Gate ran in {time.perf_counter() - started:.0f} s.", err=True)
    if not result.passed:
        click.echo(failure_message(result, path), err=True)
        sys.exit(1)
    click.echo("Benchmark gate passed.")


def _gate_run(engines: list[str], case_files: list[str], *, skip_speed: bool) -> dict[str, Any]:
    from elicitor.bench.cases import load_cases
    from elicitor.bench.elicitation import run_elicitation
    from elicitor.bench.gate import baseline_document
    from elicitor.bench.harness import default_contenders
    from elicitor.bench.report import results_table
    from elicitor.bench.speed import run_speed_isolated, speed_table

    cases = load_cases(case_files)
    _require_encoder()
    speed = None if skip_speed else run_speed_isolated()
    result = run_elicitation(cases, default_contenders(engines), progress=_progress)
    click.echo(results_table(result.document))
    if speed is not None:
        click.echo(speed_table(speed))
    document = baseline_document(result.document, speed)
    document["synthesis"] = _synthesis_totals()
    tokens = _token_totals()
    if tokens is not None:
        document["tokens"] = tokens
    return document


def _synthesis_totals() -> dict[str, Any]:
    from elicitor.synthesis.bench import run_synthesis_bench

    report = run_synthesis_bench(progress=_progress)
    return {mode: data["totals"] for mode, data in report["modes"].items()}


# The prompt-size benchmark is a script next to the baseline, run where the repository is.
TOKEN_SCRIPT = Path("benchmarks/llm_tokens.py")


def _token_totals() -> dict[str, Any] | None:
    """Run the prompt-size benchmark (fake model, about 2 s) and keep its turn-60 figures."""
    if not TOKEN_SCRIPT.is_file():
        click.echo(f"skipping the prompt-size benchmark: {TOKEN_SCRIPT} not found", err=True)
        return None
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "tokens.json"
        subprocess.run(
            [sys.executable, str(TOKEN_SCRIPT), "--output", str(output)],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        data = json.loads(output.read_text(encoding="utf-8"))
    return {"turns": data["turns"], "last_turn": data["last_turn"], "session": data["session"]}


def register(root: click.Group) -> None:
    root.add_command(bench)
