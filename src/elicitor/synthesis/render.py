"""Render a synthesis as JSON (schema v1), Markdown, or a standalone HTML page."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jinja2
from markupsafe import Markup

from elicitor.errors import InvalidInput
from elicitor.synthesis.model import Disagreement, Point, Synthesis
from elicitor.synthesis.view import KIND_WORDS, SynthesisView, build_view

FORMATS = ("md", "json", "html")


def to_json(synthesis: Synthesis) -> str:
    return json.dumps(synthesis.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def render(synthesis: Synthesis, fmt: str) -> str:
    """Render in ``fmt`` ('md', 'json' or 'html'); InvalidInput names the valid formats."""
    if fmt == "json":
        return to_json(synthesis)
    if fmt == "md":
        return to_markdown(synthesis)
    if fmt == "html":
        return to_html(synthesis)
    raise InvalidInput(f"format {fmt!r} is not valid; use one of {', '.join(FORMATS)}")


# -- Markdown ------------------------------------------------------------------------------------


def to_markdown(synthesis: Synthesis) -> str:
    view = build_view(synthesis)
    lines = _md_header(view)
    lines += _md_disagreements(view)
    if synthesis.timeline is not None:
        lines += _md_timeline(view)
    lines += _md_matrix(view)
    return "\n".join(lines).rstrip() + "\n"


def _md_header(view: SynthesisView) -> list[str]:
    syn = view.synthesis
    scope = "signed-off sessions only"
    if syn.include_unsigned:
        scope = "unsigned sessions included and marked"
    counts = view.counts
    lines = [
        f"# Synthesis: {syn.briefing.title}",
        "",
        f"Briefing `{syn.briefing.id}` (versions {', '.join(map(str, syn.briefing.versions))}), "
        f"{_count(len(syn.participants), 'participant')}, {scope}; aligner {syn.aligner}; "
        "generated "
        f"{syn.generated_at[:19].replace('T', ' ')} UTC.",
        "",
        f"{_count(counts['points'], 'point')}: {counts['agreements']} agreed by two or more, "
        f"{counts['disputed']} disputed, {counts['one']} from one person only; "
        f"{_count(counts['disagreements'], 'disagreement')} ({counts['open']} open, "
        f"{counts['confirmed']} confirmed, {counts['resolved']} resolved).",
        "",
        "## Participants",
        "",
        "| Key | Participant | Session | Version | Signed | Claims | Withdrawn |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in syn.participants:
        signed = f"yes, {p.signed_at[:10]}" if p.signed and p.signed_at else "**unsigned**"
        lines.append(
            f"| {p.key} | {_cell(p.label)} | `{p.session_id}` | v{p.briefing_version} | "
            f"{signed} | {p.statements} | {p.withdrawn} |"
        )
    lines.append("")
    lines += [f"> {note}" for note in syn.notes]
    return lines + ([""] if syn.notes else [])


def _md_disagreements(view: SynthesisView) -> list[str]:
    lines = ["## Disagreements", ""]
    if not view.disagreements:
        return lines + ["No disagreements found between participants.", ""]
    for item in view.disagreements:
        lines += _md_disagreement(view, item)
    return lines


def _md_disagreement(view: SynthesisView, item: Disagreement) -> list[str]:
    lines = [
        f"### {item.id}: {KIND_WORDS[item.kind]}, {view.topic_title(item.topic_id)} "
        f"({item.status})",
        "",
        f"Points {', '.join(item.points)}: {item.detail}.",
        "",
    ]
    for position in item.positions:
        quoted = "; ".join(
            f'{s.participant} "{s.text}" (`{s.session_id}` #{s.answer_seq})'
            for s in position.statements
        )
        lines.append(f"- **{position.value}**: {quoted}")
    for followup in item.followups:
        lines.append(
            f'- Second round, {followup.participant}: "{followup.answer}" '
            f"({followup.outcome.replace('_', ' ')}, `{followup.session_id}` "
            f"#{followup.answer_seq})"
        )
    if item.resolution:
        lines.append(f"- Resolution: {item.resolution}")
    return lines + [""]


def _md_timeline(view: SynthesisView) -> list[str]:
    lines = ["## Merged timeline", ""]
    timeline = view.synthesis.timeline or []
    if not timeline:
        return lines + ["No claim gave a clock time.", ""]
    lines += ["| Time | What | Reported by | Disagreement |", "|---|---|---|---|"]
    for entry in timeline:
        at = entry.at + (" (approx.)" if entry.approximate else "")
        at += " (am/pm?)" if entry.ambiguous_clock else ""
        reporters = "; ".join(f"{r.participant} at {r.at}" for r in entry.reported_by)
        flagged = ", ".join(entry.disagreements) or "–"
        lines.append(f"| {at} | {_cell(entry.text)} | {reporters} | {flagged} |")
    return lines + [""]


def _md_matrix(view: SynthesisView) -> list[str]:
    lines = ["## Who says what", ""]
    if not view.blocks:
        return lines + ["No claims to compare yet.", ""]
    for block in view.blocks:
        lines += [f"### {block.topic.title}", ""]
        for row in block.rows:
            lines += _md_point(row.point, row.disagreements)
        lines.append("")
    return lines


def _md_point(point: Point, disagreements: list[str]) -> list[str]:
    marks = [point.coverage if point.coverage != "one" else "one participant"]
    if disagreements:
        marks.append("disputed: " + ", ".join(disagreements))
    lines = [f"- **{point.id}** ({'; '.join(marks)})"]
    for s in point.statements:
        corrected = " (corrected)" if s.status == "corrected" else ""
        lines.append(
            f'  - {s.participant} [{s.kind}]: "{s.text}"{corrected} '
            f"(`{s.session_id}` #{s.answer_seq})"
        )
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


# -- HTML ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("elicitor.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@lru_cache(maxsize=1)
def _stylesheets() -> str:
    folder = resources.files("elicitor.web") / "static"
    return "\n".join(
        (folder / name).read_text(encoding="utf-8") for name in ("app.css", "synthesis.css")
    )


def to_html(synthesis: Synthesis) -> str:
    """Return a standalone page with the stylesheets inlined and no scripts."""
    template = _environment().get_template("requester/synthesis_export.html")
    return template.render(
        view=build_view(synthesis),
        css=Markup(_stylesheets()),
        turn_links=False,
        disagreement_words=KIND_WORDS,
    )
