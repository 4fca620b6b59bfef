"""``elicitor analyze``: run the offline analyst on statements and print JSON lines."""

from __future__ import annotations

import json
import sys

import click


@click.command("analyze")
@click.argument("statements", nargs=-1)
@click.option(
    "--template",
    default="bug-triage",
    show_default=True,
    help="Briefing template whose topics claims are matched against.",
)
def analyze(statements: tuple[str, ...], template: str) -> None:
    """Print claims, kinds, vague terms, quantities and hedges as JSON lines.

    Reads the arguments, or standard input one statement per line.
    """
    from elicitor.briefing.loader import load_template
    from elicitor.engine.analyst import OfflineAnalyst
    from elicitor.session.state import SessionState

    briefing = load_template(template)
    analyst = OfflineAnalyst()
    lines = list(statements) or [line.rstrip("\n") for line in sys.stdin]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        state = SessionState(session_id="analyze")
        result = analyst.analyze(
            line, briefing=briefing, state=state, answer_seq=number, question=None
        )
        record = {
            "input": number,
            "non_answer": result.non_answer,
            "claims": [
                {
                    "text": c.text,
                    "kind": c.kind,
                    "topic": c.topic_id,
                    "vague_terms": [t.split(":", 1)[1] for t in c.vague_terms],
                    "quantities": [
                        {
                            "text": q.text,
                            "value": q.value,
                            "unit": q.unit,
                            "dimension": q.dimension,
                            "base_value": q.base_value,
                        }
                        for q in c.quantities
                    ],
                    "hedges": c.hedges,
                    "judgment_cues": c.cues,
                    "example": c.is_example,
                    "negated": c.negated,
                }
                for c in result.claims
            ],
        }
        click.echo(json.dumps(record, ensure_ascii=False))


def register(root: click.Group) -> None:
    root.add_command(analyze)
