"""The briefing form: HTML form fields to a briefing and back, with errors per field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from elicitor.briefing.model import Briefing
from elicitor.errors import BriefingInvalid

# Empty topic rows offered below the existing ones; save and edit again for more.
BLANK_TOPIC_ROWS = 2
TEXT_FIELDS = (
    "id",
    "title",
    "goal",
    "audience",
    "requester",
    "opening_question",
    "time_budget_minutes",
    "tone",
    "language",
    "private_notes",
    "artifact_sections",
)
TOPIC_FIELDS = (
    "id",
    "title",
    "description",
    "question",
    "covered_when",
    "probes",
    "keywords",
)
_TOPIC_ERROR = re.compile(r"^topics\[(\d+)\](?: \(id '[^']*'\))?(?:\.(\w+))?")
_SLUG_CLEANUP = re.compile(r"[^a-z0-9]+")


@dataclass
class TopicRow:
    index: int
    values: dict[str, str]
    required: bool = True
    needs_quantity: bool = False

    @property
    def blank(self) -> bool:
        return not any(self.values.get(name, "").strip() for name in ("title", "question"))


@dataclass
class BriefingForm:
    values: dict[str, str]
    topics: list[TopicRow]
    errors: dict[str, str] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    @classmethod
    def from_briefing(cls, briefing: Briefing | None) -> BriefingForm:
        if briefing is None:
            values = {name: "" for name in TEXT_FIELDS}
            values.update(time_budget_minutes="20", tone="neutral", language="en")
            rows: list[TopicRow] = []
        else:
            data = briefing.model_dump(mode="json")
            values = {name: _text(data.get(name)) for name in TEXT_FIELDS}
            rows = [_topic_row(index, topic) for index, topic in enumerate(data["topics"])]
        for _ in range(BLANK_TOPIC_ROWS):
            rows.append(TopicRow(len(rows), {name: "" for name in TOPIC_FIELDS}))
        return cls(values, rows)

    @classmethod
    def from_form(cls, form: FormData) -> BriefingForm:
        values = {name: str(form.get(name, "")) for name in TEXT_FIELDS}
        rows = []
        index = 0
        while f"topic-{index}-title" in form:
            prefix = f"topic-{index}-"
            rows.append(
                TopicRow(
                    index,
                    {name: str(form.get(prefix + name, "")) for name in TOPIC_FIELDS},
                    required=form.get(prefix + "required") == "on",
                    needs_quantity=form.get(prefix + "needs_quantity") == "on",
                )
            )
            index += 1
        return cls(values, rows)

    def to_data(self) -> tuple[dict[str, Any], list[int]]:
        """Return the briefing as data, and the form row index of each topic kept."""
        data: dict[str, Any] = {
            name: value.strip()
            for name, value in self.values.items()
            if value.strip() and name != "artifact_sections"
        }
        data["artifact_sections"] = _lines(self.values.get("artifact_sections", ""))
        budget = data.get("time_budget_minutes")
        if budget is not None:
            data["time_budget_minutes"] = int(budget) if budget.isdigit() else budget
        filled = [row for row in self.topics if not row.blank]
        data["topics"] = [_topic_data(row) for row in filled]
        return data, [row.index for row in filled]

    def add_errors(self, error: BriefingInvalid, kept_rows: list[int]) -> None:
        """Place each validation error next to its field, or above the form."""
        if not error.errors:
            self.general_errors.append(str(error))
        for item in error.errors:
            key = _form_key(item["field"], kept_rows)
            if key is None:
                self.general_errors.append(f"{item['field']}: {item['problem']}")
            else:
                self.errors.setdefault(key, item["problem"])


def _form_key(location: str, kept_rows: list[int]) -> str | None:
    match = _TOPIC_ERROR.match(location)
    if match:
        position = int(match.group(1))
        if position >= len(kept_rows):
            return None
        name = match.group(2) or "title"
        name = name if name in TOPIC_FIELDS else "title"
        return f"topic-{kept_rows[position]}-{name}"
    top = location.split(".", 1)[0].split("[", 1)[0]
    if top == "topics":
        return "topics"
    return top if top in TEXT_FIELDS else None


def _topic_row(index: int, topic: dict[str, Any]) -> TopicRow:
    values = {name: _text(topic.get(name)) for name in TOPIC_FIELDS}
    return TopicRow(
        index,
        values,
        required=bool(topic.get("required", True)),
        needs_quantity=bool(topic.get("needs_quantity", False)),
    )


def _topic_data(row: TopicRow) -> dict[str, Any]:
    values = {name: row.values.get(name, "").strip() for name in TOPIC_FIELDS}
    topic: dict[str, Any] = {
        "id": values["id"] or slugify(values["title"]),
        "title": values["title"],
        "question": values["question"],
        "required": row.required,
        "needs_quantity": row.needs_quantity,
        "probes": _lines(values["probes"]),
        "keywords": [
            word.strip() for word in re.split(r"[,\n]", values["keywords"]) if word.strip()
        ],
    }
    for name in ("description", "covered_when"):
        if values[name]:
            topic[name] = values[name]
    return topic


def slugify(text: str) -> str:
    """Return a topic id made from a title: lower case, words joined by '-'."""
    return _SLUG_CLEANUP.sub("-", text.lower()).strip("-")[:64]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)
