"""Reports for the elicitation benchmark: text table, JSON, HTML with an SVG plot, transcripts."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elicitor import __version__
from elicitor.bench.harness import RunRecord
from elicitor.bench.matching import MATCH_THRESHOLD, RAISE_THRESHOLD

REPORT_SCHEMA = "elicitor-bench-elicitation/1"
# Colours from the Okabe-Ito palette, which stays distinguishable with colour blindness.
LINE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

COLUMNS: tuple[tuple[str, str], ...] = (
    ("revealed@5", "facts revealed by the first 5 questions"),
    ("revealed@10", "facts revealed by the first 10 questions"),
    ("revealed@20", "facts revealed by the first 20 questions"),
    ("recall", "facts recorded in the signed artifact / facts known"),
    ("noise", "artifact claims matching no fact"),
    ("dropped", "claims the participant dropped at checkpoints and review"),
    ("kind acc", "matched claims with the fact's kind"),
    ("catch", "contradictions raised within 2 questions / both facts revealed"),
    ("compound", "questions asking more than one thing"),
    ("words/fact", "participant words per fact revealed"),
    ("q after last", "mean questions after the last new fact"),
)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table_row(name: str, totals: dict[str, Any]) -> list[str]:
    """Return one contender's cells, in the order of ``COLUMNS``."""
    facts = totals["facts"]
    return [
        name,
        f"{totals['revealed_at_5']}/{facts}",
        f"{totals['revealed_at_10']}/{facts}",
        f"{totals['revealed_at_20']}/{facts}",
        f"{_fmt(totals['recall'])} ({totals['recorded']})",
        f"{totals['noise']}/{totals['claims']}",
        str(totals["dropped"]),
        f"{_fmt(totals['kind_accuracy'])} ({totals['kind_correct']}/{totals['matched']})",
        f"{_fmt(totals['catch_rate'])} ({totals['caught']}/{totals['contradictions']})",
        f"{_fmt(totals['compound_rate'])} ({totals['compound']}/{totals['questions']})",
        _fmt(totals["words_per_fact"], 1),
        _fmt(totals["after_last_fact_mean"], 1),
    ]


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """Render rows as a plain-text table with aligned columns."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    return "\n".join(lines)


def results_table(document: dict[str, Any]) -> str:
    headers = ["interviewer", *(name for name, _ in COLUMNS)]
    rows = [table_row(name, totals) for name, totals in document["totals"].items()]
    return text_table(headers, rows)


def markdown_table(document: dict[str, Any]) -> str:
    headers = ["interviewer", *(name for name, _ in COLUMNS)]
    rows = [table_row(name, totals) for name, totals in document["totals"].items()]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def build_document(
    records: list[RunRecord],
    interviews: list[dict[str, Any]],
    totals: dict[str, dict[str, Any]],
    *,
    contenders: list[dict[str, Any]],
    seconds: float,
) -> dict[str, Any]:
    """Assemble the JSON report of one benchmark run."""
    return {
        "schema": REPORT_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "elicitor_version": __version__,
        "thresholds": {"match": MATCH_THRESHOLD, "raise": RAISE_THRESHOLD},
        "cases": sorted({record.run.case.id for record in records}),
        "interview_count": len({record.label for record in records}),
        "seconds": round(seconds, 2),
        "contenders": contenders,
        "totals": totals,
        "interviews": interviews,
    }


def _tick_step(rough: float) -> int:
    """Return the smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``rough``."""
    scale = 1
    while True:
        for factor in (1, 2, 5):
            if factor * scale >= rough:
                return factor * scale
        scale *= 10


def svg_curves(curves: dict[str, list[int]], *, total_facts: int) -> str:
    """Draw facts revealed against questions asked, one line per interviewer, as SVG."""
    width, height = 720, 360
    left, right, top, bottom = 56, 170, 20, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = max((len(curve) - 1 for curve in curves.values()), default=1) or 1
    y_max = max([total_facts, 1, *(max(curve, default=0) for curve in curves.values())])

    def x(value: float) -> float:
        return left + plot_w * value / x_max

    def y(value: float) -> float:
        return top + plot_h * (1 - value / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        'aria-label="Facts revealed against questions asked">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
    ]
    for tick in range(0, x_max + 1, 5):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top + plot_h}" x2="{x(tick):.1f}" '
            f'y2="{top + plot_h + 4}" stroke="#333"/>'
            f'<text x="{x(tick):.1f}" y="{top + plot_h + 18}" font-size="11" '
            f'text-anchor="middle">{tick}</text>'
        )
    step = _tick_step(y_max / 6)
    for tick in range(0, y_max + 1, step):
        parts.append(
            f'<line x1="{left - 4}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            f'stroke="#eee"/><text x="{left - 8}" y="{y(tick) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" font-size="12" '
        'text-anchor="middle">questions asked</text>'
        f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">facts revealed (all interviews)</text>'
    )
    for index, (name, curve) in enumerate(curves.items()):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(curve))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        legend_y = top + 16 + 20 * index
        parts.append(
            f'<line x1="{left + plot_w + 14}" y1="{legend_y - 4}" x2="{left + plot_w + 38}" '
            f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{left + plot_w + 44}" y="{legend_y}" font-size="12">'
            f"{html.escape(name)} ({curve[-1] if curve else 0})</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def html_report(document: dict[str, Any]) -> str:
    """Return a standalone HTML page: the totals table and the facts-revealed curves."""
    head = "".join(
        f'<th title="{html.escape(help_text)}">{html.escape(name)}</th>'
        for name, help_text in [("interviewer", "row"), *COLUMNS]
    )
    rows = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in table_row(name, totals))
        + "</tr>"
        for name, totals in document["totals"].items()
    )
    facts = next(iter(document["totals"].values()), {}).get("facts", 0)
    curves = {name: totals["curve"] for name, totals in document["totals"].items()}
    legend = "".join(
        f"<li><b>{html.escape(name)}</b>: {html.escape(help_text)}</li>"
        for name, help_text in COLUMNS
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Elicitor elicitation benchmark</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; }}
th {{ background: #f4f4f4; }}
</style></head><body>
<h1>Elicitation benchmark</h1>
<p>{document["interview_count"]} interviews over {len(document["cases"])} cases,
{facts} hidden facts in all. Match threshold {document["thresholds"]["match"]},
contradiction threshold {document["thresholds"]["raise"]}. Elicitor {
        html.escape(document["elicitor_version"])
    }, {html.escape(document["created_at"])}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<ul>{legend}</ul>
<h2>Facts revealed per question</h2>
{svg_curves(curves, total_facts=facts)}
</body></html>
"""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "interviewer"


def transcript_markdown(record: RunRecord, score: dict[str, Any]) -> str:
    """Render one interview as Markdown: each prompt, its move and reason, and the reply."""
    lines = [
        f"# {record.label} — {record.contender}",
        "",
        f"- stop: {record.stop}; questions: {score['questions']}; facts revealed: "
        f"{score['revealed']}/{score['facts']}; recorded: {score['recorded']}; "
        f"dropped claims: {score['dropped']}; words typed: {score['words']}",
        f"- revealed in order: {', '.join(record.revealed) or 'none'}",
        "",
    ]
    for turn in record.turns:
        number = f"Q{turn.question_number}" if turn.question_number else turn.kind.capitalize()
        if turn.kind == "question" and turn.question_number is None:
            number = "Opening"
        topic = f", topic {turn.topic_id}" if turn.topic_id else ""
        lines.append(f"## {number} · {turn.move or turn.kind}{topic}")
        if turn.reason:
            lines.append(f"_why: {turn.reason}_")
            lines.append("")
        lines.extend(f"> {line}" if line else ">" for line in turn.text.splitlines())
        lines.append("")
        lines.append(f"**Participant:** {turn.answer}")
        outcome = f"reply: {turn.mode}"
        if turn.fact_id:
            outcome += f"; revealed {turn.fact_id} ({turn.fact_kind})"
        if turn.similarity is not None:
            outcome += f"; best similarity {turn.similarity:.2f}"
        if turn.compound:
            outcome += "; compound question"
        lines.extend(["", f"_{outcome}_", ""])
    return "\n".join(lines)


def write_transcripts(
    folder: Path, records: list[RunRecord], scores: dict[tuple[str, str], dict[str, Any]]
) -> list[Path]:
    """Write one Markdown file per interview under ``folder/<interviewer>/``."""
    written: list[Path] = []
    for record in records:
        target = folder / _slug(record.contender) / f"{_slug(record.label)}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        score = scores[(record.contender, record.label)]
        target.write_text(transcript_markdown(record, score), encoding="utf-8")
        written.append(target)
    return written
