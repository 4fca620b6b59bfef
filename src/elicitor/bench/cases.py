"""Benchmark cases: participant personas with hidden facts, loaded from JSON files.

A case file holds a JSON list of cases. Each case has a vague ``opening`` statement and the
``facts`` the participant knows (each with its kind, the topic of the question that would
reveal it, and keywords), the ``contradictions`` planted among those facts, and optionally
``participants``: several people who each know a subset of the facts and are interviewed
separately. The bundled cases live in ``data/cases``; any other file of the same shape can be
passed by path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from elicitor.errors import InvalidInput, NotFound

# The briefing template each case family is interviewed with, unless the case names one.
FAMILY_TEMPLATES: dict[str, str] = {
    "bug_report": "bug-triage",
    "postmortem": "incident",
    "requirements": "requirements",
}
MAX_CASE_FILE_BYTES = 4 * 1024 * 1024


class CaseFact(BaseModel):
    """One atomic piece of hidden knowledge."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    kind: Literal["fact", "judgment", "assumption"]
    revealed_by: str = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    planted: bool = False


class CaseContradiction(BaseModel):
    """Two facts of one case that disagree; ``a`` is usually the planted one."""

    model_config = ConfigDict(extra="allow")

    a: str
    b: str
    note: str = ""


class CaseParticipant(BaseModel):
    """One of several people in a case, knowing only the facts in ``knows``."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    role: str = ""
    style: str = ""
    opening: str = Field(min_length=1)
    knows: list[str] = Field(min_length=1)


class Case(BaseModel):
    """A simulated participant's persona, opening statement and hidden facts."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    family: str = Field(min_length=1)
    source: dict[str, Any] | str | None = None
    persona: dict[str, Any] = Field(default_factory=dict)
    opening: str = Field(min_length=1)
    facts: list[CaseFact] = Field(min_length=1)
    contradictions: list[CaseContradiction] = Field(default_factory=list)
    root_cause_or_goal: str = ""
    participants: list[CaseParticipant] = Field(default_factory=list)
    briefing: str | None = Field(
        default=None, description="Briefing template name; overrides the family's template."
    )

    @model_validator(mode="after")
    def _check_references(self) -> Case:
        ids = [fact.id for fact in self.facts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"case {self.id!r} uses a fact id twice: {sorted(ids)}")
        known = set(ids)
        for pair in self.contradictions:
            missing = {pair.a, pair.b} - known
            if missing:
                raise ValueError(
                    f"case {self.id!r}: contradiction {pair.a}/{pair.b} names unknown facts "
                    f"{sorted(missing)}"
                )
        for person in self.participants:
            missing = set(person.knows) - known
            if missing:
                raise ValueError(
                    f"case {self.id!r}: participant {person.id!r} knows unknown facts "
                    f"{sorted(missing)}"
                )
        if self.briefing is None and self.family not in FAMILY_TEMPLATES:
            raise ValueError(
                f"case {self.id!r} has family {self.family!r}, which has no default briefing; "
                f"use one of {sorted(FAMILY_TEMPLATES)} or set 'briefing' to a template name"
            )
        return self

    def fact(self, fact_id: str) -> CaseFact:
        for fact in self.facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)

    def participant(self, participant_id: str) -> CaseParticipant:
        for person in self.participants:
            if person.id == participant_id:
                return person
        names = ", ".join(p.id for p in self.participants) or "none"
        raise NotFound(
            f"case {self.id!r} has no participant {participant_id!r}; its participants: {names}"
        )

    def template(self) -> str:
        """Return the name of the briefing template this case is interviewed with."""
        return self.briefing or FAMILY_TEMPLATES[self.family]


@dataclass(frozen=True)
class CaseRun:
    """One interview to run: a case, and the participant id for multi-participant cases."""

    case: Case
    participant_id: str | None = None

    @property
    def label(self) -> str:
        if self.participant_id is None:
            return self.case.id
        return f"{self.case.id}/{self.participant_id}"

    def facts(self) -> list[CaseFact]:
        """Return the facts this participant knows, in the case's order."""
        if self.participant_id is None:
            return list(self.case.facts)
        knows = set(self.case.participant(self.participant_id).knows)
        return [fact for fact in self.case.facts if fact.id in knows]

    def opening(self) -> str:
        if self.participant_id is None:
            return self.case.opening
        return self.case.participant(self.participant_id).opening


def bundled_case_files() -> list[Path]:
    """Return the paths of the case files shipped with the package, sorted by name."""
    folder = resources.files("elicitor.bench") / "data" / "cases"
    return sorted(Path(str(item)) for item in folder.iterdir() if item.name.endswith(".json"))


def parse_cases(data: Any, *, source: str = "cases") -> list[Case]:
    """Validate a decoded case file: a list of cases, or a single case object."""
    items = data if isinstance(data, list) else [data]
    cases: list[Case] = []
    for index, item in enumerate(items):
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "case"
            raise InvalidInput(
                f"{source}: case {index + 1} is invalid at {where}: {problem['msg']}; "
                "see the case format in docs/benchmarks.md"
            ) from error
    return cases


def load_case_file(path: str | Path) -> list[Case]:
    """Read and validate one case file; NotFound or InvalidInput name the file and the fix."""
    file = Path(path)
    if not file.is_file():
        raise NotFound(f"case file {str(file)!r} not found; check the path")
    if file.stat().st_size > MAX_CASE_FILE_BYTES:
        raise InvalidInput(
            f"case file {str(file)!r} is larger than {MAX_CASE_FILE_BYTES // (1024 * 1024)} MB"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"case file {str(file)!r} is not valid JSON (line {error.lineno}, column "
            f"{error.colno}): {error.msg}"
        ) from error
    return parse_cases(data, source=str(file))


def load_cases(paths: list[str] | list[Path] | None = None) -> list[Case]:
    """Load the given case files, or every bundled case when ``paths`` is empty.

    Raises InvalidInput when two cases share an id, because results are keyed by case id.
    """
    files = [Path(p) for p in paths] if paths else bundled_case_files()
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for file in files:
        for case in load_case_file(file):
            if case.id in seen:
                raise InvalidInput(
                    f"case id {case.id!r} appears in both {str(seen[case.id])!r} and "
                    f"{str(file)!r}; case ids must be unique"
                )
            seen[case.id] = file
            cases.append(case)
    return cases


def case_runs(cases: list[Case]) -> list[CaseRun]:
    """Expand cases into interviews: one per case, or one per participant of a case."""
    runs: list[CaseRun] = []
    for case in cases:
        if not case.participants:
            runs.append(CaseRun(case))
            continue
        runs.extend(CaseRun(case, person.id) for person in case.participants)
    return runs
