"""``elicitor synthesize`` and ``elicitor bench synthesis`` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from elicitor.cli.main import cli
from elicitor.session.service import Interviewer
from elicitor.store.store import Store
from test_synthesis_support import interview, save


@pytest.fixture
def filled(sqlite_url: str) -> Iterator[str]:
    """A database with two signed interviews that disagree on the rollback time."""
    store = Store(sqlite_url)
    interviewer = Interviewer(store)
    record = save(store)
    interview(interviewer, record, "Ann", ["We rolled back the release at 23:40."])
    interview(interviewer, record, "Bob", ["We rolled back the release at 23:10."])
    store.close()
    yield sqlite_url


def invoke(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, "synthesize", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_markdown_default(filled: str) -> None:
    output = invoke(filled, "incident-review")
    assert output.startswith("# Synthesis: Database outage review")
    assert "### d1: different times, Timeline (open)" in output
    assert "## Merged timeline" in output


def test_json_with_names(filled: str) -> None:
    body = json.loads(invoke(filled, "incident-review", "--format", "json", "--names"))
    assert [p["label"] for p in body["participants"]] == ["Ann", "Bob"]
    assert body["names"] is True


def test_html_to_file(filled: str, tmp_path: Path) -> None:
    target = tmp_path / "synthesis.html"
    invoke(filled, "1", "--format", "html", "-o", str(target))
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "<script" not in page
    assert 'class="heatmap"' in page


def test_no_timeline_flag(filled: str) -> None:
    assert "## Merged timeline" not in invoke(filled, "incident-review", "--no-timeline")


def test_round2_prints_links(filled: str) -> None:
    output = invoke(filled, "incident-review", "--round2", "--base-url", "https://ask.example")
    lines = [line for line in output.splitlines() if line.startswith("P")]
    assert len(lines) == 2
    assert all("https://ask.example/p/" in line for line in lines)


def test_unknown_briefing_fails(filled: str) -> None:
    result = CliRunner().invoke(cli, ["--db", filled, "synthesize", "nope"])
    assert result.exit_code == 1
    assert "briefing 'nope' not found" in result.output


def test_bench_command_registered() -> None:
    result = CliRunner().invoke(cli, ["bench", "synthesis", "--help"])
    assert result.exit_code == 0
    assert "--json" in result.output


def test_briefings_list_counts_sessions(filled: str) -> None:
    result = CliRunner().invoke(cli, ["--db", filled, "briefings", "list"])
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split()[:2] == ["ID", "VERSIONS"]
    assert row.split()[:5] == ["incident-review", "v1", "(1)", "2", "2"]


def test_briefings_list_empty(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "new.db"), "briefings", "list"])
    assert result.exit_code == 0
    assert "No briefings stored yet" in result.output


def test_unknown_briefing_names_list_command(filled: str) -> None:
    result = CliRunner().invoke(cli, ["--db", filled, "synthesize", "nosuch"])
    assert result.exit_code != 0
    assert "'nosuch' not found" in result.output
    listed = CliRunner().invoke(cli, ["--db", filled, "briefings", "list"])
    assert listed.exit_code == 0


def test_summary_counts_add_up(filled: str) -> None:
    output = invoke(filled, "incident-review")
    assert "1 point: 0 agreed by two or more, 1 disputed, 0 from one person only" in output
