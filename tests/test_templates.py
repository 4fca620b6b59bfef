"""Check that the built-in briefing templates validate and that each question asks one thing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

SRC_DIR = Path(__file__).resolve().parents[1] / "src"
TEMPLATES_DIR = SRC_DIR / "elicitor" / "briefing" / "templates"

try:
    from elicitor.briefing.model import Briefing
except ModuleNotFoundError:
    # NOTE: the package is not always installed in the venv, so import it from the source
    # tree that the templates are read from.
    sys.path.insert(0, str(SRC_DIR))
    from elicitor.briefing.model import Briefing

EXPECTED_IDS = {"bug-triage", "incident", "requirements", "knowledge-transfer", "onboarding"}
MAX_QUESTION_WORDS = 30
MIN_PROBES, MAX_PROBES = 4, 7
MIN_KEYWORDS, MAX_KEYWORDS = 8, 20
MIN_BUDGET, MAX_BUDGET = 15, 30

# "and"/"or" followed by a question word usually joins a second question onto the first,
# as in "What happened, and why did you restart it?".
JOINED_QUESTION = re.compile(
    r"\b(?:and|or),?\s+(?:what|how|when|where|who|whom|why|which|did|do|does|is|are|was|were"
    r"|can|could|would|will|has|have)\b",
    re.IGNORECASE,
)

TEMPLATE_PATHS = sorted(TEMPLATES_DIR.glob("*.yaml"))


def _load(path: Path) -> Briefing:
    return Briefing.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _questions(briefing: Briefing) -> list[str]:
    questions = [briefing.opening_question]
    for topic in briefing.topics:
        questions.append(topic.question)
        questions.extend(topic.probes)
    return questions


def test_templates_folder_has_expected_files():
    assert {path.stem for path in TEMPLATE_PATHS} == EXPECTED_IDS


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_validates(path: Path):
    briefing = _load(path)

    assert briefing.id == path.stem
    assert any(topic.required for topic in briefing.topics)


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_briefing_fields_filled(path: Path):
    briefing = _load(path)

    assert briefing.audience.strip()
    assert briefing.requester.strip()
    assert briefing.private_notes.strip()
    assert briefing.artifact_sections
    assert MIN_BUDGET <= briefing.time_budget_minutes <= MAX_BUDGET


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_topic_fields_filled(path: Path):
    briefing = _load(path)

    for topic in briefing.topics:
        assert topic.description.strip(), topic.id
        assert topic.covered_when.strip(), topic.id
        assert MIN_PROBES <= len(topic.probes) <= MAX_PROBES, topic.id
        assert len(set(topic.probes)) == len(topic.probes), f"{topic.id}: repeated probe"
        assert MIN_KEYWORDS <= len(topic.keywords) <= MAX_KEYWORDS, topic.id
        for keyword in topic.keywords:
            assert keyword == keyword.lower().strip(), f"{topic.id}: {keyword!r}"


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_questions_ask_one_thing(path: Path):
    briefing = _load(path)

    for question in _questions(briefing):
        assert question.count("?") == 1, question
        assert question.endswith("?"), question
        assert "\n" not in question, question
        assert "\r" not in question, question
        assert len(question.split()) <= MAX_QUESTION_WORDS, question
        assert not JOINED_QUESTION.search(question), question


def test_joined_question_pattern_catches_two_questions():
    assert JOINED_QUESTION.search("What happened, and why did you restart it?")
    assert not JOINED_QUESTION.search("Was it a spinner, a freeze, or nothing at all?")
