"""Briefings: `elicitor briefings validate` names each broken field; the schema fits templates."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from elicitor.briefing.loader import template_names
from elicitor.cli.main import cli

BROKEN = Path(__file__).parent / "data" / "core" / "broken-briefing.yaml"
CLI_TIMEOUT_SECONDS = 120


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def template_data(name: str) -> dict:
    text = (resources.files("elicitor.briefing") / "templates" / f"{name}.yaml").read_text()
    return yaml.safe_load(text)


def write_yaml(path: Path, data: dict) -> str:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def lines_naming(output: str, *words: str) -> list[str]:
    return [line for line in output.splitlines() if all(word in line for word in words)]


# -- validate -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_result() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "elicitor", "briefings", "validate", str(BROKEN)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


def test_broken_briefing_exits_one(broken_result):
    assert broken_result.returncode == 1


def test_broken_briefing_names_title(broken_result):
    assert lines_naming(broken_result.stderr, "title"), broken_result.stderr


def test_broken_briefing_names_question(broken_result):
    assert lines_naming(broken_result.stderr, "topics[1]", "question"), broken_result.stderr


def test_broken_briefing_names_duplicate(broken_result):
    assert lines_naming(broken_result.stderr, "'symptom'"), broken_result.stderr


def test_valid_template_file_passes(tmp_path):
    path = write_yaml(tmp_path / "bug-triage.yaml", template_data("bug-triage"))

    result = invoke("briefings", "validate", path)

    assert result.exit_code == 0, result.output


def test_missing_title_named(tmp_path):
    data = template_data("bug-triage")
    del data["title"]

    result = invoke("briefings", "validate", write_yaml(tmp_path / "b.yaml", data))

    assert result.exit_code == 1
    assert lines_naming(result.stderr, "title"), result.stderr


def test_missing_question_named(tmp_path):
    data = template_data("bug-triage")
    del data["topics"][2]["question"]

    result = invoke("briefings", "validate", write_yaml(tmp_path / "b.yaml", data))

    assert result.exit_code == 1
    assert lines_naming(result.stderr, "topics[2]", "question"), result.stderr


def test_duplicate_topic_id_named(tmp_path):
    data = template_data("bug-triage")
    duplicated = data["topics"][0]["id"]
    data["topics"][3]["id"] = duplicated

    result = invoke("briefings", "validate", write_yaml(tmp_path / "b.yaml", data))

    assert result.exit_code == 1
    assert lines_naming(result.stderr, f"'{duplicated}'"), result.stderr


def test_missing_file_exits_one(tmp_path):
    result = invoke("briefings", "validate", str(tmp_path / "absent.yaml"))

    assert result.exit_code == 1
    assert "absent.yaml" in result.stderr


# -- the published schema -------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    result = invoke("briefings", "schema")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_schema_is_valid_json_schema(schema):
    validator = jsonschema.validators.validator_for(schema)

    validator.check_schema(schema)


@pytest.mark.parametrize("name", template_names())
def test_schema_accepts_template(schema, name):
    jsonschema.validate(template_data(name), schema)


def test_schema_rejects_broken_briefing(schema):
    validator = jsonschema.validators.validator_for(schema)(schema)
    data = yaml.safe_load(BROKEN.read_text(encoding="utf-8"))

    problems = {
        ".".join(str(p) for p in error.absolute_path) or error.message
        for error in validator.iter_errors(data)
    }

    assert any("title" in problem for problem in problems), problems
    assert "topics.1" in problems, problems
