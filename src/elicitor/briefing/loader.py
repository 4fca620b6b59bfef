"""Load briefings from YAML or JSON, with errors that name the field and the problem."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from elicitor.briefing.model import Briefing
from elicitor.errors import BriefingInvalid, NotFound

MAX_BRIEFING_BYTES = 256 * 1024


def template_names() -> list[str]:
    folder = resources.files("elicitor.briefing") / "templates"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_template(name: str) -> Briefing:
    """Return the built-in template ``name``; NotFound lists the names that exist."""
    if name not in template_names():
        raise NotFound(
            f"template {name!r} not found; available templates: {', '.join(template_names())}"
        )
    text = (resources.files("elicitor.briefing") / "templates" / f"{name}.yaml").read_text()
    return parse_briefing(text, source=f"template {name}")


def load_briefing_file(path: str | Path) -> Briefing:
    file = Path(path)
    if not file.is_file():
        raise NotFound(f"briefing file {str(file)!r} not found; check the path")
    if file.stat().st_size > MAX_BRIEFING_BYTES:
        raise BriefingInvalid(
            f"briefing file {str(file)!r} is larger than {MAX_BRIEFING_BYTES // 1024} KB"
        )
    return parse_briefing(file.read_text(encoding="utf-8"), source=str(file))


def parse_briefing(text: str, *, source: str = "briefing") -> Briefing:
    """Parse YAML (JSON is valid YAML) and validate it against the briefing schema."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BriefingInvalid(f"{source}: not valid YAML{where}: {exc}") from exc
    return validate_briefing(data, source=source)


def validate_briefing(data: Any, *, source: str = "briefing") -> Briefing:
    if not isinstance(data, dict):
        raise BriefingInvalid(
            f"{source}: expected a mapping of fields (title, goal, topics, ...), "
            f"got {type(data).__name__}"
        )
    duplicates = _duplicate_topic_ids(data)
    try:
        briefing = Briefing.model_validate(data)
    except ValidationError as exc:
        errors = [_describe(error, data) for error in exc.errors()] + duplicates
        lines = "\n".join(f"  {e['field']}: {e['problem']}" for e in errors)
        raise BriefingInvalid(f"{source} is not a valid briefing:\n{lines}", errors=errors) from exc
    return briefing


def _duplicate_topic_ids(data: dict[str, Any]) -> list[dict[str, str]]:
    """Find repeated topic ids up front, so they are reported next to other field errors."""
    topics = data.get("topics")
    if not isinstance(topics, list):
        return []
    seen: dict[str, int] = {}
    errors = []
    for index, topic in enumerate(topics):
        topic_id = topic.get("id") if isinstance(topic, dict) else None
        if not isinstance(topic_id, str):
            continue
        if topic_id in seen:
            errors.append(
                {
                    "field": f"topics[{index}].id",
                    "problem": f"topic id {topic_id!r} is already used by "
                    f"topics[{seen[topic_id]}]; "
                    "topic ids must be unique",
                }
            )
        else:
            seen[topic_id] = index
    return errors


def _describe(error: Any, data: dict[str, Any]) -> dict[str, str]:
    location = _field_path(error["loc"], data)
    message = error["msg"]
    if error["type"] == "missing":
        message = "is required but missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field (check the spelling against the briefing schema)"
    elif message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return {"field": location or "(top level)", "problem": message}


def _field_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """Render a location as 'topics[2].question' and add the topic id where known."""
    parts: list[str] = []
    node: Any = data
    for key in loc:
        if isinstance(key, int):
            parts[-1] = f"{parts[-1]}[{key}]"
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict):
                node = node[key]
                topic_id = node.get("id")
                if topic_id:
                    parts[-1] += f" (id {topic_id!r})"
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def briefing_json_schema() -> dict[str, Any]:
    schema = Briefing.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://elicitor.dev/schemas/briefing.v1.json"
    return schema


def dump_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
