"""Render an artifact as Markdown, JSON or a standalone HTML page."""

from __future__ import annotations

import html
import json
from typing import Any

from elicitor.artifact.model import Artifact, ClaimOut

KIND_LABELS = {"fact": "fact", "judgment": "judgment", "assumption": "assumption"}


def to_json(artifact: Artifact) -> str:
    return json.dumps(artifact.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _claim_line(claim: ClaimOut) -> str:
    flags = []
    if claim.is_example:
        flags.append("example")
    if claim.kind_source == "participant":
        flags.append("kind set by participant")
    if claim.status == "corrected":
        flags.append("corrected")
    extra = f" ({', '.join(flags)})" if flags else ""
    return f"- **{claim.kind}** {claim.text}{extra} [{claim.id}]"


def to_markdown(artifact: Artifact) -> str:
    lines = [
        f"# {artifact.briefing.title}",
        "",
        f"Session `{artifact.session_id}`"
        + (f", participant {artifact.participant}" if artifact.participant else "")
        + f", briefing `{artifact.briefing.id}` v{artifact.briefing.version}, "
        f"{artifact.questions_asked} questions.",
        "",
    ]
    for topic in artifact.topics:
        required = "" if topic.required else " (optional)"
        lines.append(f"## {topic.title}{required}")
        lines.append("")
        if not topic.claims and not topic.unknowns:
            lines.append("- Unknown: not covered in this interview.")
        lines.extend(_claim_line(c) for c in topic.claims)
        lines.extend(f"- Unknown: {u.question}" for u in topic.unknowns)
        lines.append("")
    if artifact.other_claims or artifact.other_unknowns:
        lines += ["## Other", ""]
        lines.extend(_claim_line(c) for c in artifact.other_claims)
        lines.extend(f"- Unknown: {u.question}" for u in artifact.other_unknowns)
        lines.append("")
    if artifact.contradictions:
        lines += ["## Contradictions", ""]
        for item in artifact.contradictions:
            state = "resolved" if item.status == "resolved" else "open"
            resolution = f": {item.resolution}" if item.resolution else ""
            lines.append(f"- {item.claim_a} vs {item.claim_b} ({item.detail}), {state}{resolution}")
        lines.append("")
    lines += ["## Sign-off", ""]
    if artifact.sign_off:
        lines.append(
            f"Signed by {artifact.sign_off.signer} at {artifact.sign_off.at}; content SHA-256 "
            f"`{artifact.sign_off.content_hash}`."
        )
    else:
        lines.append("Not signed off yet: this is a draft.")
    return "\n".join(lines) + "\n"


def to_html(artifact: Artifact) -> str:
    def esc(value: Any) -> str:
        return html.escape(str(value), quote=True)

    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(artifact.briefing.title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;"
        "padding:0 1rem;line-height:1.5}.kind{font-size:.8em;padding:0 .4em;border-radius:.3em;"
        "background:#eef}.judgment{background:#fde9c8}.assumption{background:#f3d7f5}"
        ".unknown{color:#666;font-style:italic}</style></head><body>",
        f"<h1>{esc(artifact.briefing.title)}</h1>",
        f"<p>Session <code>{esc(artifact.session_id)}</code>, "
        f"{artifact.questions_asked} questions.</p>",
    ]
    for topic in artifact.topics:
        parts.append(f"<h2>{esc(topic.title)}</h2><ul>")
        for claim in topic.claims:
            parts.append(
                f"<li><span class='kind {esc(claim.kind)}'>{esc(claim.kind)}</span> "
                f"{esc(claim.text)}</li>"
            )
        for unknown in topic.unknowns:
            parts.append(f"<li class='unknown'>Unknown: {esc(unknown.question)}</li>")
        if not topic.claims and not topic.unknowns:
            parts.append("<li class='unknown'>Unknown: not covered.</li>")
        parts.append("</ul>")
    if artifact.contradictions:
        parts.append("<h2>Contradictions</h2><ul>")
        for item in artifact.contradictions:
            parts.append(
                f"<li>{esc(item.claim_a)} vs {esc(item.claim_b)}: {esc(item.detail)} "
                f"({esc(item.status)})</li>"
            )
        parts.append("</ul>")
    if artifact.sign_off:
        parts.append(
            f"<p>Signed by {esc(artifact.sign_off.signer)} at {esc(artifact.sign_off.at)}, "
            f"SHA-256 <code>{esc(artifact.sign_off.content_hash)}</code>.</p>"
        )
    else:
        parts.append("<p><strong>Draft:</strong> not signed off yet.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(artifact: Artifact, fmt: str) -> str:
    if fmt == "json":
        return to_json(artifact)
    if fmt == "md":
        return to_markdown(artifact)
    if fmt == "html":
        return to_html(artifact)
    raise ValueError(f"unknown format {fmt!r}; use md, json or html")
