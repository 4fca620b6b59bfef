"""The analyst's reply schema, its validation, and the conversion to an ``Analysis``.

The schema sent to the endpoint is strict (every field required, no extra fields), which
is what OpenAI's strict structured outputs and llama.cpp grammars need. Validation of the
reply is more lenient: only each claim's text and kind are required, and whatever the model
leaves out is filled in with the offline analyst's helpers (quantities always come from
``find_quantities``). Checks that a schema cannot express follow: claims must quote the
answer, and contradictions must point at earlier claims that exist.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any

from elicitor.briefing.model import Briefing
from elicitor.engine import cues
from elicitor.engine.analyst import MAX_CLAIM_WORDS, Analysis, find_vague_terms
from elicitor.engine.quantities import find_quantities
from elicitor.errors import ModelOutputInvalid
from elicitor.session.state import CLAIM_KINDS, Claim, Contradiction, Quantity, SessionState

NON_ANSWERS = ("dont_know", "skip", "refused", "unclear", "nothing_more")
CONTRADICTION_KINDS = ("number", "polarity", "other")
VAGUE_CATEGORIES = tuple(cues.VAGUE_TERMS)
MAX_CLAIMS = 12
# Vague categories that a number in the same claim already pins down (as offline).
_NUMERIC_CATEGORIES = ("duration", "speed", "size", "amount", "time")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def analysis_schema(
    topic_ids: list[str], earlier_claim_ids: list[str] | None = None
) -> dict[str, Any]:
    """Return the strict JSON Schema of the analyst's reply.

    Topic ids and the ids of the earlier claims shown in the prompt become enums. Without
    earlier claims the reply has no ``contradictions`` field at all, which keeps small
    models from inventing some under a grammar. The schema stays inside the subset that
    strict modes accept: every field required, no length or count limits.
    """
    topic = {"anyOf": [{"type": "string", "enum": list(topic_ids)}, {"type": "null"}]}
    vague_term = {
        "type": "object",
        "properties": {
            "category": {"type": "string", "enum": list(VAGUE_CATEGORIES)},
            "term": {"type": "string"},
        },
        "required": ["category", "term"],
        "additionalProperties": False,
    }
    claim = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "kind": {"type": "string", "enum": list(CLAIM_KINDS)},
            "topic_id": topic,
            "quantities": _strings(),
            "vague_terms": {"type": "array", "items": vague_term},
            "hedges": _strings(),
            "is_example": {"type": "boolean"},
            "negated": {"type": "boolean"},
            "generalization": {"type": "boolean"},
        },
        "additionalProperties": False,
    }
    claim["required"] = list(claim["properties"])
    contradiction = {
        "type": "object",
        "properties": {
            "earlier_claim_id": {"type": "string", "enum": list(earlier_claim_ids or [])},
            "claim_index": {"type": "integer"},
            "kind": {"type": "string", "enum": list(CONTRADICTION_KINDS)},
            "detail": {"type": "string"},
        },
        "additionalProperties": False,
    }
    contradiction["required"] = list(contradiction["properties"])
    properties: dict[str, Any] = {
        "non_answer": {"anyOf": [{"type": "string", "enum": list(NON_ANSWERS)}, {"type": "null"}]},
        "claims": {"type": "array", "items": claim},
        "covered_topics": _strings(),
    }
    if earlier_claim_ids:
        properties["contradictions"] = {"type": "array", "items": contradiction}
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def schema_for_version() -> dict[str, Any]:
    """Return the schema's fixed part, which counts in the prompt version."""
    return analysis_schema([], ["c1"])


@lru_cache(maxsize=1)
def _lenient_base() -> dict[str, Any]:
    schema = copy.deepcopy(analysis_schema([], ["c1"]))
    contradiction = schema["properties"]["contradictions"]["items"]
    contradiction["properties"]["earlier_claim_id"] = {"type": "string"}
    schema["required"] = ["claims"]
    schema["additionalProperties"] = True
    claim = schema["properties"]["claims"]["items"]
    claim["required"] = ["text", "kind"]
    claim["additionalProperties"] = True
    claim["properties"]["topic_id"] = {"type": ["string", "null"]}
    return schema


def _validator() -> Any:
    try:
        from jsonschema import Draft202012Validator
    except ModuleNotFoundError:  # pragma: no cover - the llm extra installs it
        from elicitor.errors import ConfigurationError

        raise ConfigurationError(
            "model backends need jsonschema; install the extra: pip install 'elicitor[llm]'"
        ) from None
    return Draft202012Validator(_lenient_base())


def load_reply(text: str) -> dict[str, Any]:
    """Decode the model's reply: a JSON object, possibly inside a code fence or prose."""
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start == -1:
        raise ModelOutputInvalid(
            "the reply contains no JSON object", feedback="Your reply contained no JSON object."
        )
    candidate = body[start : end + 1] if end > start else body[start:]
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise ModelOutputInvalid(
            f"the reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            feedback=f"Your reply was not valid JSON ({exc.msg}).",
        ) from None
    if not isinstance(data, dict):
        raise ModelOutputInvalid("the reply is JSON but not an object")
    return data


def validate_reply(data: dict[str, Any]) -> None:
    """Raise ModelOutputInvalid naming the first place where ``data`` breaks the schema."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    first = errors[0]
    where = "/".join(str(part) for part in first.absolute_path) or "the top level"
    raise ModelOutputInvalid(
        f"the reply breaks the analysis schema at {where} ({first.validator} check failed)",
        feedback=f"Your reply broke the schema at {where}: {first.message}.",
    )


def _grounded(claim_text: str, answer: str) -> bool:
    """Return True when the claim reuses the answer's words (at most a third are new)."""
    claim_stems = cues.content_stems(claim_text)
    if not claim_stems:
        return claim_text.strip(" .!?").lower() in answer.lower()
    missing = claim_stems - cues.content_stems(answer)
    return len(missing) <= max(1, len(claim_stems) // 3)


def to_analysis(
    data: dict[str, Any],
    *,
    answer: str,
    briefing: Briefing,
    state: SessionState,
    answer_seq: int,
    question: dict[str, Any] | None,
) -> Analysis:
    """Check a validated reply against the session and turn it into an ``Analysis``."""
    items = data.get("claims") or []
    non_answer = data.get("non_answer")
    if not items and non_answer in NON_ANSWERS:
        return Analysis(non_answer=non_answer)
    if len(items) > MAX_CLAIMS:
        raise ModelOutputInvalid(
            f"the reply has {len(items)} claims; the limit is {MAX_CLAIMS}",
            feedback=f"Return at most {MAX_CLAIMS} claims; merge the smallest ones.",
        )
    topic_ids = {t.id for t in briefing.topics}
    default_topic = question.get("topic_id") if question else None
    first_number = len(state.claims) + 1
    claims = [
        _claim(item, f"c{first_number + i}", i, answer, topic_ids, default_topic, answer_seq)
        for i, item in enumerate(items)
    ]
    contradictions = _contradictions(data.get("contradictions") or [], claims, state)
    covered = {c.topic_id for c in claims if c.topic_id}
    covered |= {t for t in data.get("covered_topics") or [] if t in topic_ids}
    return Analysis(
        claims=claims,
        contradictions=contradictions,
        covered_topics=sorted(covered - set(state.covered_topics)),
    )


def _claim(
    item: dict[str, Any],
    claim_id: str,
    index: int,
    answer: str,
    topic_ids: set[str],
    default_topic: str | None,
    answer_seq: int,
) -> Claim:
    text = " ".join(str(item["text"]).split())
    if not text:
        raise ModelOutputInvalid(f"claim {index} has empty text")
    if not _grounded(text, answer):
        raise ModelOutputInvalid(
            f"claim {index} is not in the participant's words",
            feedback=f"Claim {index} ({text!r}) does not use the participant's words; copy "
            "each claim from the answer.",
        )
    words = text.split()
    if len(words) > MAX_CLAIM_WORDS:
        text = " ".join(words[:MAX_CLAIM_WORDS]) + " …"
    topic_id = item.get("topic_id")
    if topic_id not in topic_ids:
        topic_id = default_topic if default_topic in topic_ids else None
    quantities = _quantities(text, item.get("quantities"))
    kind = str(item["kind"])
    return Claim(
        id=claim_id,
        text=text,
        kind=kind,
        topic_id=topic_id,
        answer_seq=answer_seq,
        quantities=quantities,
        vague_terms=_vague_terms(text, item.get("vague_terms"), has_quantity=bool(quantities)),
        hedges=_hedges(text, kind, item.get("hedges")),
        cues=cues.find(cues.NORMS, text) + cues.find(cues.EVALUATIVES, text)
        if kind == "judgment"
        else [],
        is_example=_flag(item, "is_example", lambda: bool(cues.find(cues.EXAMPLE_CUES, text))),
        negated=_flag(item, "negated", lambda: bool(cues.find(cues.NEGATIONS, text))),
        generalization=_flag(
            item, "generalization", lambda: bool(cues.find(cues.GENERALIZATIONS, text))
        ),
    )


def _flag(item: dict[str, Any], name: str, fallback: Any) -> bool:
    value = item.get(name)
    return value if isinstance(value, bool) else bool(fallback())


def _quantities(text: str, listed: Any) -> list[Quantity]:
    found = find_quantities(text)
    if found or not isinstance(listed, list):
        return found
    lowered = text.lower()
    for entry in listed:
        if isinstance(entry, str) and entry.strip() and entry.lower() in lowered:
            found.extend(find_quantities(entry))
    return found


def _vague_terms(text: str, listed: Any, *, has_quantity: bool) -> list[str]:
    """Keep the model's vague terms that appear in the claim; without a list, use the
    offline word lists."""
    if not isinstance(listed, list):
        return find_vague_terms(text, has_quantity=has_quantity)
    lowered = text.lower()
    terms: list[str] = []
    for entry in listed:
        if not isinstance(entry, dict):
            continue
        category = entry.get("category")
        term = " ".join(str(entry.get("term", "")).lower().split())
        if category not in VAGUE_CATEGORIES or not term or term not in lowered:
            continue
        if has_quantity and category in _NUMERIC_CATEGORIES:
            continue
        value = f"{category}:{term}"
        if value not in terms:
            terms.append(value)
    return terms


def _hedges(text: str, kind: str, listed: Any) -> list[str]:
    lowered = text.lower()
    hedges = [
        h
        for h in (listed if isinstance(listed, list) else [])
        if isinstance(h, str) and h.lower() in lowered
    ]
    if not hedges and kind == "assumption":
        hedges = cues.find(cues.HEDGES, text)
    return hedges


def _contradictions(
    items: list[Any], claims: list[Claim], state: SessionState
) -> list[Contradiction]:
    found: list[Contradiction] = []
    paired: set[int] = set()
    number = len(state.contradictions) + 1
    for item in items:
        earlier = state.claims.get(str(item.get("earlier_claim_id", "")))
        index = item.get("claim_index")
        if earlier is None or not earlier.active:
            raise ModelOutputInvalid(
                "a contradiction points at an earlier claim that does not exist",
                feedback=f"Contradiction earlier_claim_id {item.get('earlier_claim_id')!r} is "
                "not one of the recorded claims; use an id from the list, or drop it.",
            )
        if not isinstance(index, int) or not 0 <= index < len(claims):
            raise ModelOutputInvalid(
                f"a contradiction has claim_index {index!r} outside the {len(claims)} new claims",
                feedback=f"claim_index must be between 0 and {len(claims) - 1}.",
            )
        if index in paired:
            continue
        paired.add(index)
        kind = item.get("kind") if item.get("kind") in CONTRADICTION_KINDS else "other"
        detail = (
            " ".join(str(item.get("detail", "")).split())[:300] or "the two statements disagree"
        )
        found.append(Contradiction(f"x{number}", earlier.id, claims[index].id, kind, detail))
        number += 1
    return found
