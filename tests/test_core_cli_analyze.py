"""`elicitor analyze`: one JSON line per statement, from arguments or from standard input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from elicitor.cli.main import cli

CLI_TIMEOUT_SECONDS = 120
HEDGED = "I think it takes about 30 seconds"


@pytest.fixture(scope="module")
def hedged_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "elicitor", "analyze", HEDGED],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


def test_analyze_prints_one_line(hedged_run):
    assert hedged_run.returncode == 0, hedged_run.stderr
    assert len(hedged_run.stdout.splitlines()) == 1


def test_analyze_kind_assumption(hedged_run):
    record = json.loads(hedged_run.stdout)

    assert [claim["kind"] for claim in record["claims"]] == ["assumption"]


def test_analyze_thirty_second_quantity(hedged_run):
    claim = json.loads(hedged_run.stdout)["claims"][0]

    assert [(q["dimension"], q["base_value"]) for q in claim["quantities"]] == [("duration", 30)]


def test_analyze_reads_stdin_lines():
    statements = ["The export button doesn't work.", "", "I don't know", "It is too slow."]

    result = CliRunner().invoke(cli, ["analyze"], input="\n".join(statements) + "\n")

    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0, result.output
    assert [r["input"] for r in records] == [1, 3, 4]
    assert records[0]["claims"][0]["vague_terms"] == ["doesn't work"]
    assert records[1]["non_answer"] == "dont_know"
    assert records[1]["claims"] == []
    assert records[2]["claims"][0]["kind"] == "judgment"


def test_analyze_one_line_per_argument():
    result = CliRunner().invoke(cli, ["analyze", "It always fails.", "It worked yesterday."])

    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2
